// A Visium HD output opened as one thing, as a user opens it (the command
// line and drag and drop go through openFile): the binned_outputs folder
// opens its 8 um bins on their hires image, with the image's pixel size from
// the scale factors (so the scale bar is right), and the bins are drawn as
// squares of their true size -- checked by pixels: a point inside the square
// but outside its inscribed circle is drawn like the bin's centre, a point in
// the gap to the next bin is not. Real files: shared/data/visium_hd_seurat_testdata.
// And a HEST-1k folder (HEST's layout, built from the demo by
// tests/core/spatial/make_hest_folder.py): it opens its first sample's WSI
// with HEST's estimated pixel size and the sample's spots, and its samples
// are the sections to switch between. And SpatialData stores (built by
// tests/core/spatial/make_spatialdata_corpus.py, after spatialdata's own
// writer): the store opens its finest image as the slide (OME-Zarr, also with
// an affine or sequence transform) with the table's spots where numpy puts
// them; every image of the store places them (the section switcher lists them).
// And Visium HD folders with a CytAssist image (make_cytassist_folders.py):
// Slide > Data Set Images opens it with the bins where numpy puts them.
#include "app/studio/MainWindow.h"
#include "app/studio/model/StudioDocument.h"
#include "core/slide/Slide.h"
#include "core/spatial/SpatialDataset.h"
#include "widgets/GlSurfaceFormat.h"
#include "widgets/slideview/SlideView.h"

#include <QAction>
#include <QComboBox>
#include <QMenu>
#include <QMessageBox>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <QApplication>
#include <QOpenGLContext>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include "tests/core/TestSupport.h"

#include <QtTest/QtTest>

#include <cmath>

using namespace hescape;

namespace {

const QString kBins = QStringLiteral(HESCAPE_SHARED_DATA_DIR "/visium_hd_seurat_testdata/binned_outputs");

int colourDistance(QRgb a, QRgb b) {
    return std::abs(qRed(a) - qRed(b)) + std::abs(qGreen(a) - qGreen(b)) + std::abs(qBlue(a) - qBlue(b));
}

}  // namespace

class TestVisiumFolder : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QOpenGLContext probe;
        QVERIFY2(probe.create(), "no OpenGL context (run under xvfb-run)");
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
    }

    void binsAreSquaresOfTheirTrueSize() {
        MainWindow w;
        w.resize(1200, 800);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QSignalSpy dataset(&w, &MainWindow::datasetLoaded);
        w.openFile(kBins);
        QVERIFY2(dataset.wait(30000), qPrintable(w.lastError()));
        const StudioDocument& doc = *w.document();
        QVERIFY(doc.slidePath().endsWith(QStringLiteral("square_008um/spatial/tissue_hires_image.png")));
        QVERIFY(doc.datasetPath().endsWith(QStringLiteral("square_008um")));
        QCOMPARE(doc.dataset()->format, std::string("visium_hd"));
        const double mpp = doc.slide()->micronsPerPixel()->x;
        QVERIFY(std::abs(mpp - 0.27376126715315274 / 0.25404352) < 1e-9);
        SlideView* v = w.slideView();
        QVERIFY(v->spots().square());
        // 8 um bins: a half side of 4 um in hires pixels.
        QVERIFY(std::abs(v->spots().radius() - 4.0 / mpp) < 1e-3);

        // Zoom onto one bin so that its half side is 30 widget pixels.
        const std::size_t bin = 100;
        const QPointF centre(v->spots().positions()[2 * bin], v->spots().positions()[2 * bin + 1]);
        const double downsample = v->spots().radius() / 30.0;
        v->setView(centre, downsample);
        QTRY_VERIFY_WITH_TIMEOUT(v->isFullyLoaded(), 15000);
        QTest::qWait(200);
        const QImage img = v->grab().toImage();
        const double scale = img.width() / static_cast<double>(v->width());
        const QPointF c = v->slideToWidget(centre) * scale;
        const double r = 30.0 * scale;
        const QRgb inside = img.pixel(c.toPoint());
        const QRgb corner = img.pixel((c + QPointF(0.85 * r, 0.85 * r)).toPoint());  // 1.2 r from the centre
        const QRgb gap = img.pixel((c + QPointF(1.5 * r, 0)).toPoint());                // between this bin and the next
        QVERIFY2(colourDistance(inside, corner) < 12, qPrintable(QStringLiteral("centre %1 corner %2").arg(inside, 0, 16).arg(corner, 0, 16)));
        QVERIFY2(colourDistance(inside, gap) > 40, qPrintable(QStringLiteral("centre %1 gap %2").arg(inside, 0, 16).arg(gap, 0, 16)));
        if (qEnvironmentVariableIsSet("HESCAPE_SCREENSHOT_DIR")) img.save(qEnvironmentVariable("HESCAPE_SCREENSHOT_DIR") + "/visium_hd_bins.png");
    }

    void cytAssistImageFromTheSlideMenu() {
        // Visium HD folders with a CytAssist image (make_cytassist_folders.py): Slide > Data Set Images
        // lists hires, lowres and CytAssist; the CytAssist image opens with the bins where numpy's
        // inverse of feature_slice.h5's transform puts them, and its own pixel size.
        QTemporaryDir dir;
        const auto made = hescape::test::makeCytAssistFolders(dir.path());
        QVERIFY2(made.exitCode == 0, made.err.constData());
        QFile f(dir.filePath("expected.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject expected = QJsonDocument::fromJson(f.readAll()).object()["hd_affine"].toObject();
        MainWindow w;
        w.resize(1000, 700);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QSignalSpy dataset(&w, &MainWindow::datasetLoaded);
        w.openFile(dir.filePath("hd_affine"));
        QVERIFY2(dataset.wait(30000), qPrintable(w.lastError()));
        const StudioDocument& doc = *w.document();
        QVERIFY(doc.slidePath().endsWith(QStringLiteral("spatial/tissue_hires_image.png")));
        auto* menu = w.findChild<QMenu*>(QStringLiteral("datasetImagesMenu"));
        QVERIFY(menu);
        QCOMPARE(menu->actions().size(), 3);
        QVERIFY(menu->actions()[0]->isChecked());
        QAction* cytAssist = menu->actions()[2];
        QVERIFY(cytAssist->text().startsWith(QStringLiteral("CytAssist")) && cytAssist->isEnabled());
        cytAssist->trigger();
        QVERIFY2(dataset.wait(30000), qPrintable(w.lastError()));
        QVERIFY(doc.slidePath().endsWith(QStringLiteral("square_008um/spatial/cytassist_image.tiff")));
        QVERIFY(menu->actions()[2]->isChecked());
        const double mpp = expected["cytassist_mpp"].toDouble();
        QVERIFY(std::abs(doc.slide()->micronsPerPixel()->x - mpp) < 1e-9);
        QVERIFY(std::abs(w.slideView()->spots().radius() - 4.0 / mpp) < 1e-3);
        const QJsonObject onCytAssist = expected["on_cytassist"].toObject();
        const auto& xy = w.slideView()->spots().positions();
        QCOMPARE(xy.size(), 2 * doc.dataset()->obsNames.size());
        for (std::size_t i = 0; i < doc.dataset()->obsNames.size(); ++i) {
            const QJsonArray want = onCytAssist[QString::fromStdString(doc.dataset()->obsNames[i])].toArray();
            QVERIFY(std::abs(xy[2 * i] - want[0].toDouble()) < 1e-3 && std::abs(xy[2 * i + 1] - want[1].toDouble()) < 1e-3);
        }
        // A projective transform: the entry is there, disabled, and says why.
        w.openFile(dir.filePath("hd_projective"));
        QVERIFY2(dataset.wait(30000), qPrintable(w.lastError()));
        QCOMPARE(menu->actions().size(), 3);
        QVERIFY(!menu->actions()[2]->isEnabled());
        QVERIFY2(menu->actions()[2]->toolTip().contains(QStringLiteral("projective")), qPrintable(menu->actions()[2]->toolTip()));
    }

    void hestFolderOpensItsFirstSample() {
        QTemporaryDir dir;
        const auto make = hescape::test::makeHestFolder(dir.path());
        QVERIFY2(make.exitCode == 0, make.err.constData());
        MainWindow w;
        w.resize(1200, 800);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QSignalSpy dataset(&w, &MainWindow::datasetLoaded);
        w.openFile(dir.filePath("hest"));
        QVERIFY2(dataset.wait(30000), qPrintable(w.lastError()));
        const StudioDocument& doc = *w.document();
        QVERIFY(doc.slidePath().endsWith(QStringLiteral("hest/wsis/B4.tif")));
        QVERIFY(doc.datasetPath().endsWith(QStringLiteral("hest/st/B4.h5ad")));
        QCOMPARE(doc.slide()->micronsPerPixel()->x, 0.7);  // HEST's estimate, not the TIFF's 0.69
        // B4's h5ad has no spot size: 100 um from the metadata, at 0.7 um/px.
        QVERIFY(std::abs(w.slideView()->spots().radius() - 50.0 / 0.7) < 1e-3);
        QCOMPARE(w.sectionCombo()->count(), 2);
        QCOMPARE(w.sectionCombo()->itemText(1), QStringLiteral("C3"));
        // A sample whose metadata is malformed: its WSI does not open, the message names the file and
        // field, and what is open stays.
        QSignalSpy failed(&w, &MainWindow::loadFailed);
        w.openFile(dir.filePath("hest_bad"));
        QVERIFY(failed.wait(30000));
        QVERIFY2(w.lastError().contains(QStringLiteral("metadata/C3.json: pixel_size_um_estimated must be a positive number")),
                 qPrintable(w.lastError()));
        QVERIFY(doc.slidePath().endsWith(QStringLiteral("hest/wsis/B4.tif")));
        for (QWidget* t : QApplication::topLevelWidgets())
            if (auto* box = qobject_cast<QMessageBox*>(t)) box->close();
    }

    void spatialDataStoreOpensOnItsImage() {
        QTemporaryDir dir;
        QProcess make;
        make.start(QStringLiteral(HESCAPE_TEST_PYTHON), {QStringLiteral(HESCAPE_SOURCE_DIR "/tests/core/spatial/make_spatialdata_corpus.py"), dir.path()});
        QVERIFY(make.waitForFinished(300000));
        QVERIFY2(make.exitCode() == 0, make.readAllStandardError().constData());
        QFile f(dir.filePath("expected.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject expected = QJsonDocument::fromJson(f.readAll()).object();
        for (const char* store : {"c3_v2_parquet.zarr", "c3_v2_zarrshapes.zarr", "c3_v3.zarr"}) {
            MainWindow w;
            w.resize(1000, 700);
            w.show();
            QVERIFY(QTest::qWaitForWindowExposed(&w));
            QSignalSpy dataset(&w, &MainWindow::datasetLoaded);
            w.openFile(dir.filePath(store));
            QVERIFY2(dataset.wait(30000), qPrintable(QString::fromLatin1(store) + ": " + w.lastError()));
            const StudioDocument& doc = *w.document();
            QCOMPARE(doc.slide()->format(), std::string("ome-zarr"));
            QCOMPARE(doc.dataset()->format, std::string("spatialdata"));
            QCOMPARE(doc.dataset()->observationCount(), std::int64_t{180});
            // On the image: the spots where the store's transforms put them (numpy, in expected.json).
            const QJsonArray onImage = expected["stores"].toObject()[QLatin1String(store)].toObject()["slide_xy"].toArray();
            QVERIFY2(onImage.size() == 180, store);
            const auto& xy = w.slideView()->spots().positions();
            for (int i = 0; i < 180; ++i) {
                QVERIFY(std::abs(xy[2 * i] - onImage[i].toArray()[0].toDouble()) < 1e-3);
                QVERIFY(std::abs(xy[2 * i + 1] - onImage[i].toArray()[1].toDouble()) < 1e-3);
            }
            QVERIFY(w.sectionCombo()->count() >= 1);
        }
    }
};

int main(int argc, char** argv) {
    hescape::setDefaultGlSurfaceFormat();
    QApplication app(argc, argv);
    QApplication::setOrganizationName("HEScape");
    QApplication::setApplicationName("HEScape Studio Visium Tests");
    TestVisiumFolder t;
    return QTest::qExec(&t, argc, argv);
}

#include "test_visium_folder.moc"
