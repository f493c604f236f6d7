// The decorations' shared layout and painting: the slide view and the
// all-sections grid draw the same scale bar and colour bar.
#include "widgets/slideview/FigureDecorations.h"

#include <QFontMetricsF>
#include <QImage>
#include <QPainter>

#include <cmath>

namespace hescape {

double niceScaleLength(double target) {
    const double p = std::pow(10.0, std::floor(std::log10(target)));
    for (const double m : {5.0, 2.0, 1.0}) {
        if (m * p <= target) return m * p;
    }
    return p;
}

QString micrometreLabel(double um) {
    if (um >= 1000.0) return QStringLiteral("%1 mm").arg(um / 1000.0);
    if (um >= 1.0) return QStringLiteral("%1 \u00B5m").arg(um);
    return QStringLiteral("%1 nm").arg(um * 1000.0);
}

LegendLayout colourBarLegend(const QFontMetricsF& fm, const QRectF& box, const QString& title, ColormapId colormap, double lo,
                             double hi) {
    LegendLayout l;
    l.box = box;
    l.titleRect = QRectF(box.left() + 8, box.top() + 4, box.width() - 16, 16);
    l.title = fm.elidedText(title, Qt::ElideRight, box.width() - 16);
    l.bar = QRectF(box.left() + 8, box.top() + 24, box.width() - 16, 12);
    const auto table = colormapTable(colormap);
    for (std::size_t i = 0; i + 3 < table.size(); i += 4) l.colormap.emplace_back(table[i], table[i + 1], table[i + 2], table[i + 3]);
    l.minLabel = QString::number(lo, 'g', 3);
    l.maxLabel = QString::number(hi, 'g', 3);
    l.minRect = QRectF(l.bar.left(), l.bar.bottom() + 2, l.bar.width() / 2, 16);
    l.maxRect = QRectF(l.bar.center().x(), l.bar.bottom() + 2, l.bar.width() / 2, 16);
    return l;
}

void paintScaleBarLayout(QPainter& p, const ScaleBarLayout& l) {
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(255, 255, 255, 215));
    p.drawRoundedRect(l.box, 4, 4);
    const QPointF a = l.start, b = a + QPointF(l.lengthPx, 0);
    p.setPen(QPen(QColor(20, 20, 24), 3, Qt::SolidLine, Qt::FlatCap));
    p.drawLine(a, b);
    p.setPen(QPen(QColor(20, 20, 24), 1.5));
    p.drawLine(a + QPointF(0, -5), a + QPointF(0, 2));
    p.drawLine(b + QPointF(0, -5), b + QPointF(0, 2));
    p.drawText(l.labelRect, Qt::AlignLeft | Qt::AlignVCenter, l.label);
}

void paintLegendLayout(QPainter& p, const LegendLayout& l) {
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(255, 255, 255, 225));
    p.drawRoundedRect(l.box, 4, 4);
    p.setPen(QColor(20, 20, 24));
    p.drawText(l.titleRect, Qt::AlignLeft | Qt::AlignVCenter, l.title);
    if (!l.colormap.empty()) {
        QImage strip(static_cast<int>(l.colormap.size()), 1, QImage::Format_RGBA8888);
        for (int i = 0; i < strip.width(); ++i) strip.setPixelColor(i, 0, l.colormap[static_cast<std::size_t>(i)]);
        p.drawImage(l.bar, strip);
        p.setPen(QPen(QColor(20, 20, 24), 1));
        p.setBrush(Qt::NoBrush);
        p.drawRect(l.bar);
        p.drawText(l.minRect, Qt::AlignLeft | Qt::AlignVCenter, l.minLabel);
        p.drawText(l.maxRect, Qt::AlignRight | Qt::AlignVCenter, l.maxLabel);
    }
    for (const auto& e : l.entries) {
        p.setPen(Qt::NoPen);
        p.setBrush(e.color);
        p.drawEllipse(e.swatch);
        p.setPen(QColor(20, 20, 24));
        p.drawText(e.labelRect, Qt::AlignLeft | Qt::AlignVCenter, e.label);
    }
}

}  // namespace hescape
