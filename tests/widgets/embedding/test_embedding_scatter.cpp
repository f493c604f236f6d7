// EmbeddingScatterView under a real GL context (xvfb + xcb): points of known
// colours render at positions predicted independently (by the 2-D camera fit
// and by VTK's own WorldToDisplay), the legend is in grab(), hidden
// categories vanish and are never lasso-selected or hovered, programmatic and
// mouse lassos select exactly the expected points, hover and double-click
// report the point under the cursor, selection dims the others, links draw.
#include "core/render/Colormap.h"
#include "widgets/GlSurfaceFormat.h"
#include "tests/widgets/SvgTestReader.h"
#include "widgets/embedding/EmbeddingScatterView.h"

#include <QOpenGLContext>
#include <QSignalSpy>
#include <QWheelEvent>
#include <QtTest/QtTest>

#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkRendererCollection.h>

#include <cmath>
#include <limits>

using namespace hescape;

namespace {

bool near(QColor a, QColor b, int tol = 6) {
    return std::abs(a.red() - b.red()) <= tol && std::abs(a.green() - b.green()) <= tol &&
           std::abs(a.blue() - b.blue()) <= tol;
}

QColor qc(std::array<std::uint8_t, 4> c) { return QColor(c[0], c[1], c[2]); }

// The lowest lightness in the 3 x 3 pixels around p (thin lines may fall a pixel off).
int darkestNear(const QImage& img, QPointF p) {
    int best = 255;
    for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) best = std::min(best, img.pixelColor(p.toPoint() + QPoint(dx, dy)).lightness());
    return best;
}

// Where VTK itself puts a world point, converted to widget pixels (top-left origin).
QPointF vtkWidgetPos(EmbeddingScatterView& v, double x, double y, double z) {
    vtkRenderer* r = v.renderWindow()->GetRenderers()->GetFirstRenderer();
    r->SetWorldPoint(x, y, z, 1.0);
    r->WorldToDisplay();
    double d[3];
    r->GetDisplayPoint(d);
    const double dpr = v.devicePixelRatioF();
    return QPointF(d[0] / dpr, v.height() - d[1] / dpr);
}

// A 10 x 10 grid of points at integer coordinates 0..9; category = column % 3.
struct Grid {
    std::vector<float> xy;
    std::vector<int> codes;
};
Grid makeGrid() {
    Grid g;
    for (int r = 0; r < 10; ++r)
        for (int c = 0; c < 10; ++c) {
            g.xy.push_back(static_cast<float>(c));
            g.xy.push_back(static_cast<float>(r));
            g.codes.push_back(c % 3);
        }
    return g;
}

}  // namespace

class TestEmbeddingScatter : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QOpenGLContext probe;
        if (!probe.create()) QSKIP("no OpenGL context on this platform (run under xvfb-run)");
    }

    void coloursPositionsAndLegend() {
        EmbeddingScatterView v;
        v.resize(400, 300);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        // Five points: four corners of a 10 x 10 square and its centre.
        const std::vector<float> xy = {0, 0, 10, 0, 0, 10, 10, 10, 5, 5};
        QVERIFY(v.setPoints(xy, 2));
        QVERIFY(!v.setPoints({1, 2, 3}, 2));  // size not a multiple of dims
        QCOMPARE(v.pointCount(), std::int64_t(5));
        v.setPointSize(8);
        QVERIFY(v.setCategories({0, 1, 2, 3, 4}, {"tumour", "stroma", "immune", "normal", "fat"}, "cell type"));

        // Independent prediction of the 2-D fit: the data centre at the widget
        // centre, the 10-unit height spanning the widget height / 1.05
        // (the width fits easily at 4:3), y up.
        const double pxPerUnit = 300.0 / (1.05 * 10.0);
        auto expected = [&](int i) {
            return QPointF(200 + (xy[2 * i] - 5) * pxPerUnit, 150 - (xy[2 * i + 1] - 5) * pxPerUnit);
        };
        QTRY_VERIFY(v.grabFramebuffer().pixelColor(expected(4).toPoint()) != QColor(252, 252, 253));
        const QImage img = v.grabFramebuffer();
        for (int i = 0; i < 5; ++i) {
            const QPointF e = expected(i);
            const auto p = v.projectedPosition(i);
            QVERIFY(p);
            QVERIFY2(QLineF(*p, e).length() < 1.0, qPrintable(QString("point %1: %2,%3 vs %4,%5").arg(i)
                                                                .arg(p->x()).arg(p->y()).arg(e.x()).arg(e.y())));
            // VTK's own world -> display transform agrees too.
            QVERIFY(QLineF(*p, vtkWidgetPos(v, xy[2 * i], xy[2 * i + 1], 0)).length() < 1.0);
            const QColor got = img.pixelColor(e.toPoint());
            QVERIFY2(near(got, qc(categoryColor(i))), qPrintable(QString("point %1 is %2, expected %3").arg(i)
                                                                   .arg(got.name(), qc(categoryColor(i)).name())));
            QCOMPARE(v.pointColor(i), qc(categoryColor(i)));
        }
        // Between the points there is only background.
        QCOMPARE(img.pixelColor(QPointF(200, 150 - 2.5 * pxPerUnit).toPoint()), QColor(252, 252, 253));
        QCOMPARE(img.pixelColor(QPointF(200 + 2.5 * pxPerUnit, 150).toPoint()), QColor(252, 252, 253));

        // The legend is drawn on top (grab() includes the overlay): a swatch
        // of each category's colour inside the legend frame.
        const QRectF legend = v.legendRect();
        QVERIFY(!legend.isEmpty());
        QVERIFY(legend.right() <= v.width() && legend.top() >= 0);
        const QImage shot = v.grab().toImage();
        for (int c = 0; c < 5; ++c) {
            bool found = false;
            for (int y = int(legend.top()); y < int(legend.bottom()) && !found; ++y)
                for (int x = int(legend.left()); x < int(legend.left()) + 30 && !found; ++x)
                    found = near(shot.pixelColor(x, y), qc(categoryColor(c)), 3);
            QVERIFY2(found, qPrintable(QString("no swatch of category %1 in the legend").arg(c)));
        }
        if (qEnvironmentVariableIsSet("HESCAPE_SHOT_DIR"))
            shot.save(qEnvironmentVariable("HESCAPE_SHOT_DIR") + "/scatter_small.png");

        // Hiding a category removes its point from the picture.
        QSignalSpy vis(&v, &EmbeddingScatterView::categoryVisibilityChanged);
        v.setCategoryVisible(1, false);
        QCOMPARE(vis.count(), 1);
        QVERIFY(!v.isPointVisible(1));
        QTRY_COMPARE(v.grabFramebuffer().pixelColor(expected(1).toPoint()), QColor(252, 252, 253));
        QVERIFY(near(v.grabFramebuffer().pixelColor(expected(0).toPoint()), qc(categoryColor(0))));
        // A click on the legend entry shows it again.
        const QRectF row = v.legendEntryRect(1);
        QVERIFY(!row.isEmpty() && v.legendRect().contains(row));
        QTest::mouseClick(&v, Qt::LeftButton, {}, row.center().toPoint());
        QVERIFY2(v.isCategoryVisible(1), "click on the legend row did not toggle the category");

        // Colouring by value: viridis ends at lo and hi, NaN grey.
        QVERIFY(v.setValues({0.0f, 1.0f, 0.5f, std::numeric_limits<float>::quiet_NaN(), 2.0f}, "viridis", 0, 1, "ERBB2"));
        QVERIFY(!v.setValues({1, 2}, "viridis", 0, 1));
        QVERIFY(!v.setValues({0, 0, 0, 0, 0}, "no-such-map", 0, 1));
        QTRY_VERIFY(near(v.grabFramebuffer().pixelColor(expected(0).toPoint()), qc(colormapColor(ColormapId::Viridis, 0))));
        const QImage values = v.grabFramebuffer();
        QVERIFY(near(values.pixelColor(expected(1).toPoint()), qc(colormapColor(ColormapId::Viridis, 1))));
        QVERIFY(near(values.pixelColor(expected(2).toPoint()), qc(colormapColor(ColormapId::Viridis, 0.5)), 8));
        QVERIFY(near(values.pixelColor(expected(3).toPoint()), QColor(153, 153, 153)));
        QVERIFY(near(values.pixelColor(expected(4).toPoint()), qc(colormapColor(ColormapId::Viridis, 1))));
        // The colour bar: viridis' top (hi) colour near its top.
        const QRectF bar = v.legendRect();
        QVERIFY(!bar.isEmpty());
        const QImage barShot = v.grab().toImage();
        bool top = false;
        for (int y = int(bar.top()); y < int(bar.top()) + 40 && !top; ++y)
            top = near(barShot.pixelColor(int(bar.left()) + 14, y), qc(colormapColor(ColormapId::Viridis, 1)), 12);
        QVERIFY2(top, "no colour bar in the legend");
    }

    void selectionDimsAndOutlinesAndLinks() {
        EmbeddingScatterView v;
        v.resize(400, 300);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        const std::vector<float> xy = {0, 0, 10, 0, 0, 10, 10, 10, 5, 5};
        QVERIFY(v.setPoints(xy, 2));
        v.setPointSize(8);
        v.setUniformColor(QColor(200, 30, 30));
        QSignalSpy changed(&v, &EmbeddingScatterView::selectionChanged);
        v.setSelection({4, 4, 99, -1});
        QCOMPARE(v.selection(), (std::vector<std::int64_t>{4}));
        QCOMPARE(changed.count(), 1);
        v.setSelection({4});  // unchanged: no signal
        QCOMPARE(changed.count(), 1);
        const QPointF sel = *v.projectedPosition(4), other = *v.projectedPosition(0);
        QTRY_VERIFY(!near(v.grabFramebuffer().pixelColor(other.toPoint()), QColor(200, 30, 30), 20));
        QImage img = v.grabFramebuffer();
        QVERIFY2(near(img.pixelColor(sel.toPoint()), QColor(200, 30, 30)), qPrintable(img.pixelColor(sel.toPoint()).name()));
        // Unselected: 30% of its colour over the background.
        const QColor dim = img.pixelColor(other.toPoint());
        QVERIFY2(near(dim, QColor(236, 185, 186), 4), qPrintable(dim.name()));
        if (qEnvironmentVariableIsSet("HESCAPE_SHOT_DIR"))
            v.grab().save(qEnvironmentVariable("HESCAPE_SHOT_DIR") + "/scatter_selection.png");
        // The outline: dark just outside the selected point's fill (fill 8 + 3 px, outline 8 + 8 px).
        QVERIFY(img.pixelColor(QPointF(sel.x() + 6.5, sel.y()).toPoint()).lightness() < 80);
        QVERIFY(img.pixelColor(QPointF(other.x() + 6.5, other.y()).toPoint()).lightness() > 200);

        // A link between points 0 and 3 crosses the centre diagonal.
        v.clearSelection();
        QCOMPARE(changed.count(), 2);
        v.setLinks({{0, 3}, {1, 77}});
        QCOMPARE(v.linkCount(), std::size_t(1));
        const QPointF a = *v.projectedPosition(0), b = *v.projectedPosition(3);
        const QPointF quarter = a + 0.25 * (b - a);
        QTRY_VERIFY(darkestNear(v.grabFramebuffer(), quarter) < 160);
        v.clearLinks();
        QTRY_VERIFY(darkestNear(v.grabFramebuffer(), quarter) > 245);
    }

    void lassoSelectsExpectedPoints() {
        EmbeddingScatterView v;
        v.resize(400, 400);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        const Grid g = makeGrid();
        QVERIFY(v.setPoints(g.xy, 2));
        QVERIFY(v.setCategories(g.codes, {"a", "b", "c"}));
        v.setCategoryVisible(1, false);  // columns 1, 4, 7

        // A triangle in data coordinates with every grid point at least 0.25
        // units from its edges; mapped to widget pixels with VTK's transform.
        const QPolygonF world({QPointF(-0.5, -0.5), QPointF(8.75, -0.5), QPointF(-0.5, 8.75)});
        QPolygonF widget;
        for (const QPointF& p : world) widget << vtkWidgetPos(v, p.x(), p.y(), 0);
        std::vector<std::int64_t> expected;
        for (std::int64_t i = 0; i < 100; ++i) {
            const QPointF p(g.xy[2 * i], g.xy[2 * i + 1]);
            if (world.containsPoint(p, Qt::OddEvenFill) && g.codes[i] != 1) expected.push_back(i);
        }
        QVERIFY(expected.size() > 10);
        QSignalSpy changed(&v, &EmbeddingScatterView::selectionChanged);
        v.selectInPolygon(widget);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(v.selection(), expected);

        // The same lasso drawn with the mouse (Shift + left drag).
        v.clearSelection();
        QVERIFY(v.selection().empty());
        changed.clear();
        QTest::mousePress(&v, Qt::LeftButton, Qt::ShiftModifier, widget[0].toPoint());
        for (int k = 1; k <= 3; ++k) {
            const QPointF from = widget[k - 1], to = widget[k % 3];
            for (int s = 1; s <= 10; ++s) QTest::mouseMove(&v, (from + (to - from) * (s / 10.0)).toPoint());
        }
        QTest::mouseRelease(&v, Qt::LeftButton, Qt::ShiftModifier, widget[0].toPoint());
        QCOMPARE(changed.count(), 1);
        QCOMPARE(v.selection(), expected);

        // After zooming and panning the same world triangle still selects the same points.
        v.clearSelection();
        QTest::mousePress(&v, Qt::LeftButton, {}, QPoint(200, 200));
        QTest::mouseMove(&v, QPoint(230, 190));
        QTest::mouseRelease(&v, Qt::LeftButton, {}, QPoint(230, 190));
        QWheelEvent wheel(QPointF(150, 250), v.mapToGlobal(QPointF(150, 250)), {}, QPoint(0, 120), Qt::NoButton,
                          Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(&v, &wheel);
        QPolygonF moved;
        for (const QPointF& p : world) moved << vtkWidgetPos(v, p.x(), p.y(), 0);
        QVERIFY(QLineF(moved[0], widget[0]).length() > 10);  // the camera did move
        v.selectInPolygon(moved);
        QCOMPARE(v.selection(), expected);

        // 3-D: perspective projection agrees with VTK's and the lasso uses it.
        std::vector<float> xyz;
        for (std::int64_t i = 0; i < 100; ++i) {
            xyz.push_back(g.xy[2 * i]);
            xyz.push_back(g.xy[2 * i + 1]);
            xyz.push_back(static_cast<float>(i % 5) * 0.5f);
        }
        QVERIFY(v.setPoints(xyz, 3));
        QVERIFY(v.selection().empty());
        for (std::int64_t i : {0, 37, 99}) {
            const auto p = v.projectedPosition(i);
            QVERIFY(p);
            QVERIFY(QLineF(*p, vtkWidgetPos(v, xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2])).length() < 0.5);
        }
        QPolygonF box;
        const QPointF p0 = *v.projectedPosition(0);
        box << p0 + QPointF(-4, -4) << p0 + QPointF(4, -4) << p0 + QPointF(4, 4) << p0 + QPointF(-4, 4);
        v.selectInPolygon(box);
        QCOMPARE(v.selection(), (std::vector<std::int64_t>{0}));
    }

    void hoverAndActivate() {
        EmbeddingScatterView v;
        v.resize(400, 400);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        const Grid g = makeGrid();
        QVERIFY(v.setPoints(g.xy, 2));
        QVERIFY(v.setCategories(g.codes, {"a", "b", "c"}));
        QSignalSpy hovered(&v, &EmbeddingScatterView::pointHovered);
        QSignalSpy activated(&v, &EmbeddingScatterView::pointActivated);

        const std::int64_t target = 4 * 10 + 6;  // row 4, column 6
        const QPointF at = *v.projectedPosition(target);
        QTest::mouseMove(&v, (at + QPointF(2, -1)).toPoint());
        QVERIFY(!hovered.isEmpty());
        QCOMPARE(hovered.last().at(0).toLongLong(), target);
        QCOMPARE(v.pointAt(at), std::optional<std::int64_t>(target));
        // Halfway between two points (more than 6 px from each): nothing.
        const QPointF gap = (at + *v.projectedPosition(target + 1)) / 2 + QPointF(0, 0.5 * (v.projectedPosition(target + 10)->y() - at.y()));
        QTest::mouseMove(&v, gap.toPoint());
        QCOMPARE(hovered.last().at(0).toLongLong(), qint64(-1));
        // Hidden categories are not hovered (column 7 is category 1).
        v.setCategoryVisible(1, false);
        const QPointF hiddenAt = *v.projectedPosition(target + 1);
        QTest::mouseMove(&v, hiddenAt.toPoint());
        QCOMPARE(hovered.last().at(0).toLongLong(), qint64(-1));
        QVERIFY(!v.pointAt(hiddenAt));

        QTest::mouseDClick(&v, Qt::LeftButton, {}, at.toPoint());
        QCOMPARE(activated.count(), 1);
        QCOMPARE(activated.last().at(0).toLongLong(), target);
        // A plain click on a point selects it alone; Esc clears.
        QTest::mouseClick(&v, Qt::LeftButton, {}, at.toPoint());
        QCOMPARE(v.selection(), (std::vector<std::int64_t>{target}));
        QTest::keyClick(&v, Qt::Key_Escape);
        QVERIFY(v.selection().empty());
    }

    void svgHasEveryDrawnPointAndTheLegend() {
        EmbeddingScatterView v;
        v.resize(420, 360);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        const Grid g = makeGrid();
        QVERIFY(v.setPoints(g.xy, 2));
        QVERIFY(v.setCategories(g.codes, {"a", "b", "c"}, "section"));
        v.setCategoryVisible(1, false);
        v.setSelection({0, 3});
        QString error;
        const auto els = hescape::test::parseSvg(v.toSvg(), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(els.front().attrs.at("viewBox"), QStringLiteral("0 0 420 360"));
        // One circle per drawn point (category 1 hidden: 30 of the 100 left out), where and as the view draws it.
        const auto circles = hescape::test::all(els, "circle", "embedding-points");
        QCOMPARE(circles.size(), std::size_t{70});
        std::size_t k = 0;
        for (std::int64_t i = 0; i < 100; ++i) {
            if (!v.isPointVisible(i)) continue;
            const auto at = v.projectedPosition(i);
            QVERIFY(at.has_value());
            const auto* c = circles[k++];
            QVERIFY(std::abs(c->num("cx") - at->x()) < 0.01 && std::abs(c->num("cy") - at->y()) < 0.01);
            QCOMPARE(c->num("r"), v.pointSize() / 2.0);
            // As on screen: the selected points in their colours, the others dimmed towards the background.
            const QColor fill(c->attrs.at("fill"));
            if (i == 0 || i == 3) QCOMPARE(fill, v.pointColor(i));
            else QVERIFY2(fill.lightness() > v.pointColor(i).lightness(), qPrintable(fill.name() + " " + v.pointColor(i).name()));
        }
        QCOMPARE(hescape::test::all(els, "circle", "embedding-selection").size(), std::size_t{2});  // 0 and 3, both shown
        // The legend: title and the three names; the hidden category's swatch is an outline.
        QStringList texts;
        for (const auto* t : hescape::test::all(els, "text", "embedding-legend")) texts << t->text;
        QCOMPARE(texts, (QStringList{"section", "a", "b", "c"}));
        const auto swatches = hescape::test::all(els, "rect", "embedding-legend");
        QCOMPARE(swatches.size(), std::size_t{4});  // frame + 3
        QCOMPARE(swatches[2]->attrs.at("fill"), QStringLiteral("none"));
        const auto c0 = categoryColor(0);
        QCOMPARE(swatches[1]->attrs.at("fill"), QColor(c0[0], c0[1], c0[2]).name());
        QVERIFY(std::abs(swatches[0]->num("x") - v.legendRect().x()) < 0.01);

        // Values: a vertical gradient through the colormap, low at the bottom, and the range labels.
        std::vector<float> values(100);
        for (int i = 0; i < 100; ++i) values[static_cast<std::size_t>(i)] = static_cast<float>(i);
        QVERIFY(v.setValues(values, "magma", 0, 99, "ERBB2"));
        const auto valued = hescape::test::parseSvg(v.toSvg(), &error);
        const auto stops = hescape::test::all(valued, "stop");
        QCOMPARE(stops.size(), std::size_t{33});
        const auto lo = colormapColor(ColormapId::Magma, 0.0);
        QCOMPARE(stops.front()->attrs.at("stop-color"), QColor(lo[0], lo[1], lo[2]).name());
        const auto* gradient = hescape::test::all(valued, "linearGradient").front();
        QCOMPARE(gradient->attrs.at("y1"), QStringLiteral("1"));
        QStringList labels;
        for (const auto* t : hescape::test::all(valued, "text", "embedding-legend")) labels << t->text;
        QCOMPARE(labels, (QStringList{"ERBB2", "99", "0"}));
        QCOMPARE(hescape::test::all(valued, "circle", "embedding-points").size(), std::size_t{100});

        // Zoomed in: only the points inside the view are written, and the group is clipped to it.
        for (int i = 0; i < 4; ++i) {
            QWheelEvent wheel(QPointF(100, 100), v.mapToGlobal(QPointF(100, 100)), {}, QPoint(0, 120), Qt::NoButton, {},
                              Qt::NoScrollPhase, false);
            QCoreApplication::sendEvent(&v, &wheel);
        }
        std::size_t inView = 0;
        for (std::int64_t i = 0; i < 100; ++i) {
            const auto at = v.projectedPosition(i);
            if (at && QRectF(0, 0, v.width(), v.height()).contains(*at)) ++inView;
        }
        QVERIFY(inView > 0 && inView < 100);
        const auto zoomed = hescape::test::parseSvg(v.toSvg(), &error);
        const auto zoomedCircles = hescape::test::all(zoomed, "circle", "embedding-points");
        QVERIFY2(zoomedCircles.size() >= inView && zoomedCircles.size() < 100, qPrintable(QString::number(zoomedCircles.size())));
        QCOMPARE(hescape::test::all(zoomed, "g").front()->attrs.at("clip-path"), QStringLiteral("url(#embedding-clip)"));
    }

    // A large cloud through the same paths (colours, projection cache, hover),
    // checking results rather than time.
    void largeCloud() {
        EmbeddingScatterView v;
        v.resize(500, 400);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        const int n = static_cast<int>(EmbeddingScatterView::kMaxSvgPoints) + 1;
        std::vector<float> xy(2 * n);
        std::vector<float> values(n);
        for (int i = 0; i < n; ++i) {
            const double t = i * 0.0001;
            xy[2 * i] = static_cast<float>(std::cos(t * 7) * (1 + t));
            xy[2 * i + 1] = static_cast<float>(std::sin(t * 7) * (1 + t));
            values[i] = static_cast<float>(t);
        }
        QVERIFY(v.setPoints(xy, 2));
        QVERIFY(v.setValues(values, "magma", 0, 20, "t"));
        const QPointF p = *v.projectedPosition(n - 1);
        QCOMPARE(v.pointAt(p, 0.01), std::optional<std::int64_t>(n - 1));
        QTRY_VERIFY(near(v.grabFramebuffer().pixelColor(p.toPoint()), qc(colormapColor(ColormapId::Magma, 1)), 10));
        // One point too many for an SVG: none is written; with one hidden, it is.
        QVERIFY(v.toSvg().isEmpty());
        std::vector<int> codes(static_cast<std::size_t>(n), 0);
        codes[0] = 1;
        QVERIFY(v.setCategories(codes, {"most", "one"}));
        v.setCategoryVisible(1, false);
        QVERIFY(!v.toSvg().isEmpty());
    }
};

int main(int argc, char** argv) {
    hescape::setDefaultGlSurfaceFormat();
    QApplication app(argc, argv);
    TestEmbeddingScatter t;
    return QTest::qExec(&t, argc, argv);
}

#include "test_embedding_scatter.moc"
