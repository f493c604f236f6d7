// Spot overlay under a real GL context: spots of known values, placed through
// a known transform, render in the expected colormap colours at the expected
// screen positions (read back from the framebuffer); categorical colours,
// NaN as grey, outline mode, opacity off, hit-testing and the legend.
#include "core/render/Colormap.h"
#include "widgets/slideview/SlideView.h"

#include <QOpenGLContext>
#include <QSignalSpy>
#include "widgets/GlSurfaceFormat.h"
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>
#include <limits>

using namespace hescape;

namespace {

bool near(QColor a, std::array<std::uint8_t, 4> b, int tol = 6) {
    return std::abs(a.red() - b[0]) <= tol && std::abs(a.green() - b[1]) <= tol && std::abs(a.blue() - b[2]) <= tol;
}

QString name(std::array<std::uint8_t, 4> c) { return QColor(c[0], c[1], c[2]).name(); }

}  // namespace

class TestSpotOverlay : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString white_;

private Q_SLOTS:
    void initTestCase() {
        QOpenGLContext probe;
        if (!probe.create()) QSKIP("no OpenGL context on this platform (run under xvfb-run)");
        white_ = dir_.filePath("white.png");
        QImage img(1000, 1000, QImage::Format_RGB32);
        img.fill(Qt::white);
        QVERIFY(img.save(white_));
    }

    void continuousCategoricalNanOutline() {
        SlideView v;
        v.resize(400, 400);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        v.setSlide(std::shared_ptr<Slide>(openSlide(white_.toStdString())));
        QTRY_VERIFY_WITH_TIMEOUT(v.isFullyLoaded(), 10000);
        v.setMinimapVisible(false);
        // Data-set coordinates are in "micrometres"; the transform to slide
        // pixels is x2 and a shift of (100, 50): dataset (50, 75) -> slide (200, 200).
        const std::vector<std::pair<double, double>> dataset = {{50, 75}, {350, 75}, {200, 325}, {50, 400}};
        std::vector<float> xy;
        for (const auto& [x, y] : dataset) {
            xy.push_back(static_cast<float>(2 * x + 100));
            xy.push_back(static_cast<float>(2 * y + 50));
        }
        v.setSpots(xy, 40.0f);
        SpotStyle style;
        style.colormap = ColormapId::Viridis;
        style.vmin = 10;
        style.vmax = 20;
        style.opacity = 1.0f;
        v.setSpotValues({10.0f, 20.0f, std::numeric_limits<float>::quiet_NaN(), 15.0f}, style, {"ERBB2", {}});
        QImage img = v.grabFramebuffer();
        auto at = [&](int i) { return img.pixelColor(v.slideToWidget(QPointF(xy[2 * i], xy[2 * i + 1])).toPoint()); };
        QVERIFY2(near(at(0), colormapColor(ColormapId::Viridis, 0.0)), qPrintable(at(0).name() + " vs " + name(colormapColor(ColormapId::Viridis, 0.0))));
        QVERIFY2(near(at(1), colormapColor(ColormapId::Viridis, 1.0)), qPrintable(at(1).name()));
        QVERIFY2(near(at(2), {153, 153, 153, 255}), qPrintable(at(2).name()));
        QVERIFY2(near(at(3), colormapColor(ColormapId::Viridis, 0.5), 8), qPrintable(at(3).name()));
        // Just outside a spot's radius the slide (white) shows.
        const QPointF edge = v.slideToWidget(QPointF(xy[0] + 40 + 3 * v.downsample(), xy[1]));
        QCOMPARE(img.pixelColor(edge.toPoint()), QColor(Qt::white));

        // Changing the range moves colours without new data.
        style.vmin = 0;
        style.vmax = 40;
        v.setSpotStyle(style);
        img = v.grabFramebuffer();
        QVERIFY2(near(at(1), colormapColor(ColormapId::Viridis, 0.5), 8), qPrintable(at(1).name()));

        // Categorical: codes 0..3 map to the palette.
        style.colormap = ColormapId::Categorical;
        v.setSpotValues({0, 1, 2, 3}, style, {"region", {"tumour", "stroma", "immune", "fat"}});
        img = v.grabFramebuffer();
        for (int i = 0; i < 4; ++i) QVERIFY2(near(at(i), categoryColor(i)), qPrintable(QString::number(i) + at(i).name()));

        // Outline: the centre shows the slide, the rim the colour.
        style.outline = true;
        v.setSpotStyle(style);
        img = v.grabFramebuffer();
        QCOMPARE(at(0), QColor(Qt::white));
        const QPointF rim = v.slideToWidget(QPointF(xy[0] + 40 - 1.0 * v.downsample(), xy[1]));
        QVERIFY2(near(img.pixelColor(rim.toPoint()), categoryColor(0), 40), qPrintable(img.pixelColor(rim.toPoint()).name()));

        // Hidden: nothing drawn.
        style.visible = false;
        v.setSpotStyle(style);
        img = v.grabFramebuffer();
        QCOMPARE(at(1), QColor(Qt::white));

        // The slide layer: hidden shows the background, half opacity blends towards it.
        const QPointF mid = v.slideToWidget(QPointF(600, 600));
        v.setSlideVisible(false);
        img = v.grabFramebuffer();
        QCOMPARE(img.pixelColor(mid.toPoint()), QColor(236, 236, 240));
        v.setSlideVisible(true);
        v.setSlideOpacity(0.5f);
        img = v.grabFramebuffer();
        const QColor half = img.pixelColor(mid.toPoint());
        QVERIFY2(std::abs(half.red() - (255 + 236) / 2) <= 2 && std::abs(half.blue() - (255 + 240) / 2) <= 2, qPrintable(half.name()));
    }

    void hitTestingHoverClickAndLegend() {
        SlideView v;
        v.resize(400, 400);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        v.setSlide(std::shared_ptr<Slide>(openSlide(white_.toStdString())));
        v.setSpots({100, 100, 900, 900, 500, 500}, 30.0f);
        SpotStyle style;
        v.setSpotValues({1, 2, 3}, style, {"GRB7", {}});
        QCOMPARE(v.spotAt(v.slideToWidget(QPointF(505, 495))).value_or(-1), 2);
        QVERIFY(!v.spotAt(v.slideToWidget(QPointF(300, 300))).has_value());
        QSignalSpy hovered(&v, &SlideView::spotHovered);
        QSignalSpy clicked(&v, &SlideView::spotClicked);
        const QPoint p = v.slideToWidget(QPointF(100, 100)).toPoint();
        QTest::mouseMove(&v, p);
        QMouseEvent move(QEvent::MouseMove, QPointF(p), v.mapToGlobal(QPointF(p)), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&v, &move);
        QVERIFY(!hovered.isEmpty());
        QCOMPARE(hovered.last().first().toLongLong(), 0);
        QTest::mouseClick(&v, Qt::LeftButton, {}, p);
        QCOMPARE(clicked.size(), 1);
        QCOMPARE(clicked.first().first().toLongLong(), 0);
        // The legend is painted (grab includes the overlay child): its colour bar shows viridis' ends.
        const QRectF legend = v.legendRect();
        QVERIFY(!legend.isEmpty());
        const QImage shot = v.grab().toImage();
        const QColor left = shot.pixelColor(QPointF(legend.left() + 10, legend.top() + 30).toPoint());
        const QColor right = shot.pixelColor(QPointF(legend.right() - 10, legend.top() + 30).toPoint());
        QVERIFY2(near(left, colormapColor(ColormapId::Viridis, 0.0), 20), qPrintable(left.name()));
        QVERIFY2(near(right, colormapColor(ColormapId::Viridis, 1.0), 20), qPrintable(right.name()));
    }
    void lassoAndRectangleSelection() {
        SlideView v;
        v.resize(400, 400);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        v.setSlide(std::shared_ptr<Slide>(openSlide(white_.toStdString())));
        // A 5 x 5 grid of spots, 200 px apart, at 100..900.
        std::vector<float> xy;
        for (int r = 0; r < 5; ++r)
            for (int c = 0; c < 5; ++c) {
                xy.push_back(100.0f + 200.0f * c);
                xy.push_back(100.0f + 200.0f * r);
            }
        v.setSpots(xy, 20.0f);
        v.setSpotValues(std::vector<float>(25, 1.0f), SpotStyle{}, {"x", {}});
        QSignalSpy changed(&v, &SlideView::selectionChanged);
        // Programmatic triangle (level-0 px): contains (100,100), (300,100), (100,300) only.
        v.selectSpotsInPolygon(QPolygonF({QPointF(50, 50), QPointF(420, 50), QPointF(50, 420)}));
        QCOMPARE(v.selectedSpots(), (std::vector<std::int64_t>{0, 1, 5}));
        QCOMPARE(changed.size(), 1);
        // Ctrl+drag rectangle with the mouse around the middle row's three centre spots.
        const QPoint a = v.slideToWidget(QPointF(250, 450)).toPoint(), b = v.slideToWidget(QPointF(750, 550)).toPoint();
        QTest::mousePress(&v, Qt::LeftButton, Qt::ControlModifier, a);
        QTest::mouseMove(&v, (a + b) / 2);
        QTest::mouseMove(&v, b);
        QTest::mouseRelease(&v, Qt::LeftButton, Qt::ControlModifier, b);
        QCOMPARE(v.selectedSpots(), (std::vector<std::int64_t>{11, 12, 13}));
        // The selection rings are painted (a dark outline on the white slide
        // just outside spot 12, none around unselected spot 0).
        const QImage shot = v.grab().toImage();
        const double ring = std::max(20.0 / v.downsample(), 1.5) + 2.0;
        auto darkNear = [&](QPointF centre) {
            int dark = 0;
            for (int dx = -2; dx <= 2; ++dx) dark += shot.pixelColor(QPoint(int(centre.x() + ring) + dx, int(centre.y()))).lightness() < 110;
            return dark;
        };
        QVERIFY(darkNear(v.slideToWidget(QPointF(500, 500))) > 0);
        QCOMPARE(darkNear(v.slideToWidget(QPointF(100, 100))), 0);
        // Esc clears.
        QTest::keyClick(&v, Qt::Key_Escape);
        QVERIFY(v.selectedSpots().empty());
    }
};

int main(int argc, char** argv) {
    hescape::setDefaultGlSurfaceFormat();
    QApplication app(argc, argv);
    TestSpotOverlay t;
    return QTest::qExec(&t, argc, argv);
}

#include "test_spot_overlay.moc"
