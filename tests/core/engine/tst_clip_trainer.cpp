// A short CPU training on the bundled HER2+ demo (four sections to train,
// one to validate, one to test; split by section): validation loss falls and
// in-batch recall@5 rises above chance; the same seed gives the same run;
// a section in two splits is refused; cancelling stops the run; the patch
// store is reused; early stopping follows the validation losses; a
// non-finite loss stops the run and keeps the last checkpoint; embeddings are
// unit vectors that a checkpoint reproduces; bf16 and CUDA are refused where
// this LibTorch has no GPU; whole-set retrieval on the test section beats
// chance after training and the alignment map is not constant; splits by
// donor and their refusals; the untrained baseline leaves training unchanged;
// thinned copies of the training sections reach the optimiser and nothing else.
#include "core/engine/ClipTrainer.h"
#include "core/engine/TorchRuntime.h"
#include "core/engine/TrainConfigFile.h"
#include "core/eval/RetrievalMetrics.h"

#include <torch/cuda.h>

#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include "tests/core/TestSupport.h"

#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>

#include <QCryptographicHash>
#include <QFile>

#include <numeric>
#include <cstring>

#include <cerrno>
#include <csignal>
#include <unistd.h>

using namespace hescape;

namespace {

QByteArray fileHash(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

TrainConfig twoSectionConfig();

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
    c.allowSharedDonors = true;  // C6 tests within patient C: a learning check, not the held-out-donor protocol
    return c;
}

TrainConfig twoSectionConfig() {
    TrainConfig c = demoConfig();
    c.sections.resize(2);  // B4 and C2 only, to keep it quick
    c.train = {"B4"};
    c.validation = {"C2"};
    c.test.clear();
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

        // Issue 5's check on the demo: whole-set retrieval on the test section
        // beats chance, and the alignment map is not constant.
        const PairEmbeddings test = trainer.embed("test");
        const EmbeddingView image(test.image, test.dim), gene(test.gene, test.dim);
        const RetrievalReport whole = wholeSetRetrieval(image, gene);
        qInfo("test section, whole-set recall@5 image->gene %.3f, gene->image %.3f (chance %.3f)", whole.imageToGene.recallAt5,
              whole.geneToImage.recallAt5, whole.imageToGene.chanceAt5);
        QVERIFY(whole.imageToGene.recallAt5 > 2 * whole.imageToGene.chanceAt5);
        QVERIFY(whole.geneToImage.recallAt5 > 2 * whole.geneToImage.chanceAt5);
        const auto alignment = pairCosine(image, gene);
        const auto [lo, hi] = std::minmax_element(alignment.begin(), alignment.end());
        QVERIFY2(*hi - *lo > 0.1f, qPrintable(QStringLiteral("%1..%2").arg(*lo).arg(*hi)));
    }

    void sameSeedSameRun() {
        auto firstLosses = [] {
            TrainConfig c = twoSectionConfig();
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

    // The configuration a run file keeps (trainConfigJson) reads back to the
    // same settings, key for key, and trains the same losses.
    void hestSamplesAreSectionsByTheirId() {
        QTemporaryDir dir;
        const QString path = dir.filePath("hest.json");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"hest_dir": "hest", "sections": ["TENX95", {"name": "second", "hest_id": "NCBI783"},
                    {"hest_id": "MISC1", "hest_dir": "/elsewhere"}], "train": ["TENX95"], "test": ["second"]})");
        f.close();
        const TrainConfig c = readTrainConfig(path.toStdString());
        QCOMPARE(c.sections.size(), std::size_t{3});
        const std::string hest = QDir(dir.filePath("hest")).absolutePath().toStdString();
        QCOMPARE(c.sections[0].name, std::string("TENX95"));
        QCOMPARE(c.sections[0].slide, hest + "/wsis/TENX95.tif");
        QCOMPARE(c.sections[0].dataset, hest + "/st/TENX95.h5ad");
        QCOMPARE(c.sections[1].name, std::string("second"));
        QCOMPARE(c.sections[1].dataset, hest + "/st/NCBI783.h5ad");
        QCOMPARE(c.sections[2].slide, std::string("/elsewhere/wsis/MISC1.tif"));
    }

    void hestPatchesFeedTheEngine() {
        // patch_source "hest": a HEST sample's patches/<id>.h5 instead of the WSI (joined by barcode).
        QTemporaryDir dir;
        const auto make = hescape::test::makeHestFolder(dir.path());
        QVERIFY2(make.exitCode == 0, make.err.constData());
        const QString path = dir.filePath("hest.json");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"hest_dir": "hest", "sections": ["C3"], "train": ["C3"], "patch_source": "hest", "patch_pixels": 32,
                    "highly_variable_genes": 32, "patch_store": false})");
        f.close();
        TrainConfig c = readTrainConfig(path.toStdString());
        QVERIFY(c.hestPatches);
        ClipTrainer t(c);
        t.prepare();
        // C3's 180 spots less the one the generator left without a patch (and none cut from the slide)
        // and the one with fewer than 10 counts.
        QCOMPARE(t.split("train").count, std::int64_t{178});
        QCOMPARE(t.skipped().size(), std::size_t{1});
        QVERIFY(QString::fromStdString(t.skipped()[0]).contains("no HEST patch"));
        QVERIFY(trainConfigJson(c).find("\"patch_source\": \"hest\"") != std::string::npos);
        // A section that is not a HEST sample with patches is named.
        c.sections[0].slide = HESCAPE_SOURCE_DIR "/resources/demo/her2st/C3.tiff";
        ClipTrainer wrong(c);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, wrong.prepare());
    }

    void writtenConfigTrainsTheSameRun() {
        TrainConfig c = twoSectionConfig();
        c.epochs = 1;
        c.weightDecay = 3e-4;
        c.warmupSteps = 3;
        c.gradientClip = 0.5;
        c.augmentation.cropScale = 0.8;
        c.augmentation.colorJitter = 0.1;
        c.expression.target = ExpressionOptions::Target::TenThousand;
        c.imageWidth = 8;
        c.patchStore.clear();
        const auto losses = [](const TrainConfig& config) {
            ClipTrainer t(config);
            t.prepare();
            std::vector<double> l;
            t.train([&](const TrainStep& s) { l.push_back(s.loss); });
            return l;
        };
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("config.json"));
        const std::string text = trainConfigJson(c);
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray::fromStdString(text));
        }
        const TrainConfig read = readTrainConfig(path.toStdString());
        QCOMPARE(trainConfigJson(read), text);
        QCOMPARE(read.augmentation.cropScale, 0.8);
        QVERIFY(read.expression.target == ExpressionOptions::Target::TenThousand);
        const auto a = losses(c), b = losses(read);
        QVERIFY(!a.empty());
        QCOMPARE(a, b);
        // Not augmenting, TorchScript encoders and a chosen gene list survive too.
        c.augment = false;
        c.imageScript = "/models/image.pt";
        c.imageScriptTrainable = true;
        c.expression.genes = {"ERBB2", "GRB7"};
        c.checkpoint = "/runs/x.ckpt";
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(QByteArray::fromStdString(trainConfigJson(c)));
        }
        QCOMPARE(trainConfigJson(readTrainConfig(path.toStdString())), trainConfigJson(c));
        // The honest protocol's settings: donors, splits by donor, filters, scaling, seeds, method.
        c.sections[0].donor = "patient-B";
        c.testDonors = {"patient-B"};
        c.validationDonors.clear();
        c.validation = {"C2"};
        c.allowSharedDonors = true;
        c.expression.minCounts = 25;
        c.expression.standardisePerSection = true;
        c.expression.target = ExpressionOptions::Target::SectionMedian;
        c.seeds = {3, 1, 4};
        c.method = "z-scored";
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(QByteArray::fromStdString(trainConfigJson(c)));
        }
        const TrainConfig honest = readTrainConfig(path.toStdString());
        QCOMPARE(trainConfigJson(honest), trainConfigJson(c));
        QCOMPARE(honest.sections[0].donor, std::string("patient-B"));
        QCOMPARE(honest.seeds, (std::vector<std::uint64_t>{3, 1, 4}));
        QCOMPARE(honest.expression.minCounts, 25.0);
        QVERIFY(honest.expression.standardisePerSection);
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

    // Splits by donor (the obs column 'patient' of the demo), refusals of
    // splits that are not donor-safe, duplicate names and unknown donors; the
    // count filter's note; the untrained baseline recorded without changing
    // the training that follows.
    void donorSafeSplits() {
        TrainConfig c = demoConfig();
        c.allowSharedDonors = false;
        try {
            ClipTrainer(c).prepare();
            QFAIL("a test section of a training donor was accepted");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(std::string(e.what()).find("C6 (donor C)") != std::string::npos, e.what());
        }
        c.train.clear();
        c.validation = {"C6"};
        c.test.clear();
        c.testDonors = {"B"};
        ClipTrainer byDonor(c);
        byDonor.prepare();
        QCOMPARE(byDonor.split("test").section.front(), std::string("B4"));
        QCOMPARE(byDonor.split("validation").section.front(), std::string("C6"));
        QCOMPARE(byDonor.donors().donorOf.at("C3"), std::string("C"));
        QVERIFY(byDonor.donors().donorSafe);
        const auto& notes = byDonor.notes();
        QVERIFY(std::any_of(notes.begin(), notes.end(), [](const std::string& n) { return n.rfind("B4: 2 spot(s) with fewer than 10 counts", 0) == 0; }));
        QVERIFY(byDonor.normalisationTarget() > 1000);  // patient C's median library size, one target for all
        c.testDonors = {"Z"};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ClipTrainer(c).prepare());
        c = demoConfig();
        c.sections[1].name = "B4";  // two sections named B4
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ClipTrainer(c).prepare());
        c = demoConfig();
        c.sections[0].donor = "C";  // the configuration overrides the data set's patient
        c.allowSharedDonors = false;
        c.test = {"B4"};
        c.train = {"C2", "C3", "C4"};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ClipTrainer(c).prepare());

        bool recorded = false;
        auto losses = [&](bool recordUntrained) {
            TrainConfig t = twoSectionConfig();
            t.epochs = 1;
            ClipTrainer trainer(t);
            trainer.prepare();
            if (recordUntrained) {
                const RunResults r = trainer.startResults();
                recorded = r.untrainedValidation && r.untrainedValidation->pairs > 0 && !r.embeddings.front().imageInitial.empty();
            }
            std::vector<double> l;
            trainer.train([&](const TrainStep& s) { l.push_back(s.loss); });
            return l;
        };
        QCOMPARE(losses(true), losses(false));
        QVERIFY(recorded);
    }

    // Every batch-robust option at once trains (finite losses, the stain note,
    // a validation after the epoch); a donor adversary with one training donor is refused.
    void batchRobustRunTrains() {
        TrainConfig c = twoSectionConfig();
        c.sections = demoConfig().sections;
        c.train = {"C2", "C3"};
        c.validation = {"C4"};
        c.epochs = 1;
        c.expression.standardisePerSection = true;
        c.robust.sampling = BatchSampling::Balanced;
        c.robust.stain = StainNormalisation::Reinhard;
        c.robust.adversarialWeight = 0.5;
        c.robust.adversaryTarget = AdversaryTarget::Donor;
        try {
            ClipTrainer(c).prepare();
            QFAIL("a donor adversary with one training donor was accepted");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(std::string(e.what()).find("adversary_batches") != std::string::npos, e.what());
        }
        c.robust.adversaryTarget = AdversaryTarget::Section;
        c.augmentation.hedJitter = 0.05;
        ClipTrainer trainer(c);
        trainer.prepare();
        const auto& notes = trainer.notes();
        QVERIFY(std::any_of(notes.begin(), notes.end(), [](const std::string& n) { return n.rfind("stain normalisation (Reinhard)", 0) == 0; }));
        std::vector<double> losses;
        std::optional<EvalMetrics> validation;
        trainer.train([&](const TrainStep& s) {
            losses.push_back(s.loss);
            if (s.validation) validation = s.validation;
        });
        QVERIFY(!losses.empty());
        QVERIFY(std::all_of(losses.begin(), losses.end(), [](double l) { return std::isfinite(l); }));
        QVERIFY(validation.has_value() && validation->pairs > 100);

        // Batch norm per section: embedding leaves the model's statistics as
        // they were and gives the same embeddings twice; validation runs through it.
        TrainConfig adabn = c;
        adabn.robust = {};
        adabn.augmentation.hedJitter = 0;
        adabn.robust.sectionBatchNorm = true;
        ClipTrainer perSection(adabn);
        perSection.prepare();
        perSection.train({});
        std::vector<torch::Tensor> before;
        for (const auto& b : perSection.model()->buffers()) before.push_back(b.clone());
        const PairEmbeddings once = perSection.embed("train"), twice = perSection.embed("train");
        QCOMPARE(once.image, twice.image);
        const auto after = perSection.model()->buffers();
        for (std::size_t i = 0; i < before.size(); ++i) QVERIFY(torch::equal(before[i], after[i]));
        QVERIFY(perSection.evaluate("validation").pairs > 100);
    }

    // Thinned copies: noted per copy, trained on (more steps per epoch), not a
    // second section for the adversary, and seen by nothing else --
    // the training split's pairs, expression and embeddings are those of the
    // run without them.
    void thinnedCopiesOnlyReachTheOptimiser() {
        TrainConfig c = twoSectionConfig();
        c.sections = {demoConfig().sections[1]};  // C2 alone, a small model: this runs under ASan too
        c.train = {"C2"};
        c.validation.clear();
        c.epochs = 1;
        c.embedDim = 32;
        c.imageWidth = 8;
        c.expression.standardisePerSection = true;
        c.robust.sampling = BatchSampling::WithinSection;
        ClipTrainer plain(c);
        plain.prepare();
        c.robust.thinnedCopies = {4, 16};
        c.robust.adversarialWeight = 0.5;  // copies are batches of their own, but not a second section
        try {
            ClipTrainer(c).prepare();
            QFAIL("an adversary over one training section and its copies was accepted");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(std::string(e.what()).find("two or more training sections") != std::string::npos, e.what());
        }
        c.robust.adversarialWeight = 0;
        ClipTrainer thinned(c);
        thinned.prepare();
        QCOMPARE(thinned.split("train").count, plain.split("train").count);
        QCOMPARE(thinned.split("train").expression, plain.split("train").expression);
        std::int64_t copies = 0;
        for (const char* label : {"thinned copy C2 /4: ", "thinned copy C2 /16: "}) {
            const auto& notes = thinned.notes();
            const auto it = std::find_if(notes.begin(), notes.end(), [&](const std::string& n) { return n.rfind(label, 0) == 0; });
            QVERIFY2(it != notes.end(), label);
            const std::int64_t pairs = std::stoll(it->substr(std::strlen(label)));
            QVERIFY(pairs > 100 && pairs <= plain.split("train").count);
            copies += pairs;
        }
        int total = 0;
        std::vector<double> losses;
        thinned.train([&](const TrainStep& s) {
            total = s.totalSteps;
            losses.push_back(s.loss);
        });
        QCOMPARE(total, static_cast<int>((plain.split("train").count + copies) / c.batchSize));
        QVERIFY(std::all_of(losses.begin(), losses.end(), [](double l) { return std::isfinite(l); }));
        const PairEmbeddings e = thinned.embed("train");
        QCOMPARE(static_cast<std::int64_t>(e.image.size()), thinned.split("train").count * c.embedDim);
    }

    // A checkpoint's partial file left by a killed writer is removed (and
    // noted); one whose writer is alive (this process) is left alone.
    void stalePartialCheckpointsAreRemoved() {
        QTemporaryDir dir;
        TrainConfig c = twoSectionConfig();
        c.checkpoint = dir.filePath("run.ckpt").toStdString();
        pid_t gone = 999999;
        while (::kill(gone, 0) == 0 || errno != ESRCH) --gone;  // a PID no process has
        const QString stale = dir.filePath(QStringLiteral("run.ckpt.partial-%1").arg(gone));
        const QString live = dir.filePath(QStringLiteral("run.ckpt.partial-%1").arg(::getpid()));
        for (const QString& p : {stale, live}) {
            QFile f(p);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("half a checkpoint");
        }
        ClipTrainer t(c);
        t.prepare();
        QVERIFY(!QFile::exists(stale));
        QVERIFY(QFile::exists(live));
        const auto& notes = t.notes();
        QVERIFY(std::any_of(notes.begin(), notes.end(), [&](const std::string& n) { return n.find(stale.toStdString()) != std::string::npos; }));
    }

    void patchStoreIsReused() {
        QTemporaryDir dir;
        TrainConfig c = twoSectionConfig();
        c.patchStore = dir.filePath("patches").toStdString();
        ClipTrainer first(c);
        first.prepare();
        QCOMPARE(first.patchStoreReuses(), 0);
        ClipTrainer second(c);
        second.prepare();
        QCOMPARE(second.patchStoreReuses(), 2);
        // No note about the store (re-extraction, damage): only the count filter's.
        for (const auto& n : second.notes()) QVERIFY2(n.find("min_counts") != std::string::npos, n.c_str());
        for (const char* which : {"train", "validation"}) {
            QVERIFY(first.split(which).patches == second.split(which).patches);
            QVERIFY(first.split(which).expression == second.split(which).expression);
            QCOMPARE(first.split(which).obsName, second.split(which).obsName);
        }
    }

    void earlyStoppingFollowsValidationLoss() {
        // A high learning rate makes the validation loss wander; the run must
        // stop exactly after the first epoch with no new best (patience 1).
        TrainConfig c = twoSectionConfig();
        c.epochs = 12;
        c.learningRate = 0.05;
        c.warmupSteps = 0;
        c.earlyStoppingPatience = 1;
        ClipTrainer t(c);
        t.prepare();
        std::vector<double> validation;
        bool stopped = false;
        t.train([&](const TrainStep& s) {
            QVERIFY(!stopped);  // nothing after the stop
            if (s.validation) validation.push_back(s.validation->loss);
            stopped = s.stoppedEarly;
        });
        std::size_t expected = validation.size();
        double best = std::numeric_limits<double>::infinity();
        for (std::size_t e = 0; e < validation.size(); ++e) {
            if (validation[e] >= best) {
                expected = e + 1;
                break;
            }
            best = validation[e];
        }
        qInfo("validation losses over %zu epochs, stop expected after %zu", validation.size(), expected);
        QCOMPARE(validation.size(), expected);
        QCOMPARE(stopped, expected < 12);
        QVERIFY2(stopped, "with this learning rate the validation loss rises within 12 epochs");
    }

    void nonFiniteLossKeepsLastCheckpoint() {
        QTemporaryDir dir;
        TrainConfig c = twoSectionConfig();
        c.learningRate = 1e30;  // the weights overflow after one step
        c.warmupSteps = 0;
        c.gradientClip = 1e6;
        c.checkpoint = dir.filePath("run.ckpt").toStdString();
        c.checkpointEvery = 1;
        ClipTrainer t(c);
        t.prepare();
        QByteArray lastSaved;
        int steps = 0;
        try {
            t.train([&](const TrainStep& s) {
                steps = s.step;
                lastSaved = fileHash(dir.filePath("run.ckpt"));
            });
            QFAIL("the run did not stop");
        } catch (const CancelledError&) {
            QFAIL("cancelled instead of stopped");
        } catch (const std::runtime_error& e) {
            QVERIFY2(QString(e.what()).contains("not finite") && QString(e.what()).contains("last checkpoint is kept"), e.what());
        }
        QVERIFY(steps >= 1);
        QVERIFY(!lastSaved.isEmpty());
        QCOMPARE(fileHash(dir.filePath("run.ckpt")), lastSaved);
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"run.ckpt"});
    }

    void embeddingsReproducedFromCheckpoint() {
        QTemporaryDir dir;
        TrainConfig c = twoSectionConfig();
        c.epochs = 1;
        c.checkpoint = dir.filePath("run.ckpt").toStdString();
        ClipTrainer t(c);
        t.prepare();
        t.train({});
        const PairEmbeddings e = t.embed("validation");
        const auto n = t.split("validation").count;
        QCOMPARE(static_cast<std::int64_t>(e.section.size()), n);
        QCOMPARE(e.image.size(), static_cast<std::size_t>(n * c.embedDim));
        for (std::int64_t i = 0; i < n; i += 17) {
            double a = 0, b = 0;
            for (int k = 0; k < c.embedDim; ++k) {
                a += std::pow(e.image[static_cast<std::size_t>(i * c.embedDim + k)], 2);
                b += std::pow(e.gene[static_cast<std::size_t>(i * c.embedDim + k)], 2);
            }
            QVERIFY(std::abs(a - 1) < 1e-5 && std::abs(b - 1) < 1e-5);
        }
        QCOMPARE(e.section.front(), std::string("C2"));
        // A fresh model given the checkpoint's weights embeds the same.
        TrainConfig fresh = c;
        fresh.seed = 99;
        fresh.includeUnassigned = true;
        fresh.validation.clear();
        ClipTrainer u(fresh);
        u.prepare();
        QCOMPARE(u.split("unassigned").count, n);  // C2, now in no split
        QVERIFY(u.embed("unassigned").image != e.image);
        u.loadWeights(c.checkpoint);
        const PairEmbeddings again = u.embed("unassigned");
        QCOMPARE(again.obsName, e.obsName);
        for (std::size_t i = 0; i < e.image.size(); ++i) QVERIFY(std::abs(again.image[i] - e.image[i]) < 1e-5f);
        // A checkpoint of another model (another embedding width) is refused, naming the file.
        TrainConfig wider = fresh;
        wider.embedDim = 32;
        ClipTrainer w(wider);
        w.prepare();
        try {
            w.loadWeights(c.checkpoint);
            QFAIL("no error");
        } catch (const std::runtime_error& err) {
            QVERIFY2(QString(err.what()).startsWith(QString::fromStdString(c.checkpoint) + ": made for another model:"), err.what());
        }
        // 40 KB zeroed in the middle (LibTorch alone loaded that without a word): the
        // ZIP's own CRC-32 names the damaged entry, for weights and for resuming alike.
        const std::string damaged = c.checkpoint + ".damaged";
        std::filesystem::copy_file(c.checkpoint, damaged);
        {
            std::fstream f(damaged, std::ios::in | std::ios::out | std::ios::binary);
            const auto size = static_cast<std::streamoff>(std::filesystem::file_size(damaged));
            f.seekp(size / 2 - 20000);
            const std::string zeros(40000, '\0');
            f.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
        }
        try {
            u.loadWeights(damaged);
            QFAIL("no error");
        } catch (const std::runtime_error& err) {
            QVERIFY2(QString(err.what()).startsWith(QString::fromStdString(damaged) + ": entry ") && QString(err.what()).contains("is damaged"), err.what());
        }
    }

    // X holding scaled values (negative somewhere) would train as if counts: refused, naming file, section and the first value.
    void negativeCountsAreRefused() {
        QTemporaryDir dir;
        const QString copy = dir.filePath("B4.h5ad");
        QVERIFY(QFile::copy(QStringLiteral(HESCAPE_SOURCE_DIR "/resources/demo/her2st/B4.h5ad"), copy));
        QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner);
        const auto r = hescape::test::runPython("import h5py, sys\nwith h5py.File(sys.argv[1], 'r+') as f:\n"
            "    x = f['X'][()].astype('f4'); x[3, 5] = -0.25; attrs = dict(f['X'].attrs); del f['X']\n"
            "    f.create_dataset('X', data=x).attrs.update(attrs)", {copy});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        TrainConfig c = twoSectionConfig();
        c.sections[0].dataset = copy.toStdString();
        try {
            ClipTrainer(c).prepare();
            QFAIL("no error");
        } catch (const std::invalid_argument& e) {
            const QString why = e.what();
            QVERIFY2(why.startsWith(copy + " (section B4): X holds 1 negative values (min -0.250000") && why.contains("needs raw counts"), e.what());
        }
    }

    void bf16AndCudaNeedAGpu() {
        TrainConfig c = twoSectionConfig();
        c.bf16 = true;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ClipTrainer(c).prepare());  // bf16 on the CPU
        c.useCuda = true;
        if (torch::cuda::is_available()) {
            ClipTrainer t(c);
            t.prepare();
            QCOMPARE(t.deviceName(), std::string("cuda"));
        } else {
            try {
                ClipTrainer(c).prepare();
                QFAIL("no error");
            } catch (const std::invalid_argument& e) {
                QVERIFY2(QString(e.what()).contains("no CUDA"), e.what());
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestClipTrainer)
#include "tst_clip_trainer.moc"
