// The Channels dock in the main window (under xvfb): a real fluorescence
// OME-TIFF (Xenium's 237 x 237 uint16 DAPI morphology image) opens with the
// dock shown for its one channel and the nuclei on screen; hiding the channel
// in the dock turns the slide black on screen, Auto brings it back; an RGB
// slide hides and empties the dock. An OME-Zarr twin of the DAPI image
// (written by python3-zarr), opened through its .zattrs as a file dialog
// picks it, looks the same on screen.
#include "app/studio/ChannelsDock.h"
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
#include "tests/core/TestSupport.h"
#include "widgets/GlSurfaceFormat.h"
#include "widgets/slideview/ChannelDisplayPanel.h"
#include "widgets/slideview/SlideView.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QOpenGLContext>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <algorithm>

using namespace hescape;

namespace {

const QString kDapi = QStringLiteral(HESCAPE_SHARED_DATA_DIR "/xenium_toy_sfe/morphology_focus.ome.tif");
const QString kRgb = QStringLiteral(HESCAPE_SOURCE_DIR "/resources/demo/her2st/C3.tiff");

bool openAndWait(MainWindow& w, const QString& path, int timeoutMs = 20000) {
    QSignalSpy loaded(&w, &MainWindow::slideLoaded);
    w.openFile(path);
    return loaded.wait(timeoutMs) || loaded.count() > 0;
}

// Over the slide's pixels on screen (its frame less a 2 px margin, where
// the background blends in): the fraction whose brightest component is above
// `above`, and the brightest component seen.
struct Brightness {
    double fraction = 0;
    int max = 0;
    int pixels = 0;
};
Brightness slideBrightness(SlideView& v, int above) {
    const QImage img = v.grabFramebuffer();
    const double dpr = img.devicePixelRatio();
    const Slide& s = *v.slide();
    const QRectF frame(v.slideToWidget(QPointF(0, 0)), v.slideToWidget(QPointF(s.width(), s.height())));
    const QRect r = QRectF(frame.topLeft() * dpr, frame.bottomRight() * dpr).toAlignedRect().adjusted(2, 2, -2, -2).intersected(img.rect());
    Brightness b;
    int bright = 0;
    for (int y = r.top(); y <= r.bottom(); ++y) {
        for (int x = r.left(); x <= r.right(); ++x) {
            const QColor c = img.pixelColor(x, y);
            const int m = std::max({c.red(), c.green(), c.blue()});
            bright += m > above;
            b.max = std::max(b.max, m);
            ++b.pixels;
        }
    }
    b.fraction = b.pixels ? static_cast<double>(bright) / b.pixels : 0;
    return b;
}

}  // namespace

class TestChannelsDock : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    QString dapi_;

private Q_SLOTS:
    void initTestCase() {
        QOpenGLContext probe;
        if (!probe.create()) QSKIP("no OpenGL context on this platform (run under xvfb-run)");
        QStandardPaths::setTestModeEnabled(true);  // settings under ~/.qttest
        QSettings().clear();
        QVERIFY2(QFile::exists(kDapi), qPrintable("missing " + kDapi));
        // A copy on its own: beside the Xenium outputs the cells could open with
        // it and be drawn over the nuclei, and this is about the image alone.
        QVERIFY(dir_.isValid());
        dapi_ = dir_.filePath(QStringLiteral("morphology_focus.ome.tif"));
        QVERIFY(QFile::copy(kDapi, dapi_));
    }

    void fluorescenceSlideShowsChannelsAndRedraws() {
        MainWindow w;
        w.resize(1100, 750);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(!w.channelsDock()->isVisible());
        QVERIFY(openAndWait(w, dapi_));
        SlideView* v = w.slideView();
        QCOMPARE(v->slide()->width(), std::int64_t{237});
        const auto state = v->slide()->channelDisplay();
        QVERIFY(state);
        ChannelsDock* dock = w.channelsDock();
        QTRY_VERIFY(dock->isVisible());
        QVERIFY(dock->toggleViewAction()->isEnabled());
        QCOMPARE(dock->panel()->channelCount(), 1);
        QCOMPARE(dock->panel()->state(), state);

        // The nuclei: a good part of the image is well above black.
        QTRY_VERIFY_WITH_TIMEOUT(v->isFullyLoaded(), 15000);
        const Brightness shown = slideBrightness(*v, 40);
        QVERIFY2(shown.pixels > 100 * 100, qPrintable(QString::number(shown.pixels)));
        QVERIFY2(shown.fraction > 0.3, qPrintable(QStringLiteral("%1 bright").arg(shown.fraction)));

        // Hidden in the dock: black on screen once the tiles are decoded again.
        auto* visible = dock->panel()->findChild<QCheckBox*>(QStringLiteral("channelVisible0"));
        QVERIFY(visible);
        QVERIFY(visible->isChecked());
        const auto decoded = v->tileCache()->stats().decoded;
        visible->setChecked(false);
        QVERIFY(!state->settings()[0].visible);
        QTRY_VERIFY_WITH_TIMEOUT(v->isFullyLoaded() && slideBrightness(*v, 8).fraction == 0.0, 15000);
        QVERIFY2(slideBrightness(*v, 8).max <= 8, qPrintable(QString::number(slideBrightness(*v, 8).max)));
        QVERIFY(v->tileCache()->stats().decoded > decoded);

        // Auto: visible again, the same picture as before.
        QTest::mouseClick(dock->panel()->findChild<QPushButton*>(QStringLiteral("channelsAuto")), Qt::LeftButton);
        QVERIFY(visible->isChecked());
        QTRY_VERIFY_WITH_TIMEOUT(v->isFullyLoaded() && slideBrightness(*v, 40).fraction > 0.3, 15000);
        QCOMPARE(slideBrightness(*v, 40).fraction, shown.fraction);

        // An RGB slide next: no channels, the dock goes away.
        QVERIFY(openAndWait(w, kRgb));
        QVERIFY(!w.slideView()->slide()->channelDisplay());
        QVERIFY(!dock->isVisible());
        QVERIFY(!dock->toggleViewAction()->isEnabled());
        QCOMPARE(dock->panel()->channelCount(), 0);
        // Nor can it be shown empty.
        dock->show();
        QVERIFY(!dock->isVisible());
    }

    void omeZarrTwinLooksLikeTheOmeTiff() {
        const QString zarr = dir_.filePath(QStringLiteral("dapi.zarr"));
        const auto r = hescape::test::runPython(QStringLiteral(
            "import sys, tifffile, zarr\n"
            "from numcodecs import Blosc\n"
            "a = tifffile.imread(sys.argv[1])\n"
            "g = zarr.open_group(sys.argv[2], mode='w')\n"
            "g.create_dataset('0', data=a, chunks=(100, 100), compressor=Blosc(cname='zstd'), dimension_separator='/')\n"
            "g.attrs['multiscales'] = [{'version': '0.4', 'axes': [{'name': 'y', 'type': 'space', 'unit': 'micrometer'},\n"
            "  {'name': 'x', 'type': 'space', 'unit': 'micrometer'}],\n"
            "  'datasets': [{'path': '0', 'coordinateTransformations': [{'type': 'scale', 'scale': [0.2125, 0.2125]}]}]}]\n"),
            {dapi_, zarr});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        MainWindow w;
        w.resize(1100, 750);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(openAndWait(w, dapi_));
        QTRY_VERIFY_WITH_TIMEOUT(w.slideView()->isFullyLoaded(), 15000);
        const Brightness tiff = slideBrightness(*w.slideView(), 40);
        const auto tiffSlide = w.slideView()->slide();
        const RgbaImage tiffPixels = tiffSlide->readRegion(0, 0, 0, 237, 237);
        const auto tiffWindow = tiffSlide->channelDisplay()->settings()[0];
        QVERIFY(openAndWait(w, zarr + QStringLiteral("/.zattrs")));
        SlideView* v = w.slideView();
        QCOMPARE(QString::fromStdString(v->slide()->format()), QStringLiteral("ome-zarr"));
        QCOMPARE(QString::fromStdString(v->slide()->path()), zarr);
        QVERIFY(std::abs(v->slide()->micronsPerPixel()->x - 0.2125) < 1e-12);
        QTRY_VERIFY(w.channelsDock()->isVisible());
        QCOMPARE(w.channelsDock()->panel()->channelCount(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(v->isFullyLoaded(), 15000);
        // Given the same window (the automatic ones differ a little: the TIFF's
        // histogram samples every third of its 237 one-row strips, the Zarr's
        // all of its 9 chunks), the same composite, sample for sample...
        v->slide()->channelDisplay()->setSettings({tiffWindow});
        v->refreshTiles();
        QVERIFY(v->slide()->readRegion(0, 0, 0, 237, 237).pixels == tiffPixels.pixels);
        // ...and on screen (texture seams may shift a pixel or two at tile edges).
        QTRY_VERIFY_WITH_TIMEOUT(v->isFullyLoaded(), 15000);
        const Brightness shown = slideBrightness(*v, 40);
        QCOMPARE(shown.pixels, tiff.pixels);
        QVERIFY2(shown.fraction > 0.3, qPrintable(QString::number(shown.fraction)));
        QVERIFY2(std::abs(shown.fraction - tiff.fraction) < 1e-3, qPrintable(QStringLiteral("%1 vs %2").arg(shown.fraction).arg(tiff.fraction)));
        QCOMPARE(shown.max, tiff.max);
    }

    void channelLegendOnScreenAndInFigures() {
        MainWindow w;
        w.resize(1100, 750);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(openAndWait(w, dapi_));
        SlideView* v = w.slideView();
        QTRY_VERIFY_WITH_TIMEOUT(v->isFullyLoaded(), 15000);
        const auto state = v->slide()->channelDisplay();
        const auto d = state->settings()[0];
        const auto layout = v->figureDecorations(QFontMetricsF(v->font())).channels;
        QVERIFY(layout.has_value());
        QCOMPARE(layout->entries.size(), std::size_t{1});
        QCOMPARE(layout->entries[0].color, QColor(d.colour[0], d.colour[1], d.colour[2]));
        QVERIFY2(layout->entries[0].label.startsWith(QStringLiteral("Channel 0")), qPrintable(layout->entries[0].label));
        QVERIFY(layout->entries[0].label.contains(QString::number(d.high, 'g', 5)));
        // On screen: the swatch is the channel's colour.
        QTRY_VERIFY(w.grab().toImage().pixelColor(v->mapTo(&w, layout->entries[0].swatch.center().toPoint())) ==
                    QColor(d.colour[0], d.colour[1], d.colour[2]));
        // In an SVG figure: a "channels" group with the swatch and the label.
        const QString svg = dir_.filePath(QStringLiteral("channels.svg"));
        QVERIFY(w.actions().exportView->exportTo(svg));
        QFile f(svg);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(f.readAll());
        const auto group = text.indexOf(QStringLiteral("<g id=\"channels\">"));
        QVERIFY(group >= 0);
        QVERIFY(text.indexOf(QColor(d.colour[0], d.colour[1], d.colour[2]).name(), group) > group);
        QVERIFY(text.indexOf(QStringLiteral("Channel 0"), group) > group);
        // A hidden channel leaves the legend.
        auto hidden = state->settings();
        hidden[0].visible = false;
        state->setSettings(hidden);
        v->refreshTiles();
        const auto none = v->figureDecorations(QFontMetricsF(v->font())).channels;
        QVERIFY(none && none->entries.empty());
    }
};

int main(int argc, char** argv) {
    hescape::setDefaultGlSurfaceFormat();
    QApplication app(argc, argv);
    QApplication::setOrganizationName("HEScape");
    QApplication::setApplicationName("HEScape Studio Channels Tests");
    TestChannelsDock t;
    return QTest::qExec(&t, argc, argv);
}

#include "test_channels_dock.moc"
