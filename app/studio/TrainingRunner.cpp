// TrainingRunner: the only Qt file that sees torch headers (QT_NO_KEYWORDS is
// set project-wide, so they coexist). The work runs on a private QThread; the
// GUI thread only flips atomics and receives queued signals.
#include "app/studio/TrainingRunner.h"

#include "app/studio/LocalRanksLauncher.h"
#include "app/studio/TrainingConfig.h"

#include "core/compute/ThreadBudget.h"
#include "core/engine/ClipTrainer.h"
#include "core/engine/TrainConfigFile.h"
#include "core/engine/TrainingJob.h"
#include "core/eval/RetrievalMetrics.h"
#include "core/eval/SimilarityMaps.h"

#include <ATen/Parallel.h>

#include <QMetaObject>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

namespace hescape {

namespace {

// Every prepared split's embeddings under the model as it is now, as one
// RunEmbeddings (what the similarity maps and the embedding view take), and
// the whole-set recall@5 of the test split (else validation) into `shot`.
std::shared_ptr<const RunEmbeddings> liveEmbeddings(ClipTrainer& trainer, TrainingSnapshot& shot) {
    auto run = std::make_shared<RunEmbeddings>();
    run->path = "live";
    for (const char* which : {"train", "validation", "test"}) {
        if (trainer.split(which).count == 0) continue;
        const PairEmbeddings e = trainer.embed(which);
        run->dim = e.dim;
        run->append(e.section, e.obsName, e.image, e.gene);
        if (std::string(which) != "train" && e.section.size() > 1) {
            const RetrievalReport r = wholeSetRetrieval(EmbeddingView(e.image, e.dim), EmbeddingView(e.gene, e.dim));
            shot.split = QString::fromLatin1(which);
            shot.recallAt5ImageToGene = r.imageToGene.recallAt5;
            shot.recallAt5GeneToImage = r.geneToImage.recallAt5;
            shot.chanceAt5 = r.imageToGene.chanceAt5;
        }
    }
    return run;
}


}  // namespace

// The dock's reports from the training thread: the stage, every step, each
// epoch's validation, live embeddings `snapshots` times a run (and before the
// first step), the results file once written. Signals cross to the GUI queued.
class TrainingRunner::DockObserver final : public TrainingObserver {
public:
    DockObserver(TrainingRunner* runner, int snapshots) : runner_(runner), snapshots_(snapshots) {}

    void prepared(ClipTrainer& trainer) override {
        trainer_ = &trainer;
        Q_EMIT runner_->stageChanged(tr("Training on %1 pairs (%2 genes), validating on %3")
                                         .arg(trainer.split("train").count)
                                         .arg(trainer.genes().size())
                                         .arg(trainer.split("validation").count));
    }
    void beforeTraining(ClipTrainer&) override {
        if (snapshots_ > 0) snapshot(0);
    }
    void step(const TrainStep& st) override {
        Q_EMIT runner_->stepDone(st.step, st.totalSteps, st.loss, st.temperature, st.learningRate);
        if (st.validation) {
            Q_EMIT runner_->epochDone(st.epoch + 1, st.validation->loss, st.validation->recallAt1, st.validation->recallAt5,
                                      st.validation->chanceAt5, st.step);
        }
        const int every = std::max(1, st.totalSteps / std::max(1, snapshots_));
        if (snapshots_ > 0 && (st.step % every == 0 || st.step == st.totalSteps || st.stoppedEarly)) snapshot(st.step);
    }
    void finished(const EvalMetrics&, const std::string& resultsPath) override {
        if (resultsPath.empty()) return;
        const QString written = QString::fromStdString(resultsPath);
        TrainingRunner* runner = runner_;
        QMetaObject::invokeMethod(runner, [runner, written] { Q_EMIT runner->resultsWritten(written); });
    }

private:
    static QString tr(const char* text) { return TrainingRunner::tr(text); }
    void snapshot(int step) {
        TrainingSnapshot shot;
        shot.step = step;
        shot.embeddings = liveEmbeddings(*trainer_, shot);
        TrainingRunner* runner = runner_;
        QMetaObject::invokeMethod(runner, [runner, shot] { Q_EMIT runner->snapshotReady(shot); });
    }

    TrainingRunner* runner_;
    int snapshots_;
    ClipTrainer* trainer_ = nullptr;
};

TrainingRunner::TrainingRunner(QObject* parent)
    : QObject(parent),
      worker_(new QObject),
      cancel_(std::make_shared<std::atomic<bool>>(false)),
      pause_(std::make_shared<std::atomic<bool>>(false)) {
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    thread_.start();
    launcher_ = new LocalRanksLauncher(this);
    connect(launcher_, &LocalRanksLauncher::stageChanged, this, &TrainingRunner::stageChanged);
    connect(launcher_, &LocalRanksLauncher::stepDone, this, &TrainingRunner::stepDone);
    connect(launcher_, &LocalRanksLauncher::epochDone, this, &TrainingRunner::epochDone);
    connect(launcher_, &LocalRanksLauncher::resultsWritten, this, &TrainingRunner::resultsWritten);
    connect(launcher_, &LocalRanksLauncher::finished, this, [this](const QString& summary) {
        running_ = false;
        Q_EMIT finished(summary);
    });
    connect(launcher_, &LocalRanksLauncher::failed, this, [this](const QString& message) {
        running_ = false;
        Q_EMIT failed(message);
    });
    connect(launcher_, &LocalRanksLauncher::stopped, this, [this] {
        running_ = false;
        Q_EMIT stopped();
    });
}

void TrainingRunner::stop() {
    cancel_->store(true);
    if (launcher_->isRunning()) launcher_->stop();
}

TrainingRunner::~TrainingRunner() {
    cancel_->store(true);
    pause_->store(false);
    thread_.quit();
    thread_.wait();
}

void TrainingRunner::start(const TrainingSettings& s) {
    if (running_) return;
    running_ = true;
    if (s.processes > 1) {
        if (!launcher_->start(s, s.processes)) running_ = false;
        return;
    }
    cancel_->store(false);
    pause_->store(false);
    auto cancel = cancel_;
    auto pause = pause_;
    QMetaObject::invokeMethod(worker_, [this, s, cancel, pause] {
        // Leave a core to the GUI thread so the window keeps painting, and
        // run below it: a nice value on this thread (Linux nices threads one
        // by one) is inherited by the threads it starts (patch extraction,
        // the OpenMP team of its torch operations), so on a busy machine the
        // scheduler serves the GUI first.
        ::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 10);
        const int cores = threadBudget();
        at::set_num_threads(std::max(1, cores - 1));
        TrainConfig c = trainConfigFor(s);
        c.patches.threads = std::max(1, cores - 1);
        auto done = [this](auto signal) { QMetaObject::invokeMethod(this, [this, signal] { running_ = false; signal(); }); };
        try {
            ClipTrainer trainer(c);
            Q_EMIT stageChanged(tr("Reading sections and extracting patches\u2026"));
            DockObserver observer(this, s.snapshots);
            TrainingJobOptions o;
            o.prepareProgress.cancel = cancel.get();
            o.cancel = cancel.get();
            o.pause = pause.get();
            o.resultsPath = s.resultsFile.toStdString();
            o.configText = trainConfigJson(c);  // `hescape train` on it repeats this run
            const EvalMetrics test = runTrainingJob(trainer, o, observer);
            QString summary = test.pairs > 0 ? tr("Test (%1 pairs): loss %2, in-batch recall@1 %3, @5 %4 (chance %5)")
                                                         .arg(test.pairs)
                                                         .arg(test.loss, 0, 'f', 3)
                                                         .arg(test.recallAt1, 0, 'f', 3)
                                                         .arg(test.recallAt5, 0, 'f', 3)
                                                         .arg(test.chanceAt5, 0, 'f', 3)
                                             : tr("Finished (no test sections).");
            if (!s.resultsFile.isEmpty()) summary += tr(" Results: %1").arg(s.resultsFile);
            done([this, summary] { Q_EMIT finished(summary); });
        } catch (const CancelledError&) {
            done([this] { Q_EMIT stopped(); });
        } catch (const std::exception& e) {
            const QString msg = QString::fromStdString(e.what());
            done([this, msg] { Q_EMIT failed(msg); });
        }
    });
}

}  // namespace hescape
