// View > All Sections in the main window (under xvfb), on the demo's six
// sections and a toy run over two of them (C3 aligned, B4 unrelated): every
// section is read and drawn at one scale; the alignment colouring is
// alignmentMap of each section's rows, the gene colouring each section's own
// values (read here independently), both on one pooled colour range; a
// selection in the grid becomes the document's run rows (and so the slide's
// and the embedding's) and a selection elsewhere shows in the grid; hover
// reaches the document; a double-click makes a query whose similarities are
// checked against numpy-free dot products here; the figure is exported and
// its pixels read back. Writes a screenshot for a person to look at when
// HESCAPE_SCREENSHOT_DIR is set.
#include "app/studio/MainWindow.h"
#include "app/studio/SectionGridWindow.h"
#include "app/studio/StudioMenus.h"
#include "app/studio/actions/SectionGridAction.h"
#include "app/studio/model/StudioDocument.h"
#include "core/eval/SimilarityMaps.h"
#include "core/spatial/AnnDataReader.h"
#include "core/spatial/ExpressionValues.h"
#include "core/spatial/SectionGrid.h"
#include "tests/app/studio/ToyRun.h"
#include "widgets/spatial/SectionGridView.h"

#include <QAction>
#include <QOpenGLContext>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>

using namespace hescape;

namespace {
const QString kDemoDir = QStringLiteral(HESCAPE_SOURCE_DIR "/resources/demo/her2st/");
const QStringList kSections{"B4", "C2", "C3", "C4", "C5", "C6"};

bool sameValues(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::isnan(a[i]) != std::isnan(b[i]) || (!std::isnan(a[i]) && std::abs(a[i] - b[i]) > 1e-5f)) return false;
    return true;
}
}  // namespace

class TestSectionGrid : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        QOpenGLContext probe;
        if (!probe.create()) QSKIP("no OpenGL context on this platform (run under xvfb-run)");
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
    }

    void everySectionLinkedOnOneScale() {
        QTemporaryDir dir;
        const SpatialDataset b4 = readAnnData((kDemoDir + "B4.h5ad").toStdString());
        const SpatialDataset c3 = readAnnData((kDemoDir + "C3.h5ad").toStdString());
        const QString runPath = dir.filePath("run.h5");
        writeEmbeddings(runPath.toStdString(), {}, "none", {toyEmbeddings(c3, "C3", "train", 16, true, 7), toyEmbeddings(b4, "B4", "test", 16, false)});

        MainWindow w;
        w.resize(1400, 900);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        SectionGridAction* action = w.actions().sectionGrid;
        QVERIFY(!action->action()->isEnabled());  // nothing open yet
        QSignalSpy datasetLoaded(&w, &MainWindow::datasetLoaded);
        w.openFile(kDemoDir + "C3.tiff");
        QVERIFY(datasetLoaded.wait(20000));
        QVERIFY(action->action()->isEnabled());
        QSignalSpy runLoaded(w.document(), &StudioDocument::runChanged);
        w.openRunFile(runPath);
        QVERIFY(runLoaded.wait(20000));
        const RunEmbeddings& run = *w.document()->run();

        action->action()->trigger();
        SectionGridWindow* grid = action->window();
        QVERIFY(grid);
        QSignalSpy loaded(grid, &SectionGridWindow::loaded);
        QVERIFY2(loaded.wait(60000), qPrintable(grid->message()));
        QVERIFY(QTest::qWaitForWindowExposed(grid));
        SectionGridView* view = grid->grid();
        QCOMPARE(view->panelCount(), 6);
        // Titles: the sections, those without rows in the run said so (the toy run records no splits or donors).
        for (int i = 0; i < 6; ++i)
            QCOMPARE(view->panel(i).title, kSections[i] + (i == 0 || i == 2 ? QString() : QString::fromUtf8(" \u00B7 not in the run")));
        // One scale in micrometres: each panel's width over its slide's is the same for all.
        const double perUm = view->panelRect(0).width() / view->panel(0).width;
        for (int i = 1; i < 6; ++i) QVERIFY(std::abs(view->panelRect(i).width() / view->panel(i).width - perUm) < 1e-9);

        // Alignment: each section's rows through alignmentMap; sections not in the run are NaN.
        const auto& rows = grid->rowsOfSpots();
        std::vector<std::vector<float>> expected;
        for (int i = 0; i < 6; ++i) expected.push_back(alignmentMap(run, rows[static_cast<std::size_t>(i)]));
        for (int i = 0; i < 6; ++i) QVERIFY(sameValues(view->values()[static_cast<std::size_t>(i)], expected[static_cast<std::size_t>(i)]));
        QCOMPARE(std::count_if(rows[2].begin(), rows[2].end(), [](std::int64_t r) { return r >= 0; }), static_cast<long>(c3.obsNames.size()));
        QVERIFY(std::all_of(rows[1].begin(), rows[1].end(), [](std::int64_t r) { return r < 0; }));
        QVERIFY(std::abs(view->values()[2][0] - 1.0f) < 1e-5f);  // C3's gene embedding is its image embedding
        QVERIFY(grid->message().contains("1st to 99th percentile of " + QString::number(b4.obsNames.size() + c3.obsNames.size()) + " spots"));

        // Gene: each section's own ERBB2 in counts per 10k, on one pooled range.
        grid->setColouring(SectionGridWindow::Colouring::Gene, "ERBB2");
        std::vector<std::vector<float>> genes;
        for (const QString& s : kSections) {
            const SpatialDataset ds = readAnnData((kDemoDir + s + ".h5ad").toStdString());
            ColouringRequest request;
            request.genes = {"ERBB2"};
            genes.push_back(colouringValues(ds, request, ds.expression.rowSums()).values);
        }
        for (int i = 0; i < 6; ++i) QVERIFY(sameValues(view->values()[static_cast<std::size_t>(i)], genes[static_cast<std::size_t>(i)]));
        const SharedColourRange range = sharedColourRange(genes);
        const auto spot = *view->spotPosition(4, 0);
        QTRY_VERIFY(view->isVisible());
        const QImage shown = view->grab().toImage();
        const QColor drawn = shown.pixelColor(spot.toPoint());
        const QColor want = view->colourOf(genes[4][0]);
        QVERIFY2(std::abs(drawn.red() - want.red()) <= 3 && std::abs(drawn.green() - want.green()) <= 3, qPrintable(drawn.name() + " vs " + want.name()));
        QVERIFY2(grid->message().contains(QString::number(range.hi, 'g', 3)), qPrintable(grid->message()));

        // A band over B4 in the grid selects those spots' run rows in the document (and on the slide: none, C3 is open).
        const QRectF b4Rect = view->panelRect(0);
        QTest::mousePress(view, Qt::LeftButton, {}, b4Rect.topLeft().toPoint() - QPoint(2, 2));
        QMouseEvent move(QEvent::MouseMove, b4Rect.center(), view->mapToGlobal(b4Rect.center()), Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(view, &move);
        QTest::mouseRelease(view, Qt::LeftButton, {}, b4Rect.center().toPoint());
        QVERIFY(!view->selection()[0].empty());
        std::vector<std::int64_t> wantRows;
        for (const auto s : view->selection()[0]) wantRows.push_back(rows[0][static_cast<std::size_t>(s)]);
        std::sort(wantRows.begin(), wantRows.end());
        QCOMPARE(w.document()->selectedRows(), wantRows);
        QVERIFY(w.document()->selectedObservations().empty());

        // A selection made elsewhere (C3's first ten observations on the slide) shows on C3's panel.
        std::vector<std::int64_t> obs(10);
        std::iota(obs.begin(), obs.end(), 0);
        w.document()->selectObservations(obs, SelectionOrigin::Slide);
        QCOMPARE(view->selection()[2], obs);  // C3's spots are its observations, in order
        QVERIFY(view->selection()[0].empty());

        // Hover in the grid is the document's hovered row; a row hovered elsewhere (the embedding) is ringed here.
        QTest::mouseMove(view, view->spotPosition(2, 3)->toPoint());
        QTRY_COMPARE(w.document()->hoveredRow(), rows[2][3]);
        w.document()->setHoveredRow(rows[0][9]);
        QCOMPARE(view->highlighted(), (std::pair<int, std::int64_t>{0, 9}));
        w.document()->setHoveredRow(-1);
        QCOMPARE(view->highlighted().first, -1);

        // A double-click makes B4's spot 5 the query: similarities are its image embedding against every gene embedding.
        QTest::mouseDClick(view, Qt::LeftButton, {}, view->spotPosition(0, 5)->toPoint());
        QCOMPARE(grid->colouring(), SectionGridWindow::Colouring::Query);
        QCOMPARE(grid->queryRow(), rows[0][5]);
        const std::int64_t q = rows[0][5], r = rows[2][7];
        double dot = 0;
        for (std::int64_t k = 0; k < run.dim; ++k) dot += run.image[q * run.dim + k] * run.gene[r * run.dim + k];
        QVERIFY(std::abs(view->values()[2][7] - dot) < 1e-5);

        // The figure: a PNG at twice the size whose spot pixels carry the shared colours.
        const QString png = dir.filePath("all-sections.png");
        QCOMPARE(grid->exportFigure(png), QString());
        const QImage figure(png);
        QCOMPARE(figure.size(), view->size() * 2);
        const QPointF at = *view->spotPosition(0, 5) * 2;
        const QColor queryColour = view->colourOf(view->values()[0][5]);
        const QColor inFigure = figure.pixelColor(at.toPoint());
        QVERIFY2(std::abs(inFigure.red() - queryColour.red()) <= 3 && std::abs(inFigure.blue() - queryColour.blue()) <= 3,
                 qPrintable(inFigure.name() + " vs " + queryColour.name()));
        // A run that records its splits and donors: each panel says its split and donor.
        RunResults withRoles;
        withRoles.train = {"C3"};
        withRoles.test = {"B4"};
        withRoles.sections = {"B4", "C3"};
        withRoles.donors = {"B", "C"};
        withRoles.embeddings = {toyEmbeddings(c3, "C3", "train", 16, true, 7), toyEmbeddings(b4, "B4", "test", 16, false)};
        const QString rolesPath = dir.filePath("roles.h5");
        writeRunResults(rolesPath.toStdString(), withRoles);
        QSignalSpy rolesLoaded(w.document(), &StudioDocument::runChanged);
        w.openRunFile(rolesPath);
        QVERIFY(rolesLoaded.wait(20000));
        QCOMPARE(view->panel(0).title, QString::fromUtf8("B4 \u00B7 test \u00B7 donor B"));
        QCOMPARE(view->panel(2).title, QString::fromUtf8("C3 \u00B7 train \u00B7 donor C"));
        QCOMPARE(view->panel(3).title, QString::fromUtf8("C4 \u00B7 not in the run"));
        if (const QByteArray shots = qgetenv("HESCAPE_SCREENSHOT_DIR"); !shots.isEmpty()) {
            grid->setColouring(SectionGridWindow::Colouring::Gene, "ERBB2");
            QTest::qWait(100);
            grid->grab().save(QString::fromLocal8Bit(shots) + "/all-sections.png");
        }
    }
};

QTEST_MAIN(TestSectionGrid)
#include "test_section_grid.moc"
