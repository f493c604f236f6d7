// figureSvg: one <image> (the view as base64 PNG) under groups of vector
// shapes, "scale-bar", "legend" and "channels", at the positions the view
// draws them.
#include "widgets/slideview/FigureSvg.h"

#include "widgets/common/SvgDocument.h"

#include <QBuffer>
#include <QFontInfo>
#include <QStringList>
#include <QXmlStreamWriter>

#include <algorithm>
#include <initializer_list>
#include <utility>

namespace hescape {

namespace {

QString num(double v) { return QString::number(v, 'f', 2); }

QString hex(const QColor& c) { return c.name(QColor::HexRgb); }

// Opacity as SVG wants it, from a colour's alpha.
QString opacity(const QColor& c) { return QString::number(c.alphaF(), 'f', 3); }

// Text placed as QPainter places it in a rect with Qt::AlignVCenter.
void writeText(const SvgElementWriter& element, const QRectF& r, const QString& s, bool alignRight) {
    element("text",
            {{"x", num(alignRight ? r.right() : r.left())}, {"y", num(r.center().y())}, {"dominant-baseline", "central"},
             {"text-anchor", alignRight ? "end" : "start"}, {"fill", "#141418"}},
            s);
}

// One legend box: a colour bar (one per document: its gradient is "colormap"),
// or a swatch and a label per entry.
void writeLegend(QXmlStreamWriter& w, const LegendLayout& legend, const QString& id) {
    const SvgElementWriter element(w);
    const auto text = [&element](const QRectF& r, const QString& s, bool alignRight = false) { writeText(element, r, s, alignRight); };
    w.writeStartElement("g");
    w.writeAttribute("id", id);
    element("rect", {{"x", num(legend.box.x())}, {"y", num(legend.box.y())}, {"width", num(legend.box.width())},
                     {"height", num(legend.box.height())}, {"rx", "4"}, {"fill", "#ffffff"}, {"fill-opacity", "0.882"}});
    text(legend.titleRect, legend.title);
    if (!legend.colormap.empty()) {
        // The colour bar as a gradient through 33 of the colormap's 256 entries.
        w.writeStartElement("defs");
        w.writeStartElement("linearGradient");
        w.writeAttribute("id", "colormap");
        w.writeAttribute("x1", "0");
        w.writeAttribute("y1", "0");
        w.writeAttribute("x2", "1");
        w.writeAttribute("y2", "0");
        const auto n = legend.colormap.size();
        for (std::size_t k = 0; k <= 32; ++k) {
            const std::size_t i = std::min(n - 1, k * (n - 1) / 32);
            element("stop", {{"offset", QString::number(static_cast<double>(i) / static_cast<double>(n - 1), 'f', 4)},
                             {"stop-color", hex(legend.colormap[i])}});
        }
        w.writeEndElement();  // linearGradient
        w.writeEndElement();  // defs
        const QRectF& r = legend.bar;
        element("rect", {{"x", num(r.x())}, {"y", num(r.y())}, {"width", num(r.width())}, {"height", num(r.height())},
                         {"fill", "url(#colormap)"}, {"stroke", "#141418"}, {"stroke-width", "1"}});
        text(legend.minRect, legend.minLabel);
        text(legend.maxRect, legend.maxLabel, true);
    }
    for (const auto& e : legend.entries) {
        element("circle", {{"cx", num(e.swatch.center().x())}, {"cy", num(e.swatch.center().y())},
                           {"r", num(e.swatch.width() / 2)}, {"fill", hex(e.color)}, {"fill-opacity", opacity(e.color)}});
        text(e.labelRect, e.label);
    }
    w.writeEndElement();
}

}  // namespace

QByteArray figureSvg(const QImage& raster, QSize viewSize, const FigureDecorations& decorations, const QFont& font) {
    QByteArray png;
    {
        QBuffer buffer(&png);
        buffer.open(QIODevice::WriteOnly);
        raster.save(&buffer, "PNG");
    }
    const QFontInfo info(font);
    QByteArray out;
    QXmlStreamWriter w(&out);
    startSvgDocument(w, QString::number(raster.width()), QString::number(raster.height()),
                     QStringLiteral("0 0 %1 %2").arg(viewSize.width()).arg(viewSize.height()));
    w.writeNamespace("http://www.w3.org/1999/xlink", "xlink");
    QStringList families{info.family(), QStringLiteral("DejaVu Sans"), QStringLiteral("Arial"), QStringLiteral("sans-serif")};
    families.removeDuplicates();
    w.writeAttribute("font-family", families.join(QStringLiteral(", ")));
    w.writeAttribute("font-size", QString::number(info.pixelSize()));
    const SvgElementWriter element(w);
    const auto text = [&element](const QRectF& r, const QString& s, bool alignRight = false) { writeText(element, r, s, alignRight); };

    w.writeStartElement("image");
    w.writeAttribute("id", "view");
    w.writeAttribute("x", "0");
    w.writeAttribute("y", "0");
    w.writeAttribute("width", QString::number(viewSize.width()));
    w.writeAttribute("height", QString::number(viewSize.height()));
    w.writeAttribute("preserveAspectRatio", "none");
    const QString data = QStringLiteral("data:image/png;base64,") + QString::fromLatin1(png.toBase64());
    w.writeAttribute("href", data);  // SVG 2
    w.writeAttribute("http://www.w3.org/1999/xlink", "href", data);  // SVG 1.1 readers
    w.writeEndElement();

    if (const auto& bar = decorations.scaleBar) {
        w.writeStartElement("g");
        w.writeAttribute("id", "scale-bar");
        element("rect", {{"x", num(bar->box.x())}, {"y", num(bar->box.y())}, {"width", num(bar->box.width())},
                         {"height", num(bar->box.height())}, {"rx", "4"}, {"fill", "#ffffff"}, {"fill-opacity", "0.843"}});
        const QPointF a = bar->start, b = a + QPointF(bar->lengthPx, 0);
        element("line", {{"x1", num(a.x())}, {"y1", num(a.y())}, {"x2", num(b.x())}, {"y2", num(b.y())}, {"stroke", "#141418"},
                         {"stroke-width", "3"}});
        for (const QPointF& end : {a, b}) {
            element("line", {{"x1", num(end.x())}, {"y1", num(end.y() - 5)}, {"x2", num(end.x())}, {"y2", num(end.y() + 2)},
                             {"stroke", "#141418"}, {"stroke-width", "1.5"}});
        }
        text(bar->labelRect, bar->label);
        w.writeEndElement();
    }

    if (decorations.legend) writeLegend(w, *decorations.legend, QStringLiteral("legend"));
    if (decorations.channels) writeLegend(w, *decorations.channels, QStringLiteral("channels"));
    w.writeEndElement();  // svg
    w.writeEndDocument();
    return w.hasError() ? QByteArray() : out;
}

}  // namespace hescape
