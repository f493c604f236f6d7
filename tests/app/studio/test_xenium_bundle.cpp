// A Xenium output folder opened as one thing (File > Open, the command line,
// drag and drop all go through openFile): the post-Xenium H&E with the cells
// placed through Xenium Explorer's alignment CSV, the morphology image with
// the same cells, switching between them, and clear messages for folders
// that cannot be shown. The bundle is built from the real toy data by
// make_xenium_bundle.py (tifffile); cell positions are checked against
// pandas, drawn cells by pixels.
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
#include "core/spatial/SpatialDataset.h"
#include "core/spatial/XeniumBundle.h"
#include "tests/core/TestSupport.h"
#include "widgets/slideview/SlideView.h"
#include "widgets/spatial/LayersPanel.h"

#include <QComboBox>
#include <QOpenGLContext>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest/QtTest>

using namespace hescape;

namespace {

struct Cell {
    double x, y;
};

// The first cells' centroids (um), read by pandas.
std::vector<Cell> referenceCells(const QString& folder, int n) {
    const auto r = hescape::test::runPython(QStringLiteral(
        "import sys, pandas as pd\n"
        "c = pd.read_csv(sys.argv[1] + '/cells.csv.gz')\n"
        "for x, y in zip(c.x_centroid[:int(sys.argv[2])], c.y_centroid[:int(sys.argv[2])]): print(repr(x), repr(y))\n"),
        {folder, QString::number(n)});
    std::vector<Cell> out;
    for (const auto& line : QString::fromUtf8(r.out).split('\n', Qt::SkipEmptyParts)) {
        const auto p = line.split(' ');
        out.push_back({p[0].toDouble(), p[1].toDouble()});
    }
    return out;
}

bool openAndWaitForCells(MainWindow& w, const QString& path) {
    QSignalSpy data(&w, &MainWindow::datasetLoaded);
    w.openFile(path);
    if (!data.wait(20000) && data.isEmpty()) return false;
    return QTest::qWaitFor([&] { return w.slideView()->isFullyLoaded(); }, 15000);
}

// Of the cells given, how many are drawn: the pixel at the cell's centre
// changes when the cell layer is hidden.
int cellsDrawn(MainWindow& w, const std::vector<QPointF>& onSlide) {
    SlideView* v = w.slideView();
    const QImage with = v->grabFramebuffer();
    const double opacity = w.layersPanel()->layerOpacity(w.spotsLayer());
    w.layersPanel()->setLayerState(w.spotsLayer(), false, opacity);
    QTest::qWait(200);
    const QImage without = v->grabFramebuffer();
    w.layersPanel()->setLayerState(w.spotsLayer(), true, opacity);
    int drawn = 0;
    for (const QPointF& p : onSlide) {
        const QPoint q = v->slideToWidget(p).toPoint() * v->devicePixelRatio();
        if (!with.rect().contains(q)) continue;
        const QColor a = with.pixelColor(q), b = without.pixelColor(q);
        drawn += std::abs(a.red() - b.red()) + std::abs(a.green() - b.green()) + std::abs(a.blue() - b.blue()) > 30;
    }
    return drawn;
}

}  // namespace

class TestXeniumBundle : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString bundle_;

private Q_SLOTS:
    void initTestCase() {
        QOpenGLContext probe;
        QVERIFY2(probe.create(), "no OpenGL context (run under xvfb-run)");
        QStandardPaths::setTestModeEnabled(true);
        bundle_ = dir_.filePath("xenium");
        const auto r = hescape::test::runProcess(QStringLiteral(HESCAPE_TEST_PYTHON),
                                                 {QStringLiteral(HESCAPE_SOURCE_DIR "/tests/app/studio/make_xenium_bundle.py"),
                                                  QStringLiteral(HESCAPE_SHARED_DATA_DIR), bundle_});
        QVERIFY2(r.exitCode == 0, r.err.constData());
    }

    void folderOpensTheHeWithCellsThroughTheAlignment() {
        MainWindow w;
        w.resize(1100, 800);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(openAndWaitForCells(w, bundle_));
        QVERIFY(w.document()->slidePath().endsWith(QStringLiteral("toy_he_image.ome.tif")));
        QCOMPARE(w.slideView()->slide()->format(), std::string("ome-tiff"));
        QCOMPARE(w.document()->dataset()->observationCount(), 526);
        // The alignment maps H&E pixels to morphology pixels: cells land at
        // (W - (x - 1000) s, (y - 1000) s) with s = 2 * 237 / 400, W = 474.
        const double s = 2 * 237.0 / 400;
        std::vector<QPointF> onSlide;
        for (const Cell& c : referenceCells(bundle_, 40)) {
            double hx = 0, hy = 0;
            w.document()->datasetToSlide().apply(c.x, c.y, hx, hy);
            QVERIFY(std::abs(hx - (474 - (c.x - 1000) * s)) < 1e-6);
            QVERIFY(std::abs(hy - (c.y - 1000) * s) < 1e-6);
            onSlide.emplace_back(hx, hy);
        }
        const int drawn = cellsDrawn(w, onSlide);
        QVERIFY2(drawn >= 36, qPrintable(QStringLiteral("%1 of 40 cells drawn").arg(drawn)));
        if (qEnvironmentVariableIsSet("HESCAPE_SCREENSHOT")) w.grab().save(qEnvironmentVariable("HESCAPE_SCREENSHOT"));
        // Both images of the bundle are offered as sections to switch between.
        QComboBox* sections = w.sectionCombo();
        QCOMPARE(sections->count(), 2);
        QCOMPARE(sections->itemText(sections->currentIndex()), QStringLiteral("H&E"));
    }

    void switchingToTheMorphologyKeepsTheCellsOnIt() {
        MainWindow w;
        w.resize(1100, 800);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(openAndWaitForCells(w, bundle_));
        QSignalSpy data(&w, &MainWindow::datasetLoaded);
        QComboBox* sections = w.sectionCombo();
        const int morphology = sections->findText(QStringLiteral("Morphology"));
        sections->setCurrentIndex(morphology);
        Q_EMIT sections->activated(morphology);  // as a user's pick does
        QVERIFY(data.wait(20000) || !data.isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(w.slideView()->isFullyLoaded(), 15000);
        QVERIFY(w.document()->slidePath().endsWith(QStringLiteral("morphology_focus.ome.tif")));
        QVERIFY(w.slideView()->slide()->channelDisplay());
        // The toy morphology is a crop: its registration beside the cells places them.
        QVERIFY(w.document()->registration().has_value());
        std::vector<QPointF> onSlide;
        for (const Cell& c : referenceCells(bundle_, 40)) {
            double mx = 0, my = 0;
            w.document()->datasetToSlide().apply(c.x, c.y, mx, my);
            QVERIFY(std::abs(mx - (c.x - 1000) * 237 / 400) < 1e-6);
            onSlide.emplace_back(mx, my);
        }
        QVERIFY(cellsDrawn(w, onSlide) >= 36);
        // The DAPI image under them is not black.
        w.layersPanel()->setLayerState(w.spotsLayer(), false, 1.0);
        QTest::qWait(200);
        const QImage shot = w.slideView()->grabFramebuffer();
        const QRectF image(w.slideView()->slideToWidget({0, 0}), w.slideView()->slideToWidget({237, 237}));
        int bright = 0, samples = 0;
        for (int y = int(image.top()) + 2; y < image.bottom() - 2; y += 3)
            for (int x = int(image.left()) + 2; x < image.right() - 2; x += 3, ++samples)
                bright += shot.pixelColor(QPoint(x, y) * w.slideView()->devicePixelRatio()).lightness() > 60;
        QVERIFY2(samples > 100 && bright > samples / 10, qPrintable(QStringLiteral("%1 of %2 bright").arg(bright).arg(samples)));
    }

    void morphologyImageAloneBringsItsCells() {
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(openAndWaitForCells(w, bundle_ + "/morphology_focus.ome.tif"));
        QCOMPARE(QFileInfo(w.document()->datasetPath()).absoluteFilePath(), QFileInfo(bundle_).absoluteFilePath());
    }

    void foldersThatCannotBeShownSaySo() {
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        w.openFile(dir_.path());
        QVERIFY2(w.lastError().contains(QStringLiteral("neither a Xenium output folder nor an OME-Zarr image")), qPrintable(w.lastError()));
    }

    void cellsOnlyInParquetOpen() {
        // Cells only in Parquet (core/io/ParquetFile): the image opens with the same cells as from the CSV.
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        const QString parquetOnly = dir_.filePath("parquet_only");
        QVERIFY(QDir().mkpath(parquetOnly));
        // (with the registration that places the toy's cropped image, as in the bundle)
        for (const char* f : {"cell_feature_matrix.h5", "cells.parquet", "morphology_focus.ome.tif", "hescape.registration.json"})
            QVERIFY(QFile::copy(bundle_ + "/" + f, parquetOnly + "/" + f));
        QVERIFY(openAndWaitForCells(w, parquetOnly));
        QVERIFY(w.document()->slidePath().endsWith(QStringLiteral("morphology_focus.ome.tif")));
        QCOMPARE(QFileInfo(w.document()->datasetPath()).absoluteFilePath(), QFileInfo(parquetOnly).absoluteFilePath());
        // Every reference cell (pandas, from the CSV twin) is a cell of the data set, and drawn.
        const SpatialDataset& ds = *w.document()->dataset();
        QCOMPARE(ds.observationCount(), std::int64_t{526});
        std::vector<QPointF> onSlide;
        for (const Cell& c : referenceCells(bundle_, 40)) {
            QVERIFY(std::any_of(ds.coordinates.begin(), ds.coordinates.end(),
                                [&](const Point2& p) { return std::abs(p.x - c.x) < 1e-4 && std::abs(p.y - c.y) < 1e-4; }));
            double mx = 0, my = 0;
            w.document()->datasetToSlide().apply(c.x, c.y, mx, my);
            onSlide.emplace_back(mx, my);
        }
        QVERIFY(cellsDrawn(w, onSlide) >= 36);
        QVERIFY(w.lastError().isEmpty());
    }
};

QTEST_MAIN(TestXeniumBundle)
#include "test_xenium_bundle.moc"
