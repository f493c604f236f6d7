// The embedding explorer in the main window (under xvfb): a run's layout
// appears, a programmatic lasso in the embedding selects exactly the spots
// it encloses on the slide, a selection on the slide selects the same rows
// in the embedding (both points and a link per spot in the joint view), a
// double-click centres the slide on the spot, and the batch-effects panel
// follows the batch key.
#include "app/studio/BatchEffectsPanel.h"
#include "app/studio/EmbeddingExplorer.h"
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
#include "app/studio/SecondSectionView.h"
#include "core/eval/SimilarityMaps.h"
#include "core/spatial/ExpressionValues.h"
#include "widgets/eval/SimilarityMapPanel.h"
#include "widgets/spatial/SpotColoringPanel.h"
#include "tests/app/studio/ToyRun.h"
#include "tests/widgets/SvgTestReader.h"
#include "widgets/embedding/EmbeddingScatterView.h"
#include "widgets/slideview/SlideView.h"

#include <QDockWidget>
#include <QOpenGLContext>
#include <QSignalSpy>
#include <QStatusBar>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <set>

using namespace hescape;

namespace {
const QString kDemoDir = QStringLiteral(HESCAPE_SOURCE_DIR "/resources/demo/her2st/");

// The main window on a slide with its data set (the demo's B4 unless said)
// and the Embeddings dock in front.
bool openWithEmbeddingsDock(MainWindow& w, const QString& slide = kDemoDir + "B4.tiff") {
    w.resize(1400, 900);
    w.show();
    if (!QTest::qWaitForWindowExposed(&w)) return false;
    QSignalSpy dataset(&w, &MainWindow::datasetLoaded);
    w.openFile(slide);
    if (!dataset.wait(20000)) return false;
    auto* dock = qobject_cast<QDockWidget*>(w.embeddingExplorer()->parentWidget());
    dock->show();
    dock->raise();
    return true;
}

}

class TestEmbeddingExplorer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        QOpenGLContext probe;
        if (!probe.create()) QSKIP("no OpenGL context on this platform (run under xvfb-run)");
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
    }

    void linkedSelectionBothWays() {
        QTemporaryDir dir;
        const SpatialDataset b4 = readAnnData((kDemoDir + "B4.h5ad").toStdString());
        const SpatialDataset c3 = readAnnData((kDemoDir + "C3.h5ad").toStdString());
        const QString runPath = dir.filePath("run.h5");
        writeEmbeddings(runPath.toStdString(), {}, "none", {toyEmbeddings(c3, "C3", "train", 16, true, 7), toyEmbeddings(b4, "B4", "test")});

        MainWindow w;
        QVERIFY(openWithEmbeddingsDock(w));
        EmbeddingExplorer* ex = w.embeddingExplorer();
        QSignalSpy laidOut(ex, &EmbeddingExplorer::layoutReady);
        QSignalSpy batch(ex->batchPanel(), &BatchEffectsPanel::ready);
        w.openRunFile(runPath);
        QVERIFY2(laidOut.wait(60000), qPrintable(ex->message()));
        qobject_cast<QDockWidget*>(ex->parentWidget())->raise();
        QVERIFY(QTest::qWaitForWindowExposed(ex->scatter()));
        QTest::qWait(200);
        const auto n = static_cast<std::int64_t>(c3.obsNames.size() + b4.obsNames.size());
        EmbeddingScatterView* sc = ex->scatter();
        QCOMPARE(sc->pointCount(), n);
        QVERIFY2(ex->message().startsWith("UMAP of"), qPrintable(ex->message()));
        // The run's rows by split, as the file lists them ("test" = B4 before "train" = C3).
        QCOMPARE(sc->categoryNames(), (QStringList{"B4", "C3"}));
        // Hover is the document's: another view's hovered row is ringed here, and this view's hover reaches the document.
        w.document()->setHoveredRow(3);
        QCOMPARE(sc->hoveredPoint(), std::int64_t{3});
        w.document()->setHoveredRow(-1);
        QCOMPARE(sc->hoveredPoint(), std::int64_t{-1});
        const auto hoverAt = sc->projectedPosition(5);
        QVERIFY(hoverAt.has_value());
        QTest::mouseMove(sc, hoverAt->toPoint());
        QTRY_VERIFY(w.document()->hoveredRow() >= 0);
        QCOMPARE(w.document()->hoveredRow(), sc->hoveredPoint());
        const RunEmbeddings& run = *ex->run();
        const auto b4Obs = [&](std::int64_t row) -> std::int64_t {  // the B4 observation of a run row, or -1
            if (run.section[static_cast<std::size_t>(row)] != "B4") return -1;
            const auto it = std::find(b4.obsNames.begin(), b4.obsNames.end(), run.obsName[static_cast<std::size_t>(row)]);
            return it - b4.obsNames.begin();
        };
        const auto rowOfB4 = [&](std::int64_t obs) {
            for (std::int64_t r = 0; r < n; ++r)
                if (b4Obs(r) == obs) return r;
            return std::int64_t{-1};
        };

        // Lasso the middle of the cloud: exactly the enclosed B4 points become selected spots on the slide.
        const QRectF r = sc->rect();
        const QPolygonF lasso({r.center() + QPointF(-0.3 * r.width(), -0.3 * r.height()), r.center() + QPointF(0.3 * r.width(), -0.25 * r.height()),
                               r.center() + QPointF(0.25 * r.width(), 0.3 * r.height()), r.center() + QPointF(-0.3 * r.width(), 0.2 * r.height())});
        std::set<std::int64_t> expectedObs;
        std::int64_t enclosed = 0;
        for (std::int64_t p = 0; p < n; ++p) {
            const auto at = sc->projectedPosition(p);
            if (!at || !lasso.containsPoint(*at, Qt::OddEvenFill)) continue;
            ++enclosed;
            if (b4Obs(p) >= 0) expectedObs.insert(b4Obs(p));
        }
        QVERIFY2(enclosed > 20 && !expectedObs.empty(), qPrintable(QString::number(enclosed)));
        QSignalSpy rows(ex, &EmbeddingExplorer::rowsSelected);
        sc->selectInPolygon(lasso);
        QCOMPARE(rows.count(), 1);
        QCOMPARE(static_cast<std::int64_t>(ex->selectedRows().size()), enclosed);
        const auto& onSlide = w.slideView()->selectedSpots();
        QCOMPARE(std::set<std::int64_t>(onSlide.begin(), onSlide.end()), expectedObs);

        // A second tissue (C3) beside the main one: the same lasso's C3 rows are selected on it,
        // and spots selected on it select their rows in the embedding (none of them are on B4).
        SecondSectionView* second = w.secondSection();
        QSignalSpy opened(second, &SecondSectionView::sectionOpened);
        second->openSection("C3");
        QVERIFY(opened.wait(20000));
        const auto c3Obs = [&](std::int64_t row) -> std::int64_t {
            if (run.section[static_cast<std::size_t>(row)] != "C3") return -1;
            return std::find(c3.obsNames.begin(), c3.obsNames.end(), run.obsName[static_cast<std::size_t>(row)]) - c3.obsNames.begin();
        };
        sc->selectInPolygon(lasso);
        std::set<std::int64_t> expectedC3;
        for (const auto r : ex->selectedRows())
            if (c3Obs(r) >= 0) expectedC3.insert(c3Obs(r));
        QVERIFY(!expectedC3.empty());
        const auto& onSecond = second->slideView()->selectedSpots();
        QCOMPARE(std::set<std::int64_t>(onSecond.begin(), onSecond.end()), expectedC3);
        second->slideView()->setSelectedSpots({0, 1});
        std::vector<std::int64_t> c3Rows;
        for (std::int64_t r = 0; r < n; ++r)
            if (c3Obs(r) == 0 || c3Obs(r) == 1) c3Rows.push_back(r);
        QCOMPARE(ex->selectedRows(), c3Rows);
        QVERIFY(w.slideView()->selectedSpots().empty());
        QVERIFY(second->slideView()->spotLegend().title.startsWith("alignment"));

        // Back: spots selected on the slide select their rows in the embedding.
        w.slideView()->setSelectedSpots({3, 10, 42});
        std::vector<std::int64_t> expectedRows{rowOfB4(3), rowOfB4(10), rowOfB4(42)};
        std::sort(expectedRows.begin(), expectedRows.end());
        QCOMPARE(ex->selectedRows(), expectedRows);
        QCOMPARE(sc->selection(), expectedRows);

        // Joint view by PCA: 2n points; a spot selected on the slide lights both of its points, joined by a line.
        laidOut.clear();
        ex->setSettings({EmbeddingLayoutMethod::Pca, EmbeddingPoints::Joint, 2, 42});
        QVERIFY(laidOut.wait(30000));
        QCOMPARE(sc->pointCount(), 2 * n);
        QVERIFY2(ex->message().startsWith("PCA of"), qPrintable(ex->message()));
        w.slideView()->setSelectedSpots({5});
        QCOMPARE(sc->selection(), (std::vector<std::int64_t>{rowOfB4(5), n + rowOfB4(5)}));
        QCOMPARE(sc->linkCount(), std::size_t{1});
        ex->setColourBy("modality");
        QCOMPARE(sc->categoryNames(), (QStringList{"image", "gene"}));
        ex->setColourBy("donor");
        QCOMPARE(sc->categoryNames(), (QStringList{"B", "C"}));

        // Side by side: image and gene layouts in two views; a lasso in the gene view selects the
        // same rows in the image view and the spots on the slide.
        laidOut.clear();
        ex->setSettings({EmbeddingLayoutMethod::Pca, EmbeddingPoints::SideBySide, 2, 42});
        QVERIFY(laidOut.wait(30000));
        EmbeddingScatterView* genes = ex->geneScatter();
        QTRY_VERIFY(genes->isVisible() && genes->width() > 100);
        QTest::qWait(200);
        QCOMPARE(sc->pointCount(), n);
        QCOMPARE(genes->pointCount(), n);
        const QRectF g = genes->rect();
        const QPolygonF box({g.center() + QPointF(-0.25 * g.width(), -0.25 * g.height()), g.center() + QPointF(0.25 * g.width(), -0.25 * g.height()),
                             g.center() + QPointF(0.25 * g.width(), 0.25 * g.height()), g.center() + QPointF(-0.25 * g.width(), 0.25 * g.height())});
        std::vector<std::int64_t> inGene;
        std::set<std::int64_t> inGeneObs;
        for (std::int64_t p = 0; p < n; ++p) {
            const auto at = genes->projectedPosition(p);
            if (!at || !box.containsPoint(*at, Qt::OddEvenFill)) continue;
            inGene.push_back(p);
            if (b4Obs(p) >= 0) inGeneObs.insert(b4Obs(p));
        }
        QVERIFY(inGene.size() > 10);
        genes->selectInPolygon(box);
        QCOMPARE(sc->selection(), inGene);
        QCOMPARE(ex->selectedRows(), inGene);
        const auto& fromGenes = w.slideView()->selectedSpots();
        QCOMPARE(std::set<std::int64_t>(fromGenes.begin(), fromGenes.end()), inGeneObs);
        QCOMPARE(ex->exportPng(dir.filePath("both.png")), QString());
        const QImage both(dir.filePath("both.png"));
        QCOMPARE(both.width(), (sc->width() + genes->width()) * sc->devicePixelRatio());
        // As SVG: both views, every point a circle, the gene view to the right.
        QCOMPARE(ex->exportSvg(dir.filePath("both.svg")), QString());
        QFile svgFile(dir.filePath("both.svg"));
        QVERIFY(svgFile.open(QIODevice::ReadOnly));
        QString svgError;
        const auto svg = hescape::test::parseSvg(svgFile.readAll(), &svgError);
        QVERIFY2(svgError.isEmpty(), qPrintable(svgError));
        QCOMPARE(svg.front().num("width"), static_cast<double>(sc->width() + genes->width()));
        QCOMPARE(static_cast<std::int64_t>(hescape::test::all(svg, "circle", "image-embedding-points").size()), n);
        QCOMPARE(static_cast<std::int64_t>(hescape::test::all(svg, "circle", "gene-embedding-points").size()), n);
        QVERIFY(ex->exportSvg("/nonexistent-dir/e.svg").contains("/nonexistent-dir/e.svg"));

        // Back to one view.
        laidOut.clear();
        ex->setSettings({EmbeddingLayoutMethod::Pca, EmbeddingPoints::Image, 2, 42});
        QVERIFY(laidOut.wait(30000));
        QVERIFY(!genes->isVisible());

        // Double-click: the slide centres on a B4 spot; a C3 spot is named but not on this slide.
        const QPointF spot(w.slideView()->spots().positions()[2 * 7], w.slideView()->spots().positions()[2 * 7 + 1]);
        QVERIFY(w.linkedViews()->centreOnRow(rowOfB4(7)));
        QVERIFY(std::abs(w.slideView()->center().x() - spot.x()) < 1.0 && std::abs(w.slideView()->center().y() - spot.y()) < 1.0);
        QVERIFY(!w.linkedViews()->centreOnRow(n - 1));  // the last row is C3's

        // Batch effects: by section (C3, B4), then by donor (C, B).
        QTRY_VERIFY_WITH_TIMEOUT(ex->batchPanel()->table()->rowCount() == 2, 30000);
        QVERIFY2(ex->batchPanel()->summary().contains("batch ASW"), qPrintable(ex->batchPanel()->summary()));
        batch.clear();
        ex->batchPanel()->setBatchKey("donor");
        QVERIFY(batch.wait(30000));
        QStringList names;
        for (int i = 0; i < 2; ++i) names << ex->batchPanel()->table()->item(i, 0)->text();
        names.sort();
        QCOMPARE(names, (QStringList{"B", "C"}));
        QVERIFY(ex->batchPanel()->summary().startsWith("2 donors"));
        // PNG export of the view: its size, with the legend's white frame in it.
        QCOMPARE(ex->exportPng(dir.filePath("embedding.png")), QString());
        const QImage png(dir.filePath("embedding.png"));
        QCOMPARE(png.size(), sc->size() * sc->devicePixelRatio());
        const QRect legend = sc->legendRect().toRect();
        QVERIFY(!legend.isEmpty());
        QCOMPARE(png.pixelColor(legend.center().x(), legend.top() + 2).lightness() > 240, true);
        QVERIFY(ex->exportPng("/nonexistent-dir/e.png").contains("/nonexistent-dir/e.png"));
        if (qEnvironmentVariableIsSet("HESCAPE_SCREENSHOT_DIR"))
            w.grab().save(qEnvironmentVariable("HESCAPE_SCREENSHOT_DIR") + "/embedding-explorer.png");
    }

    void slideColouringCoversEverySection() {
        // A run with rows of B4 (open), C3 (its data set beside it) and Z9 (no data set).
        QTemporaryDir dir;
        const SpatialDataset b4 = readAnnData((kDemoDir + "B4.h5ad").toStdString());
        const SpatialDataset c3 = readAnnData((kDemoDir + "C3.h5ad").toStdString());
        const QString runPath = dir.filePath("run.h5");
        writeEmbeddings(runPath.toStdString(), {}, "none",
                        {toyEmbeddings(b4, "B4", "test"), toyEmbeddings(c3, "C3", "train", 16, true, 7),
                         toyEmbeddings(c3, "Z9", "validation", 16, true, 9)});
        MainWindow w;
        QVERIFY(openWithEmbeddingsDock(w));
        EmbeddingExplorer* ex = w.embeddingExplorer();
        // Other sections' data sets are read only once the Embeddings dock is shown.
        auto* dock = qobject_cast<QDockWidget*>(ex->parentWidget());
        dock->close();
        QSignalSpy runLoaded(&w, &MainWindow::runLoaded);
        w.openRunFile(runPath);
        QVERIFY(runLoaded.wait(20000));
        w.similarityPanel()->setMode(SimilarityMapMode::Off);
        const RunEmbeddings& run = *ex->run();
        auto rowsOf = [&](const std::string& section, const SpatialDataset& ds) {  // run row of each observation
            return matchObservations(run, section, ds.obsNames);
        };

        // A gene: every section's rows get that section's own values.
        QSignalSpy others(&w, &MainWindow::otherSectionsColoured);
        w.coloringPanel()->setGenes({"ERBB2"});
        QTest::qWait(300);
        QCOMPARE(others.count(), 0);
        QCOMPARE(w.spotPresenter()->otherSectionReads(), std::size_t{0});
        dock->show();
        dock->raise();
        QVERIFY(others.wait(20000));
        QCOMPARE(others.last().at(0).toLongLong(), static_cast<qint64>(c3.obsNames.size()));
        QCOMPARE(w.spotPresenter()->otherSectionReads(), std::size_t{1});  // C3 (Z9 has no file)
        const Normalisation norm = w.coloringPanel()->coloring().normalisation;
        const auto& coloured = ex->slideColouring().values;
        QCOMPARE(static_cast<std::int64_t>(coloured.size()), run.rows());
        for (const auto& [name, ds] : {std::pair<std::string, const SpatialDataset*>{"B4", &b4}, {"C3", &c3}}) {
            const auto expected = geneValues(*ds, *ds->geneIndex("ERBB2"), norm, ds->expression.rowSums());
            const auto rows = rowsOf(name, *ds);
            for (std::size_t obs = 0; obs < rows.size(); ++obs) {
                QVERIFY(rows[obs] >= 0);
                QCOMPARE(coloured[static_cast<std::size_t>(rows[obs])], expected[obs]);
            }
        }
        for (std::int64_t r = 0; r < run.rows(); ++r)
            if (run.section[static_cast<std::size_t>(r)] == "Z9") QVERIFY(std::isnan(coloured[static_cast<std::size_t>(r)]));
        QVERIFY2(w.statusBar()->currentMessage().contains("Z9: no Z9.h5ad"), qPrintable(w.statusBar()->currentMessage()));
        if (qEnvironmentVariableIsSet("HESCAPE_SCREENSHOT_DIR")) {
            QTRY_VERIFY_WITH_TIMEOUT(!ex->layout().empty(), 60000);
            ex->setColourBy("slide");
            QCOMPARE(ex->exportPng(qEnvironmentVariable("HESCAPE_SCREENSHOT_DIR") + "/embedding-erbb2-all-sections.png"), QString());
            QCOMPARE(ex->exportSvg(qEnvironmentVariable("HESCAPE_SCREENSHOT_DIR") + "/embedding-erbb2-all-sections.svg"), QString());
        }

        // A category: C3's own category ("C") is added after the open section's ("B").
        others.clear();
        w.coloringPanel()->setAnnotation("patient");
        QVERIFY(others.wait(20000));
        QCOMPARE(ex->slideColouring().categories, (QStringList{"B", "C"}));
        for (const auto& [name, code] : {std::pair<std::string, float>{"B4", 0.0f}, {"C3", 1.0f}}) {
            for (std::int64_t r = 0; r < run.rows(); ++r)
                if (run.section[static_cast<std::size_t>(r)] == name) QCOMPARE(ex->slideColouring().values[static_cast<std::size_t>(r)], code);
        }
        QTRY_VERIFY_WITH_TIMEOUT(!ex->layout().empty(), 60000);
        ex->setColourBy("slide");
        QCOMPARE(ex->scatter()->categoryNames(), (QStringList{"B", "C"}));

        // A gene that C3 lacks: C3's rows stay empty and the status bar says why.
        const auto onlyB4 = std::find_if(b4.geneNames.begin(), b4.geneNames.end(), [&](const std::string& g) { return !c3.geneIndex(g); });
        QVERIFY(onlyB4 != b4.geneNames.end());
        others.clear();
        w.coloringPanel()->setGenes({QString::fromStdString(*onlyB4)});
        QVERIFY(others.wait(20000));
        QCOMPARE(others.last().at(0).toLongLong(), qint64{0});
        QVERIFY2(w.statusBar()->currentMessage().contains("C3: gene " + QString::fromStdString(*onlyB4) + " is not in"),
                 qPrintable(w.statusBar()->currentMessage()));
    }

    void brokenOtherSectionIsNamedNotFatal() {
        // B4 beside a truncated C3.h5ad: C3's rows stay grey, the status bar names the file, B4 stays.
        QTemporaryDir dir;
        for (const char* f : {"B4.tiff", "B4.h5ad"}) QVERIFY(QFile::copy(kDemoDir + f, dir.filePath(f)));
        QFile whole(kDemoDir + "C3.h5ad");
        QVERIFY(whole.open(QIODevice::ReadOnly));
        QFile cut(dir.filePath("C3.h5ad"));
        QVERIFY(cut.open(QIODevice::WriteOnly));
        cut.write(whole.read(whole.size() / 3));
        cut.close();
        const SpatialDataset b4 = readAnnData((kDemoDir + "B4.h5ad").toStdString());
        const SpatialDataset c3 = readAnnData((kDemoDir + "C3.h5ad").toStdString());
        const QString runPath = dir.filePath("run.h5");
        writeEmbeddings(runPath.toStdString(), {}, "none", {toyEmbeddings(b4, "B4", "test"), toyEmbeddings(c3, "C3", "train", 16, true, 7)});
        MainWindow w;
        QVERIFY(openWithEmbeddingsDock(w, dir.filePath("B4.tiff")));
        QSignalSpy runLoaded(&w, &MainWindow::runLoaded);
        w.openRunFile(runPath);
        QVERIFY(runLoaded.wait(20000));
        w.similarityPanel()->setMode(SimilarityMapMode::Off);
        QSignalSpy others(&w, &MainWindow::otherSectionsColoured);
        w.coloringPanel()->setGenes({"ERBB2"});
        QVERIFY(others.wait(20000));
        QCOMPARE(others.last().at(0).toLongLong(), qint64{0});
        const QString message = w.statusBar()->currentMessage();
        QVERIFY2(message.contains("C3: ") && message.contains(dir.filePath("C3.h5ad")), qPrintable(message));
        QCOMPARE(w.slideView()->spots().count(), b4.obsNames.size());
        const RunEmbeddings& run = *w.embeddingExplorer()->run();
        for (std::int64_t r = 0; r < run.rows(); ++r) {
            const float v = w.embeddingExplorer()->slideColouring().values[static_cast<std::size_t>(r)];
            QCOMPARE(std::isnan(v), run.section[static_cast<std::size_t>(r)] == "C3");
        }
    }

    void batchCodesByDonor() {
        RunEmbeddings run;
        run.section = {"A1", "A2", "B1", "C12", "A1"};
        QStringList names;
        QCOMPARE(batchCodes(run, "donor", names), (std::vector<int>{0, 0, 1, 2, 0}));
        QCOMPARE(names, (QStringList{"A", "B", "C"}));
        QCOMPARE(batchCodes(run, "section", names), (std::vector<int>{0, 1, 2, 3, 0}));
        QCOMPARE(names, (QStringList{"A1", "A2", "B1", "C12"}));
    }
};

QTEST_MAIN(TestEmbeddingExplorer)
#include "test_embedding_explorer.moc"
