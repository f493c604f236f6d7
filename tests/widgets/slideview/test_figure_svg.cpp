// SVG figures of the slide view (FigureSvg via SlideView::renderFigureSvg): the
// embedded image is the view, and the scale bar and legend are vector shapes
// at the places, lengths, texts and colours the view draws them. Needs a GL
// context (xvfb-run).
#include "core/render/Colormap.h"
#include "tests/widgets/SvgTestReader.h"
#include "tests/widgets/TestSlides.h"
#include "widgets/GlSurfaceFormat.h"
#include "widgets/slideview/FigureSvg.h"
#include "widgets/slideview/SlideView.h"

#include <QOpenGLContext>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <vector>

using namespace hescape;

using hescape::test::all;
using hescape::test::parseSvg;
using hescape::test::SvgElement;

class TestFigureSvg : public QObject {
    Q_OBJECT

private:
    static constexpr int kSize = 4096;
    QTemporaryDir dir_;
    QString slidePath_;

private Q_SLOTS:
    void initTestCase() {
        QOpenGLContext probe;
        if (!probe.create()) QSKIP("no OpenGL context on this platform (run under xvfb-run)");
        QVERIFY(dir_.isValid());
        slidePath_ = dir_.filePath("quadrants.tiff");
        hescape::test::writeQuadrantSlide(slidePath_, kSize);  // 0.5 um per pixel
    }

    void continuousLegendAndScaleBarAsVectors() {
        SlideView v;
        v.resize(600, 400);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        v.setSlide(std::shared_ptr<Slide>(openSlide(slidePath_.toStdString())));
        v.setView(QPointF(1000, 1000), 2.0);
        v.setSpots({900.0f, 1000.0f, 1100.0f, 1000.0f}, 30.0f);
        SpotStyle style;
        style.colormap = ColormapId::Viridis;
        style.vmin = 2;
        style.vmax = 7.5f;
        style.opacity = 1.0f;
        v.setSpotValues({2.0f, 7.5f}, style, {"ERBB2 (log1p)", {}});
        QTRY_VERIFY_WITH_TIMEOUT(v.isFullyLoaded(), 10000);

        const QByteArray svg = v.renderFigureSvg(2);
        QString error;
        const auto els = parseSvg(svg, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(!els.empty());
        const SvgElement& root = els.front();
        QCOMPARE(root.name, QStringLiteral("svg"));
        QCOMPARE(root.attrs.at("viewBox"), QStringLiteral("0 0 600 400"));
        QCOMPARE(root.num("width"), 1200.0);  // the image at 2x
        QCOMPARE(root.num("height"), 800.0);

        // The image: a PNG of the view at 2x without scale bar and legend, as renderFigure draws it.
        const auto images = all(els, "image");
        QCOMPARE(images.size(), std::size_t{1});
        const QString href = images[0]->attrs.at("href");
        QVERIFY(href.startsWith("data:image/png;base64,"));
        QCOMPARE(images[0]->attrs.at("xlink:href"), href);
        const QImage embedded = QImage::fromData(QByteArray::fromBase64(href.mid(22).toLatin1()), "PNG");
        QCOMPARE(embedded.size(), QSize(1200, 800));
        const QImage plain = v.renderFigure(2, 60000, false).convertToFormat(QImage::Format_RGB32);
        QCOMPARE(embedded.convertToFormat(QImage::Format_RGB32), plain);
        // Where the legend goes the image shows slide, not legend: the legend is only in vectors.
        const QFontMetricsF fm(v.font());
        const FigureDecorations deco = v.figureDecorations(fm);
        QVERIFY(deco.legend && deco.scaleBar);
        const QPoint inBar = (deco.legend->bar.center() * 2).toPoint();
        QVERIFY(hescape::test::near(embedded.pixelColor(inBar), hescape::test::kQuadrant[0]));
        // ... while the PNG figure draws it there: the colour bar's middle is viridis(0.5).
        const QImage withDeco = v.renderFigure(2);
        const auto mid = colormapColor(ColormapId::Viridis, 0.5);
        QVERIFY2(hescape::test::near(withDeco.pixelColor(inBar), QColor(mid[0], mid[1], mid[2]), 12),
                 qPrintable(withDeco.pixelColor(inBar).name()));

        // Scale bar: 0.5 um/px at downsample 2 -> 1 um per widget px; its line has the view's length and label.
        const auto bar = v.scaleBar();
        QVERIFY(bar.has_value());
        const auto lines = all(els, "line", "scale-bar");
        QCOMPARE(lines.size(), std::size_t{3});  // the bar and its two end ticks
        QVERIFY(std::abs((lines[0]->num("x2") - lines[0]->num("x1")) - bar->pixels) < 0.01);
        QVERIFY(std::abs(lines[0]->num("x1") - deco.scaleBar->start.x()) < 0.01);
        QVERIFY(std::abs(lines[0]->num("y1") - deco.scaleBar->start.y()) < 0.01);
        const auto barTexts = all(els, "text", "scale-bar");
        QCOMPARE(barTexts.size(), std::size_t{1});
        QCOMPARE(barTexts[0]->text, bar->label);
        QCOMPARE(bar->label, QStringLiteral("100 \u00B5m"));

        // Legend: title, range labels, and a gradient through the colormap's own colours.
        QStringList legendTexts;
        for (const auto* t : all(els, "text", "legend")) legendTexts << t->text;
        QCOMPARE(legendTexts, (QStringList{"ERBB2 (log1p)", "2", "7.5"}));
        const auto stops = all(els, "stop");
        QCOMPARE(stops.size(), std::size_t{33});
        auto hex = [](std::array<std::uint8_t, 4> c) { return QColor(c[0], c[1], c[2]).name(); };
        QCOMPARE(stops.front()->attrs.at("stop-color"), hex(colormapColor(ColormapId::Viridis, 0.0)));
        QCOMPARE(stops.front()->attrs.at("stop-color"), QStringLiteral("#440154"));  // viridis, as matplotlib has it
        QCOMPARE(stops.back()->attrs.at("stop-color"), hex(colormapColor(ColormapId::Viridis, 1.0)));
        QCOMPARE(stops.back()->num("offset"), 1.0);
        const auto rects = all(els, "rect", "legend");
        QCOMPARE(rects.size(), std::size_t{2});  // the backing and the colour bar
        QCOMPARE(rects[1]->attrs.at("fill"), QStringLiteral("url(#colormap)"));
        QVERIFY(std::abs(rects[1]->num("width") - deco.legend->bar.width()) < 0.01);

        // With the scale bar hidden, the figure has no scale-bar group.
        v.setScaleBarVisible(false);
        const auto without = parseSvg(v.renderFigureSvg(1), &error);
        QVERIFY(all(without, "g", {}).size() == 1);  // the legend only
        QCOMPARE(all(without, "line", "scale-bar").size(), std::size_t{0});

        // An independent reader: Python's XML parser accepts the file and finds the same parts.
        const QString path = dir_.filePath("figure.svg");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(svg);
        f.close();
        QProcess py;
        py.start(QStringLiteral("/usr/bin/python3"),
                 {QStringLiteral("-c"),
                  QStringLiteral("import sys, xml.etree.ElementTree as ET\n"
                                 "ns = {'s': 'http://www.w3.org/2000/svg'}\n"
                                 "r = ET.parse(sys.argv[1]).getroot()\n"
                                 "print(r.get('width'), r.get('height'), len(r.findall('s:image', ns)),"
                                 " [g.get('id') for g in r.findall('s:g', ns)])"),
                  path});
        QVERIFY(py.waitForFinished(30000));
        QCOMPARE(py.exitCode(), 0);
        QCOMPARE(QString::fromUtf8(py.readAllStandardOutput()).trimmed(), QStringLiteral("1200 800 1 ['scale-bar', 'legend']"));
    }

    void categoricalLegendAsSwatches() {
        SlideView v;
        v.resize(500, 400);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        v.setSlide(std::shared_ptr<Slide>(openSlide(slidePath_.toStdString())));
        v.setSpots({900.0f, 1000.0f, 1100.0f, 1000.0f, 1000.0f, 1200.0f}, 30.0f);
        SpotStyle style;
        style.colormap = ColormapId::Categorical;
        v.setSpotValues({0, 1, 2}, style, {"region", {"tumour", "stroma", "immune"}});
        QTRY_VERIFY_WITH_TIMEOUT(v.isFullyLoaded(), 10000);
        QString error;
        const auto els = parseSvg(v.renderFigureSvg(1), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const auto circles = all(els, "circle", "legend");
        QCOMPARE(circles.size(), std::size_t{3});
        const FigureDecorations deco = v.figureDecorations(QFontMetricsF(v.font()));
        QVERIFY(deco.legend.has_value());
        for (int i = 0; i < 3; ++i) {
            const auto c = categoryColor(i);
            QCOMPARE(circles[static_cast<std::size_t>(i)]->attrs.at("fill"), QColor(c[0], c[1], c[2]).name());
            QVERIFY(std::abs(circles[static_cast<std::size_t>(i)]->num("cx") - deco.legend->entries[static_cast<std::size_t>(i)].swatch.center().x()) < 0.01);
        }
        QStringList texts;
        for (const auto* t : all(els, "text", "legend")) texts << t->text;
        QCOMPARE(texts, (QStringList{"region", "tumour", "stroma", "immune"}));
        QCOMPARE(all(els, "stop").size(), std::size_t{0});  // no colour bar
    }

    void noSlideNoFigure() {
        SlideView v;
        v.resize(300, 200);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        QVERIFY(v.renderFigureSvg(1).isEmpty());
    }
};

int main(int argc, char** argv) {
    hescape::setDefaultGlSurfaceFormat();
    QApplication app(argc, argv);
    TestFigureSvg t;
    return QTest::qExec(&t, argc, argv);
}

#include "test_figure_svg.moc"
