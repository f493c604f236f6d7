// The all-sections grid (SectionGridView) as a user meets it: panels at one
// scale, one colour for one value in every panel (read back from the pixels
// on screen and in the exported PNG), hover, click, shift-click and
// rubber-band selection by (panel, spot), and the SVG figure's legend and
// scale bar as vectors. Shown in a window: run under xvfb-run.
#include "core/render/Colormap.h"
#include "tests/widgets/SvgTestReader.h"
#include "widgets/spatial/SectionGridView.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>

using namespace hescape;

namespace {

SectionPanel panel(const QString& title, double w, double h, std::vector<float> xy, double radius) {
    SectionPanel p;
    p.title = title;
    p.image = QImage(64, 32, QImage::Format_RGB32);
    p.image.fill(Qt::white);
    p.width = w;
    p.height = h;
    p.xy = std::move(xy);
    p.radius = radius;
    return p;
}

bool near(QColor a, QColor b, int tol = 3) {
    return std::abs(a.red() - b.red()) <= tol && std::abs(a.green() - b.green()) <= tol && std::abs(a.blue() - b.blue()) <= tol;
}

QColor viridis(double t) {
    const auto c = colormapColor(ColormapId::Viridis, t);
    return QColor(c[0], c[1], c[2]);
}

}  // namespace

class TestSectionGridView : public QObject {
    Q_OBJECT

private:
    // Two sections in um: A 2000 x 1000 with three spots, B 1000 x 1000 with two.
    static void fill(SectionGridView& v) {
        std::vector<SectionPanel> panels;
        panels.push_back(panel("A", 2000, 1000, {400, 500, 1000, 500, 1600, 500}, 60));
        panels.push_back(panel("B", 1000, 1000, {300, 300, 700, 700}, 60));
        v.setPanels(std::move(panels), true);
        // One shared scale 0..10: A holds 0, 5, 10; B holds 5 and NaN.
        v.setValues({{0, 5, 10}, {5, std::nanf("")}}, ColormapId::Viridis, 0, 10, "ERBB2 (log1p)");
    }

private Q_SLOTS:
    void oneScaleAndOneColourForOneValue() {
        SectionGridView v;
        v.resize(900, 500);
        fill(v);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        // One scale: B's panel is half as wide as A's and as tall.
        const QRectF a = v.panelRect(0), b = v.panelRect(1);
        QVERIFY(std::abs(b.width() - a.width() / 2) < 1e-6);
        QVERIFY(std::abs(b.height() - a.height()) < 1e-6);
        const QImage shown = v.grab().toImage();
        const auto colourAt = [&](const QImage& img, int p, int s, double scale) {
            const QPointF at = *v.spotPosition(p, s) * scale;
            return img.pixelColor(qRound(at.x()), qRound(at.y()));
        };
        QVERIFY(near(colourAt(shown, 0, 0, 1), viridis(0)));
        QVERIFY(near(colourAt(shown, 0, 2, 1), viridis(1)));
        // 5 is the same colour in both sections; NaN is grey.
        QVERIFY(near(colourAt(shown, 0, 1, 1), viridis(0.5)));
        QVERIFY(near(colourAt(shown, 1, 0, 1), viridis(0.5)));
        QVERIFY(near(colourAt(shown, 1, 1, 1), QColor(170, 170, 176)));
        QCOMPARE(v.colourOf(5), viridis(0.5));
        // The exported PNG is the same picture at twice the size.
        QTemporaryDir dir;
        QCOMPARE(v.exportFigure(dir.filePath("grid.png")), QString());
        const QImage png(dir.filePath("grid.png"));
        QCOMPARE(png.size(), v.size() * 2);
        QVERIFY(near(colourAt(png, 0, 2, 2), viridis(1)));
        QVERIFY(near(colourAt(png, 1, 0, 2), viridis(0.5)));
    }

    void hoverClickShiftClickAndBand() {
        SectionGridView v;
        v.resize(900, 500);
        fill(v);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        QSignalSpy hovered(&v, &SectionGridView::spotHovered);
        QSignalSpy selected(&v, &SectionGridView::selectionChanged);
        QTest::mouseMove(&v, v.spotPosition(1, 1)->toPoint());
        QTRY_VERIFY(!hovered.isEmpty());
        QCOMPARE(hovered.last().at(0).toInt(), 1);
        QCOMPARE(hovered.last().at(1).toLongLong(), 1);
        QTest::mouseClick(&v, Qt::LeftButton, {}, v.spotPosition(0, 1)->toPoint());
        QCOMPARE(selected.size(), 1);
        QCOMPARE(v.selection()[0], (std::vector<std::int64_t>{1}));
        QVERIFY(v.selection()[1].empty());
        QTest::mouseClick(&v, Qt::LeftButton, Qt::ShiftModifier, v.spotPosition(1, 0)->toPoint());
        QCOMPARE(v.selection()[0], (std::vector<std::int64_t>{1}));
        QCOMPARE(v.selection()[1], (std::vector<std::int64_t>{0}));
        // A band around A's first two spots replaces the selection with them.
        const QPointF from = *v.spotPosition(0, 0) - QPointF(10, 10), to = *v.spotPosition(0, 1) + QPointF(10, 10);
        QTest::mousePress(&v, Qt::LeftButton, {}, from.toPoint());
        QMouseEvent move(QEvent::MouseMove, to, v.mapToGlobal(to), Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&v, &move);
        QTest::mouseRelease(&v, Qt::LeftButton, {}, to.toPoint());
        QCOMPARE(v.selection()[0], (std::vector<std::int64_t>{0, 1}));
        QVERIFY(v.selection()[1].empty());
        // A click away from every spot clears it; so does Esc.
        QVERIFY(!v.spotAt(v.panelRect(0).topLeft() + QPointF(3, 3)).has_value());
        QTest::mouseClick(&v, Qt::LeftButton, {}, (v.panelRect(0).topLeft() + QPointF(3, 3)).toPoint());
        QVERIFY(v.selection()[0].empty() && v.selection()[1].empty());
        v.setSelection({{2}, {1}});
        QTest::keyClick(&v, Qt::Key_Escape);
        QVERIFY(v.selection()[0].empty() && v.selection()[1].empty());
        QVERIFY(!v.spotAt(QPointF(2, 2)).has_value());
    }

    void svgFigureHasLegendAndScaleBarAsVectors() {
        SectionGridView v;
        v.resize(900, 500);
        fill(v);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        QTemporaryDir dir;
        const QString path = dir.filePath("grid.svg");
        QCOMPARE(v.exportFigure(path), QString());
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QString error;
        const auto els = hescape::test::parseSvg(f.readAll(), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(hescape::test::all(els, "image").size(), std::size_t{1});
        QStringList texts;
        for (const auto* t : hescape::test::all(els, "text")) texts << t->text;
        QVERIFY2(texts.contains("ERBB2 (log1p)"), qPrintable(texts.join('|')));
        QVERIFY(texts.contains("0") && texts.contains("10"));
        // The scale bar: a third of the widest panel (2000 um) rounded down to 5/2/1 x 10^k = 500 um.
        QVERIFY2(texts.contains(QString::fromUtf8("500 \u00B5m")), qPrintable(texts.join('|')));
        // An unwritable path names the file.
        QVERIFY(v.exportFigure(dir.filePath("no/such/dir/grid.png")).contains("grid.png"));
    }
};

QTEST_MAIN(TestSectionGridView)
#include "test_section_grid_view.moc"
