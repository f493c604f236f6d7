// A run from the Training dock can be repeated from its results file: the
// TrainingRunner trains two demo sections for one epoch and writes its
// results; the configuration stored in them (core's format) is handed to
// `hescape train`, which must take the same steps with the same losses.
// The dock's run leaves a core to the GUI, so the command line is given the
// same torch thread count (HESCAPE_TORCH_THREADS): float sums depend on it.
// The run thins copies of its training section, so their seeding repeats too;
// the Batch robustness form hands its thinned copies on as chosen.
#include "app/studio/BatchRobustnessForm.h"
#include "app/studio/TrainingRunner.h"
#include "core/io/Hdf5File.h"
#include "tests/core/TestSupport.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <thread>

using namespace hescape;

class TestTrainingReproduce : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void dockRunRepeatsFromItsResults() {
        QTemporaryDir dir;
        TrainingSettings s;
        for (const char* name : {"B4", "C2"}) {
            const QString base = QStringLiteral(HESCAPE_SOURCE_DIR "/resources/demo/her2st/") + name;
            s.sections.push_back({name, base + ".tiff", base + ".h5ad", name == QStringLiteral("B4") ? "train" : "validation"});
        }
        s.epochs = 1;
        s.snapshots = 0;
        s.robustness.options.thinnedCopies = {8};
        s.resultsFile = dir.filePath(QStringLiteral("dock.h5"));
        TrainingRunner runner;
        std::vector<double> dockLosses;
        connect(&runner, &TrainingRunner::stepDone, this, [&](int, int, double loss, double, double) { dockLosses.push_back(loss); });
        QSignalSpy finished(&runner, &TrainingRunner::finished);
        QSignalSpy failed(&runner, &TrainingRunner::failed);
        runner.start(s);
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() + failed.count() > 0, 240000);
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
        QVERIFY(!dockLosses.empty());

        const Hdf5File results(s.resultsFile.toStdString());
        const auto config = results.attributeString("/", "config");
        QVERIFY(config && config->find("\"sections\"") != std::string::npos);
        QVERIFY2(config->find("\"thinned_copies\": [8]") != std::string::npos, config->c_str());
        const auto notes = results.readStrings("/notes");
        QVERIFY(std::any_of(notes.begin(), notes.end(), [](const std::string& n) { return n.rfind("thinned copy B4 /8: ", 0) == 0; }));
        const QString configPath = dir.filePath(QStringLiteral("from-dock.json"));
        {
            QFile f(configPath);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray::fromStdString(*config));
        }
        const int dockThreads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) - 1);
        qputenv("HESCAPE_TORCH_THREADS", QByteArray::number(dockThreads));
        const auto r = hescape::test::runProcess(QStringLiteral(HESCAPE_CLI), {QStringLiteral("train"), configPath, QStringLiteral("--json")}, 240000);
        QVERIFY2(r.finished && r.exitCode == 0, r.err.constData());
        std::vector<double> cliLosses;
        for (const QByteArray& line : r.out.split('\n')) {
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            if (o.contains(QStringLiteral("step"))) cliLosses.push_back(o.value(QStringLiteral("loss")).toDouble());
        }
        QCOMPARE(cliLosses.size(), dockLosses.size());
        for (std::size_t i = 0; i < cliLosses.size(); ++i)
            QVERIFY2(cliLosses[i] == dockLosses[i],
                     qPrintable(QStringLiteral("step %1: %2 vs %3").arg(i + 1).arg(cliLosses[i], 0, 'g', 17).arg(dockLosses[i], 0, 'g', 17)));
    }

    void robustnessFormCarriesThinnedCopies() {
        BatchRobustnessForm form;
        QVERIFY(form.robustness().options.thinnedCopies.empty());  // off by default
        for (const std::vector<int>& divisors : {std::vector<int>{2, 4, 8, 16}, std::vector<int>{3, 9}, std::vector<int>{}}) {
            TrainingRobustness r;
            r.options.thinnedCopies = divisors;
            form.setRobustness(r);
            QCOMPARE(form.robustness().options.thinnedCopies, divisors);
        }
        TrainingRobustness other;
        other.options.thinnedCopies = {5};
        form.setRobustness(other);  // replaces the earlier list of its own ({3, 9}) instead of adding to it
        QCOMPARE(form.robustness().options.thinnedCopies, std::vector<int>{5});
        QCOMPARE(form.findChild<QComboBox*>(QStringLiteral("thinnedCopies"))->count(), 4);
    }
};

QTEST_MAIN(TestTrainingReproduce)
#include "test_training_reproduce.moc"
