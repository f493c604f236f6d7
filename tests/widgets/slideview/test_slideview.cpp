// SlideView under a real GL context (xvfb): renders a generated slide and
// checks, by reading the framebuffer back, that known colours land at the
// expected screen positions after fit, zoom about a point, pan, keyboard and
// minimap navigation, that coarser levels fill in while fine tiles load, and
// that refreshTiles() swaps in a changed rendering without flicker.
#include "tests/core/slide/FillSlide.h"
#include "tests/widgets/TestSlides.h"
#include "widgets/slideview/SlideView.h"

#include <QOpenGLContext>
#include <QSignalSpy>
#include "widgets/GlSurfaceFormat.h"
#include <QTemporaryDir>
#include <QWheelEvent>
#include <QtTest/QtTest>


using namespace hescape;
using hescape::test::kQuadrant;

class TestSlideView : public QObject {
    Q_OBJECT

private:
    static constexpr int kSize = 4096;
    QTemporaryDir dir_;
    QString slidePath_;

    QColor colourAt(SlideView& v, QPointF widgetPos) {
        const QImage img = v.grabFramebuffer();
        const double dpr = img.devicePixelRatio();
        return img.pixelColor(QPoint(static_cast<int>(widgetPos.x() * dpr), static_cast<int>(widgetPos.y() * dpr)));
    }
    QColor expectedAt(SlideView& v, QPointF widgetPos) {
        const QPointF s = v.widgetToSlide(widgetPos);
        return hescape::test::quadrantAt(s.x(), s.y(), kSize);
    }
    std::shared_ptr<Slide> open() { return std::shared_ptr<Slide>(openSlide(slidePath_.toStdString())); }

private Q_SLOTS:
    void initTestCase() {
        QOpenGLContext probe;
        if (!probe.create()) QSKIP("no OpenGL context on this platform (run under xvfb-run)");
        QVERIFY(dir_.isValid());
        slidePath_ = dir_.filePath("quadrants.tiff");
        hescape::test::writeQuadrantSlide(slidePath_, kSize);
    }

    void fitShowsAllFourQuadrants() {
        SlideView v;
        v.resize(400, 400);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        v.setSlide(open());
        QTRY_VERIFY_WITH_TIMEOUT(v.isFullyLoaded(), 10000);
        // Fitted: the whole slide visible, centred.
        QCOMPARE(v.center(), QPointF(kSize / 2.0, kSize / 2.0));
        QVERIFY(v.downsample() > kSize / 400.0);
        const QImage img = v.grabFramebuffer();
        for (int q = 0; q < 4; ++q) {
            const QPointF slidePt((q % 2 ? 0.75 : 0.25) * kSize, (q / 2 ? 0.75 : 0.25) * kSize);
            const QPointF w = v.slideToWidget(slidePt);
            const QColor got = img.pixelColor(w.toPoint());
            QVERIFY2(hescape::test::near(got, kQuadrant[q]),
                     qPrintable(QStringLiteral("quadrant %1 at %2,%3: got %4").arg(q).arg(w.x()).arg(w.y()).arg(got.name())));
        }
        // Outside the slide (left margin) the background shows, not tissue.
        const QPointF outside = v.slideToWidget(QPointF(-30 * v.downsample() / 4, kSize / 2.0));
        if (outside.x() >= 1) QVERIFY(!hescape::test::near(img.pixelColor(outside.toPoint()), kQuadrant[0], 60));
    }

    void zoomKeepsPointUnderCursorAndLoadsFinerLevel() {
        SlideView v;
        v.resize(400, 300);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        v.setSlide(open());
        QTRY_VERIFY_WITH_TIMEOUT(v.isFullyLoaded(), 10000);
        const int coarseLevel = v.targetLevel();
        // Wheel up over a point near the quadrant boundary.
        const QPointF anchor = v.slideToWidget(QPointF(kSize / 2.0 + 40, kSize / 2.0 - 40));
        const QPointF before = v.widgetToSlide(anchor);
        for (int i = 0; i < 8; ++i) {
            QWheelEvent wheel(anchor, v.mapToGlobal(anchor), QPoint(), QPoint(0, 120), Qt::NoButton, Qt::NoModifier,
                              Qt::NoScrollPhase, false);
            QCoreApplication::sendEvent(&v, &wheel);
        }
        const QPointF after = v.widgetToSlide(anchor);
        QVERIFY2(QLineF(before, after).length() < 1.0, "the slide point under the cursor moved while zooming");
        QVERIFY(v.targetLevel() < coarseLevel);
        QTRY_VERIFY_WITH_TIMEOUT(v.isFullyLoaded(), 10000);
        // The quadrant boundary now spans the view: check the four corners.
        for (const QPointF p : {QPointF(20, 20), QPointF(380, 20), QPointF(20, 280), QPointF(380, 280)}) {
            QVERIFY2(hescape::test::near(colourAt(v, p), expectedAt(v, p)),
                     qPrintable(QStringLiteral("at %1,%2").arg(p.x()).arg(p.y())));
        }
    }

    void panAndKeyboard() {
        SlideView v;
        v.resize(300, 300);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        v.setSlide(open());
        v.setView(QPointF(1024, 1024), 1.0);  // 1:1 inside the red quadrant
        QTRY_VERIFY_WITH_TIMEOUT(v.isFullyLoaded(), 10000);
        QVERIFY(hescape::test::near(colourAt(v, QPointF(150, 150)), kQuadrant[0]));
        // Drag left by 200 px -> the view moves right by 200 slide px.
        QTest::mousePress(&v, Qt::LeftButton, {}, QPoint(250, 150));
        for (int i = 1; i <= 10; ++i) QTest::mouseMove(&v, QPoint(250 - 20 * i, 150));
        QTest::mouseRelease(&v, Qt::LeftButton, {}, QPoint(50, 150));
        QCOMPARE(v.center(), QPointF(1224, 1024));
        // Jump to the green quadrant and check the boundary lands where expected.
        v.centerOn(QPointF(kSize / 2.0, 1024));
        QTRY_VERIFY_WITH_TIMEOUT(v.isFullyLoaded(), 10000);
        QVERIFY(hescape::test::near(colourAt(v, QPointF(100, 150)), kQuadrant[0]));
        QVERIFY(hescape::test::near(colourAt(v, QPointF(200, 150)), kQuadrant[1]));
        // Keyboard: arrows pan, F fits, 1 goes to actual pixels.
        const QPointF c = v.center();
        QTest::keyClick(&v, Qt::Key_Right);
        QVERIFY(v.center().x() > c.x());
        QTest::keyClick(&v, Qt::Key_F);
        QCOMPARE(v.center(), QPointF(kSize / 2.0, kSize / 2.0));
        QVERIFY(v.downsample() > 10);
        QTest::keyClick(&v, Qt::Key_1);
        QCOMPARE(v.downsample(), 1.0);
    }

    void coarseLevelsFillInWhileFineTilesLoad() {
        SlideView v;
        v.resize(300, 300);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        v.setSlide(open(), SlideTileCache::Options{std::size_t{64} << 20, 1, 256});
        QTRY_VERIFY_WITH_TIMEOUT(v.isFullyLoaded(), 10000);
        // Jump to full resolution somewhere new and look at once: wherever the
        // level-0 tiles are not there yet, coarser levels must cover the view.
        v.setView(QPointF(3000, 3000), 1.0);
        const QImage img = v.grabFramebuffer();
        int wrong = 0;
        for (int y = 10; y < 300; y += 40)
            for (int x = 10; x < 300; x += 40)
                wrong += !hescape::test::near(img.pixelColor(x, y), expectedAt(v, QPointF(x, y)), 40);
        QCOMPARE(wrong, 0);
    }

    void minimapNavigatesAndOverlaysArePainted() {
        SlideView v;
        v.resize(500, 400);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        v.setSlide(open());
        v.setView(QPointF(500, 500), 1.0);
        const QRectF mini = v.minimapRect();
        QVERIFY(!mini.isEmpty());
        QTest::mouseClick(&v, Qt::LeftButton, {}, mini.center().toPoint());
        QVERIFY(QLineF(v.center(), QPointF(kSize / 2.0, kSize / 2.0)).length() < kSize / mini.width() + 1);
        // The scale bar: 0.5 um/px at downsample 1 -> a nice length between 50 and 150 widget px.
        const auto bar = v.scaleBar();
        QVERIFY(bar.has_value());
        QVERIFY(bar->pixels >= 50 && bar->pixels <= 150);
        QCOMPARE(bar->micrometres, 50.0);
        QCOMPARE(bar->label, QStringLiteral("50 \u00B5m"));
        // grab() composites the overlay: the minimap frame is painted (dark
        // border pixel) and the scale bar box is near-white where the tissue is red.
        QTRY_VERIFY_WITH_TIMEOUT(v.isFullyLoaded(), 10000);
        const QImage shot = v.grab().toImage();
        int darkest = 255;  // the antialiased 1-px frame may straddle two pixels
        for (int x = static_cast<int>(mini.left()) - 4; x <= static_cast<int>(mini.left()); ++x) {
            darkest = std::min(darkest, shot.pixelColor(x, static_cast<int>(mini.center().y())).lightness());
        }
        QVERIFY2(darkest < 110, qPrintable(QString::number(darkest)));
        const QColor barBox = shot.pixelColor(QPoint(16, v.height() - 40));
        QVERIFY2(barBox.lightness() > 200, qPrintable(barBox.name()));
        const QColor barLine = shot.pixelColor(QPoint(static_cast<int>(20 + bar->pixels / 2), v.height() - 21));
        QVERIFY2(barLine.lightness() < 60, qPrintable(barLine.name()));
    }

    void slideWithoutMppShowsPixelScale() {
        QTemporaryDir d;
        const QString png = d.filePath("plain.png");
        QImage img(600, 400, QImage::Format_RGB32);
        img.fill(kQuadrant[2]);
        QVERIFY(img.save(png));
        SlideView v;
        v.resize(300, 300);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        auto slide = std::shared_ptr<Slide>(openSlide(png.toStdString()));
        v.setSlide(slide);
        QVERIFY(!v.scaleBar().has_value());
        QTRY_VERIFY_WITH_TIMEOUT(v.isFullyLoaded(), 10000);
        QVERIFY(hescape::test::near(colourAt(v, QPointF(150, 150)), kQuadrant[2], 4));
        slide->setMicronsPerPixel(MicronsPerPixel{2.0, 2.0});
        QVERIFY(v.scaleBar().has_value());
    }

    // The rendering changes: the old tiles stay on screen (never the
    // background) until the new ones are decoded, then the new colour shows.
    void refreshTilesSwapsInNewRendering() {
        auto slide = std::make_shared<hescape::test::FillSlide>("/synthetic/colour.slide", 1024);
        slide->rgb = 0xdc1e1e;  // (220, 30, 30)
        SlideView v;
        v.resize(300, 300);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        v.setSlide(slide, SlideTileCache::Options{std::size_t{64} << 20, 1, 256});
        QTRY_VERIFY_WITH_TIMEOUT(v.isFullyLoaded(), 10000);
        const QPointF points[] = {QPointF(150, 150), v.slideToWidget(QPointF(100, 100)), v.slideToWidget(QPointF(900, 950))};
        for (const QPointF p : points) QVERIFY(hescape::test::near(colourAt(v, p), QColor(220, 30, 30), 4));
        const auto decoded = v.tileCache()->stats().decoded;

        slide->holdReads();
        slide->rgb = 0x14c83c;  // (20, 200, 60)
        v.refreshTiles();
        for (int frame = 0; frame < 4; ++frame) {
            QTest::qWait(40);
            QVERIFY(!v.isFullyLoaded());
            for (const QPointF p : points) {
                const QColor got = colourAt(v, p);
                QVERIFY2(hescape::test::near(got, QColor(220, 30, 30), 4), qPrintable(got.name()));
            }
        }
        slide->releaseReads();
        QTRY_VERIFY_WITH_TIMEOUT(hescape::test::near(colourAt(v, QPointF(150, 150)), QColor(20, 200, 60), 4), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(v.isFullyLoaded(), 10000);
        for (const QPointF p : points) QVERIFY(hescape::test::near(colourAt(v, p), QColor(20, 200, 60), 4));
        // Every tile on screen was decoded again (16 at this zoom).
        QVERIFY2(v.tileCache()->stats().decoded >= decoded + 16, qPrintable(QString::number(v.tileCache()->stats().decoded)));
    }

    void setSlideNullClears() {
        SlideView v;
        v.resize(200, 200);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        v.setSlide(open());
        v.setSlide(nullptr);
        QVERIFY(v.slide() == nullptr);
        QVERIFY(!v.isFullyLoaded());
        const QImage img = v.grabFramebuffer();
        QVERIFY(!hescape::test::near(img.pixelColor(100, 100), kQuadrant[0], 60));
    }
};

int main(int argc, char** argv) {
    hescape::setDefaultGlSurfaceFormat();
    QApplication app(argc, argv);
    TestSlideView t;
    return QTest::qExec(&t, argc, argv);
}

#include "test_slideview.moc"
