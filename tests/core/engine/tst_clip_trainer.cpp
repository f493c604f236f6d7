// A short CPU training on the bundled HER2+ demo (four sections to train,
// one to validate, one to test; split by section): validation loss falls and
// in-batch recall@5 rises above chance; the same seed gives the same run;
// a section in two splits is refused; cancelling stops the run.
#include "core/engine/ClipTrainer.h"
#include "core/engine/TorchRuntime.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <numeric>

using namespace hescape;

namespace {

TrainConfig demoConfig() {
    TrainConfig c;
    for (const char* s : {"B4", "C2", "C3", "C4", "C5", "C6"}) {
        const std::string base = std::string(HESCAPE_SOURCE_DIR "/resources/demo/her2st/") + s;
        c.sections.push_back({s, base + ".tiff", base + ".h5ad"});
    }
    c.train = {"B4", "C2", "C3", "C4"};
    c.validation = {"C5"};
    c.test = {"C6"};
    c.patches.outputPixels = 48;
    c.expression.highlyVariable = 128;
    c.embedDim = 64;
    c.imageWidth = 16;
    c.geneHidden = 128;
    c.batchSize = 32;
    c.epochs = 6;
    c.learningRate = 2e-3;
    c.seed = 11;
    return c;
}

}  // namespace

class TestClipTrainer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { configureTorchThreads(); }

    void demoTrainingLearns() {
        ClipTrainer trainer(demoConfig());
        trainer.prepare();
        QCOMPARE(trainer.genes().size(), std::size_t{128});
        const auto& train = trainer.split("train");
        QVERIFY2(train.count > 800, qPrintable(QString::number(train.count)));  // B4 + C2..C4: 834 spots, a few skipped
        QVERIFY(trainer.split("validation").count > 150);
        const EvalMetrics before = trainer.evaluate("validation");
        std::vector<double> losses;
        std::optional<EvalMetrics> after;
        trainer.train([&](const TrainStep& s) {
            losses.push_back(s.loss);
            QVERIFY(s.learningRate > 0);
            if (s.validation) after = s.validation;
        });
        QVERIFY(after.has_value());
        qInfo("validation loss %.3f -> %.3f, in-batch recall@5 %.3f -> %.3f (chance %.3f), %zu steps", before.loss,
              after->loss, before.recallAt5, after->recallAt5, after->chanceAt5, losses.size());
        QVERIFY(after->loss < before.loss);
        QVERIFY(after->recallAt5 > after->chanceAt5 * 1.5);
        // Training loss: the last epoch's mean is below the first's.
        const std::size_t perEpoch = losses.size() / 6;
        const double first = std::accumulate(losses.begin(), losses.begin() + perEpoch, 0.0) / perEpoch;
        const double last = std::accumulate(losses.end() - perEpoch, losses.end(), 0.0) / perEpoch;
        QVERIFY(last < first);
    }

    void sameSeedSameRun() {
        auto firstLosses = [] {
            TrainConfig c = demoConfig();
            c.sections.resize(2);  // B4 and C2 only, to keep it quick
            c.train = {"B4"};
            c.validation = {"C2"};
            c.test.clear();
            c.epochs = 1;
            ClipTrainer t(c);
            t.prepare();
            std::vector<double> l;
            t.train([&](const TrainStep& s) { l.push_back(s.loss); });
            return l;
        };
        const auto a = firstLosses(), b = firstLosses();
        QVERIFY(!a.empty());
        QCOMPARE(a, b);
    }

    void resumeContinuesExactly() {
        QTemporaryDir dir;
        auto config = [&] {
            TrainConfig c = demoConfig();
            c.sections.resize(2);
            c.train = {"B4"};
            c.validation = {"C2"};
            c.test.clear();
            c.epochs = 2;
            c.checkpoint = dir.filePath("run.ckpt").toStdString();
            c.checkpointEvery = 5;
            return c;
        };
        std::vector<double> uninterrupted;
        {
            ClipTrainer t(config());
            t.prepare();
            t.train([&](const TrainStep& s) { uninterrupted.push_back(s.loss); });
        }
        QCOMPARE(uninterrupted.size(), std::size_t{16});
        // Interrupted at step 7: the checkpoint on disk is the one from step 5.
        {
            ClipTrainer t(config());
            t.prepare();
            std::atomic<bool> cancel{false};
            QVERIFY_THROWS_EXCEPTION(CancelledError, t.train([&](const TrainStep& s) {
                if (s.step == 7) cancel = true;
            }, &cancel));
        }
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"run.ckpt"});  // no partial file left
        std::vector<double> resumed;
        int firstStep = 0;
        {
            ClipTrainer t(config());
            t.prepare();
            t.train([&](const TrainStep& s) {
                if (!firstStep) firstStep = s.step;
                resumed.push_back(s.loss);
            }, nullptr, dir.filePath("run.ckpt").toStdString());
        }
        QCOMPARE(firstStep, 6);
        QCOMPARE(resumed, std::vector<double>(uninterrupted.begin() + 5, uninterrupted.end()));
        // A file that is not a checkpoint is refused, naming it.
        QFile junk(dir.filePath("junk.ckpt"));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("not a checkpoint");
        junk.close();
        ClipTrainer t(config());
        t.prepare();
        try {
            t.train({}, nullptr, junk.fileName().toStdString());
            QFAIL("no error");
        } catch (const std::runtime_error& e) {
            QVERIFY2(QString(e.what()).startsWith(junk.fileName()), e.what());
        }
    }

    void badSplitsAndCancel() {
        TrainConfig c = demoConfig();
        c.validation = {"B4"};  // also in train
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ClipTrainer(c).prepare());
        c = demoConfig();
        c.test = {"Z9"};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ClipTrainer(c).prepare());
        c = demoConfig();
        c.sections.resize(2);
        c.train = {"B4"};
        c.validation = {"C2"};
        c.test.clear();
        ClipTrainer t(c);
        t.prepare();
        std::atomic<bool> cancel{false};
        int steps = 0;
        QVERIFY_THROWS_EXCEPTION(CancelledError, t.train([&](const TrainStep&) {
            if (++steps == 2) cancel = true;
        }, &cancel));
        QCOMPARE(steps, 2);
    }
};

QTEST_GUILESS_MAIN(TestClipTrainer)
#include "tst_clip_trainer.moc"
