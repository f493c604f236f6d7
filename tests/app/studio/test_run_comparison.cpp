// File ▸ Compare Runs: two runs' metrics side by side with their difference,
// read in the background; a broken file is named and the last comparison
// stays; the CSV export carries both runs. The Methods page groups several
// runs by method and shows mean +- sd over each method's runs.
#include "app/studio/MainWindow.h"
#include "app/studio/DocumentLoader.h"
#include "app/studio/LinkedViews.h"
#include "app/studio/SessionController.h"
#include "app/studio/SpotPresenter.h"
#include "app/studio/StudioMenus.h"
#include "app/studio/actions/CompareRunsAction.h"
#include "app/studio/actions/ExportAnnDataAction.h"
#include "app/studio/actions/ExportViewAction.h"
#include "app/studio/model/RegistrationEdit.h"
#include "app/studio/model/SessionCodec.h"
#include "app/studio/model/StudioDocument.h"
#include "app/studio/MethodComparisonPanel.h"
#include "app/studio/RunComparisonDialog.h"
#include "tests/app/studio/ToyRun.h"
#include "widgets/eval/MetricsTable.h"

#include <QFile>
#include <QOpenGLContext>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>

using namespace hescape;

class TestRunComparison : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void twoRunsSideBySide() {
        QTemporaryDir dir;
        const SpatialDataset b4 = readAnnData(HESCAPE_SOURCE_DIR "/resources/demo/her2st/B4.h5ad");
        const QString aligned = dir.filePath("aligned.h5"), random = dir.filePath("random.h5");
        writeAlignedToyRun(aligned.toStdString(), b4, "B4");
        writeAlignedToyRun(random.toStdString(), b4, "B4", 16, false);

        MainWindow w;
        RunComparisonDialog* d = w.actions().compareRuns->showDialog();
        QSignalSpy compared(d, &RunComparisonDialog::compared);
        QSignalSpy failed(d, &RunComparisonDialog::failed);
        d->compare(random, aligned);
        QVERIFY(compared.wait(30000));
        const auto& rows = d->table()->comparison();
        const auto r1 = std::find_if(rows.begin(), rows.end(), [](const MetricComparisonRow& m) {
            return m.group == "whole, image->gene" && m.metric == "recall@1";
        });
        QVERIFY(r1 != rows.end());
        QCOMPARE(r1->b, 1.0);           // aligned: every spot finds its partner first
        QVERIFY(r1->a < 0.05);          // random: about chance (1 / 264)
        const auto align = std::find_if(rows.begin(), rows.end(), [](const MetricComparisonRow& m) { return m.group == "alignment" && m.metric == "mean cosine"; });
        QVERIFY(align != rows.end());
        QVERIFY(std::abs(align->b - 1.0) < 1e-5);
        QVERIFY(std::abs(align->a) < 0.1);
        QCOMPARE(d->table()->table()->columnCount(), 6);
        QCOMPARE(d->table()->table()->horizontalHeaderItem(5)->text(), QStringLiteral("B \u2212 A"));
        QCOMPARE(d->table()->table()->rowCount(), static_cast<int>(rows.size()));

        QCOMPARE(d->table()->exportCsv(dir.filePath("cmp.csv")), QString());
        QFile csv(dir.filePath("cmp.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QCOMPARE(csv.readLine(), QByteArray("split,protocol,metric,A: random,B: aligned,B-A\n"));

        // A broken run: named, and the comparison already shown stays.
        QFile junk(dir.filePath("junk.h5"));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("not hdf5");
        junk.close();
        d->compare(aligned, junk.fileName());
        QVERIFY(failed.wait(30000));
        QVERIFY2(failed.first().at(0).toString().contains(junk.fileName()), qPrintable(failed.first().at(0).toString()));
        QCOMPARE(d->table()->comparison().size(), rows.size());
    }

    void methodsOverSeveralRuns() {
        QTemporaryDir dir;
        const SpatialDataset b4 = readAnnData(HESCAPE_SOURCE_DIR "/resources/demo/her2st/B4.h5ad");
        // Two seeds of an aligned method, one of a random one, named by "method".
        const auto write = [&](const QString& name, const std::string& method, bool aligned) {
            RunResults r;
            r.method = method;
            r.embeddings = {toyEmbeddings(b4, "B4", "test", 16, aligned)};
            writeRunResults(dir.filePath(name).toStdString(), r);
            return dir.filePath(name);
        };
        const QStringList runs = {write("a0.h5", "aligned", true), write("r0.h5", "random", false), write("a1.h5", "aligned", true)};
        MainWindow w;
        RunComparisonDialog* d = w.actions().compareRuns->showDialog();
        MethodComparisonPanel* panel = d->methods();
        QSignalSpy compared(panel, &MethodComparisonPanel::compared);
        QSignalSpy failed(panel, &MethodComparisonPanel::failed);
        panel->compare(runs);
        QTRY_VERIFY_WITH_TIMEOUT(compared.size() + failed.size() > 0, 60000);
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().at(0).toString()));
        const auto& rows = panel->rows();
        QCOMPARE(rows.size(), std::size_t{2});
        QCOMPARE(rows[0].method, std::string("aligned"));
        QCOMPARE(rows[0].runFiles.size(), std::size_t{2});
        QCOMPARE(rows[0].metrics[0].mean, 1.0);  // held-out R@5 image->gene: every partner first
        QCOMPARE(rows[0].metrics[0].sd, 0.0);
        QCOMPARE(rows[0].worstPValueImageToGene, 1.0 / 1000);
        QVERIFY(rows[1].metrics[0].mean < 0.2);
        QVERIFY(std::isnan(rows[1].metrics[0].sd));  // one run: no sd
        QCOMPARE(panel->table()->columnCount(), 2);
        QCOMPARE(panel->table()->horizontalHeaderItem(0)->text(), QStringLiteral("aligned (2)"));
        QCOMPARE(panel->table()->item(0, 0)->text(), QStringLiteral("1.000 ± 0.000"));
        QCOMPARE(panel->exportCsv(dir.filePath("methods.csv")), QString());
        QFile csv(dir.filePath("methods.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QCOMPARE(csv.readLine(), QByteArray("metric,aligned mean,aligned sd,aligned runs,random mean,random sd,random runs\n"));
        QCOMPARE(csv.readLine(), QByteArray("held-out R@5 image->gene,1,0,2,") + QByteArray::number(rows[1].metrics[0].mean, 'g', 10) + ",,1\n");
    }

    void compareMetricsPairsByName() {
        const std::vector<MetricRow> a{{"test", "p", "r@1", 0.5}, {"test", "p", "only A", 1}};
        const std::vector<MetricRow> b{{"test", "p", "only B", 2}, {"test", "p", "r@1", 0.75}};
        const auto c = compareMetrics(a, b);
        QCOMPARE(c.size(), std::size_t{3});
        QCOMPARE(c[0].metric, QStringLiteral("r@1"));
        QCOMPARE(c[0].a, 0.5);
        QCOMPARE(c[0].b, 0.75);
        QVERIFY(std::isnan(c[1].b));
        QCOMPARE(c[2].metric, QStringLiteral("only B"));
        QVERIFY(std::isnan(c[2].a));
    }
};

QTEST_MAIN(TestRunComparison)
#include "test_run_comparison.moc"
