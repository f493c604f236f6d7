// EmbeddingScatterView as SVG: the points as circles (the drawn ones inside
// the view, in their colours on screen, selected ones last and outlined),
// clipped to the view, the links of a joint view,
// and the legend laid out as on screen (legendLayout), so a UMAP figure can be
// edited point by point in a vector editor.
#include "widgets/embedding/EmbeddingScatterView.h"

#include "core/render/Colormap.h"
#include "widgets/common/SvgDocument.h"

#include <QFontInfo>
#include <QFontMetricsF>
#include <QXmlStreamWriter>

#include <vtkUnsignedCharArray.h>

#include <algorithm>

namespace hescape {

namespace {

QString num(double v) { return QString::number(v, 'f', 2); }

}  // namespace

bool EmbeddingScatterView::writeSvgGroup(QXmlStreamWriter& w, const QString& id) const {
    // The points inside the view (zoomed in, the others are off screen).
    const double r0 = pointSize_ / 2.0 + 2;
    const QRectF view = QRectF(0, 0, width(), height()).adjusted(-r0, -r0, r0, r0);
    std::vector<std::pair<std::int64_t, QPointF>> drawn;
    for (std::int64_t i = 0; i < count_; ++i) {
        if (!isPointVisible(i)) continue;
        const auto at = projectedPosition(i);
        if (!at || !view.contains(*at)) continue;
        drawn.emplace_back(i, *at);
        if (static_cast<std::int64_t>(drawn.size()) > kMaxSvgPoints) return false;
    }
    // The colours on screen: with a selection, the other points are dimmed (rebuildColors).
    const std::uint8_t* shown = colors_->GetPointer(0);
    auto displayed = [shown](std::int64_t i) { return QColor(shown[3 * i], shown[3 * i + 1], shown[3 * i + 2]).name(); };
    const SvgElementWriter element(w);
    const QString clip = id + QStringLiteral("-clip");
    w.writeStartElement("defs");
    w.writeStartElement("clipPath");
    w.writeAttribute("id", clip);
    element("rect", {{"x", "0"}, {"y", "0"}, {"width", QString::number(width())}, {"height", QString::number(height())}});
    w.writeEndElement();
    w.writeEndElement();
    w.writeStartElement("g");
    w.writeAttribute("id", id);
    w.writeAttribute("clip-path", QStringLiteral("url(#%1)").arg(clip));
    element("rect", {{"x", "0"}, {"y", "0"}, {"width", QString::number(width())}, {"height", QString::number(height())},
                     {"fill", background_.name()}});
    if (!links_.empty()) {
        w.writeStartElement("g");
        w.writeAttribute("id", id + QStringLiteral("-links"));
        w.writeAttribute("stroke", "#505058");
        w.writeAttribute("stroke-width", "1");
        for (const auto& [a, b] : links_) {
            const auto pa = projectedPosition(a), pb = projectedPosition(b);
            if (!pa || !pb || !isPointVisible(a) || !isPointVisible(b)) continue;
            element("line", {{"x1", num(pa->x())}, {"y1", num(pa->y())}, {"x2", num(pb->x())}, {"y2", num(pb->y())}});
        }
        w.writeEndElement();
    }
    const QString r = num(pointSize_ / 2.0);
    w.writeStartElement("g");
    w.writeAttribute("id", id + QStringLiteral("-points"));
    for (const auto& [i, at] : drawn)
        element("circle", {{"cx", num(at.x())}, {"cy", num(at.y())}, {"r", r}, {"fill", displayed(i)}});
    w.writeEndElement();
    if (!selection_.empty()) {
        w.writeStartElement("g");
        w.writeAttribute("id", id + QStringLiteral("-selection"));
        w.writeAttribute("stroke", "#141418");
        w.writeAttribute("stroke-width", "1");
        const QString big = num(pointSize_ / 2.0 + 1.5);
        for (const auto i : selection_) {
            const auto at = projectedPosition(i);
            if (!at || !isPointVisible(i)) continue;
            element("circle", {{"cx", num(at->x())}, {"cy", num(at->y())}, {"r", big}, {"fill", pointColor(i).name()}});
        }
        w.writeEndElement();
    }

    const LegendLayout layout = legendLayout();
    if (!layout.frame.isEmpty()) {
        const QFontMetricsF fm(font());
        const double pad = 8, row = std::max(16.0, fm.height() + 2);
        w.writeStartElement("g");
        w.writeAttribute("id", id + QStringLiteral("-legend"));
        element("rect", {{"x", num(layout.frame.x())}, {"y", num(layout.frame.y())}, {"width", num(layout.frame.width())},
                         {"height", num(layout.frame.height())}, {"rx", "4"}, {"fill", "#ffffff"}, {"fill-opacity", "0.882"},
                         {"stroke", "#b4b4ba"}});
        auto text = [&](double x, double centreY, const QString& s, const QString& colour, bool bold = false) {
            w.writeStartElement("text");
            w.writeAttribute("x", num(x));
            w.writeAttribute("y", num(centreY));
            w.writeAttribute("dominant-baseline", "central");
            w.writeAttribute("fill", colour);
            if (bold) w.writeAttribute("font-weight", "bold");
            w.writeCharacters(s);
            w.writeEndElement();
        };
        if (!legendTitle_.isEmpty()) text(layout.frame.left() + pad, layout.frame.top() + pad + row / 2, legendTitle_, "#1e1e22", true);
        for (const auto& [category, rect] : layout.entries) {
            if (category < 0) {
                const int more = static_cast<int>(categoryNames_.size() - (layout.entries.size() - 1));
                text(rect.left(), rect.center().y(), tr("+ %1 more").arg(more), "#5a5a60");
                continue;
            }
            const bool shown = isCategoryVisible(category);
            const auto c = categoryColor(category);
            const QString colour = QColor(c[0], c[1], c[2]).name();
            element("rect", {{"x", num(rect.left())}, {"y", num(rect.center().y() - 5.5)}, {"width", "11"}, {"height", "11"},
                             {"fill", shown ? colour : QStringLiteral("none")}, {"stroke", colour}, {"stroke-width", shown ? "1" : "2"}});
            text(rect.left() + 17, rect.center().y(), categoryNames_[category], shown ? "#1e1e22" : "#96969c");
        }
        if (!layout.colorBar.isEmpty()) {
            const auto cmap = colormapFromName(colormap_.toStdString()).value_or(ColormapId::Viridis);
            const QString gradient = id + QStringLiteral("-colormap");
            w.writeStartElement("defs");
            w.writeStartElement("linearGradient");
            w.writeAttribute("id", gradient);
            w.writeAttribute("x1", "0");
            w.writeAttribute("y1", "1");  // low values at the bottom, as on screen
            w.writeAttribute("x2", "0");
            w.writeAttribute("y2", "0");
            for (int k = 0; k <= 32; ++k) {
                const auto c = colormapColor(cmap, k / 32.0);
                element("stop", {{"offset", QString::number(k / 32.0, 'f', 4)}, {"stop-color", QColor(c[0], c[1], c[2]).name()}});
            }
            w.writeEndElement();
            w.writeEndElement();
            const QRectF& bar = layout.colorBar;
            element("rect", {{"x", num(bar.x())}, {"y", num(bar.y())}, {"width", num(bar.width())}, {"height", num(bar.height())},
                             {"fill", QStringLiteral("url(#%1)").arg(gradient)}, {"stroke", "#78787e"}});
            text(bar.right() + 6, bar.top() - 2 + fm.height() / 2, QString::number(hi_, 'g', 4), "#1e1e22");
            text(bar.right() + 6, bar.bottom() + 2 - fm.height() / 2, QString::number(lo_, 'g', 4), "#1e1e22");
        }
        w.writeEndElement();
    }
    w.writeEndElement();
    return true;
}

QByteArray EmbeddingScatterView::svgOfViews(const std::vector<std::pair<const EmbeddingScatterView*, QString>>& views) {
    int w = 0, h = 0;
    for (const auto& [view, id] : views) {
        w += view->width();
        h = std::max(h, view->height());
    }
    QByteArray out;
    QXmlStreamWriter x(&out);
    startSvgDocument(x, QString::number(w), QString::number(h), QStringLiteral("0 0 %1 %2").arg(w).arg(h));
    x.writeAttribute("font-family", "DejaVu Sans, Arial, sans-serif");
    x.writeAttribute("font-size", QString::number(views.empty() ? 12 : QFontInfo(views.front().first->font()).pixelSize()));
    int left = 0;
    for (const auto& [view, id] : views) {
        // Each view to the right of the one before, as side by side on screen.
        if (left > 0) {
            x.writeStartElement("g");
            x.writeAttribute("transform", QStringLiteral("translate(%1,0)").arg(left));
        }
        if (!view->writeSvgGroup(x, id)) return {};
        if (left > 0) x.writeEndElement();
        left += view->width();
    }
    x.writeEndElement();
    x.writeEndDocument();
    return x.hasError() ? QByteArray() : out;
}

QByteArray EmbeddingScatterView::toSvg() const { return svgOfViews({{this, QStringLiteral("embedding")}}); }

}  // namespace hescape
