// Where the slide view's scale bar, colour legend and channel legend go, in widget
// coordinates: computed once by SlideView (and the all-sections grid) and drawn
// from the same numbers on screen and in PNG figures (QPainter, below) and as
// vector graphics in SVG figures (FigureSvg), so the three always agree.
#pragma once

#include <QColor>
#include <QRectF>
#include <QString>

#include "core/render/Colormap.h"

#include <optional>
#include <vector>

class QFontMetricsF;
class QPainter;

namespace hescape {

struct ScaleBarLayout {
    QRectF box;        // the rounded white backing
    QPointF start;     // left end of the bar
    double lengthPx = 0;
    QString label;     // e.g. "500 µm"
    QRectF labelRect;  // text, left-aligned, vertically centred
};

struct LegendLayout {
    QRectF box;
    QString title;  // already elided to fit
    QRectF titleRect;
    // Continuous colouring: a colour bar from vmin to vmax.
    QRectF bar;
    std::vector<QColor> colormap;  // 256 entries, low to high; empty for categories
    QString minLabel, maxLabel;
    QRectF minRect, maxRect;  // minLabel left-aligned, maxLabel right-aligned
    // Categorical colouring: a swatch and a name per shown category.
    struct Entry {
        QRectF swatch;
        QColor color;
        QString label;  // already elided to fit
        QRectF labelRect;
    };
    std::vector<Entry> entries;
};

struct FigureDecorations {
    std::optional<ScaleBarLayout> scaleBar;
    std::optional<LegendLayout> legend;
    // Fluorescence slides: each visible channel's colour, name and window (top left).
    std::optional<LegendLayout> channels;
};

// The largest 5, 2 or 1 x 10^k not above `target`: a scale bar's length.
double niceScaleLength(double target);
// "500 µm", "2 mm", "800 nm".
QString micrometreLabel(double micrometres);

// A colour bar for `colormap` from lo to hi, titled `title` (elided to fit), in `box`.
LegendLayout colourBarLegend(const QFontMetricsF& fm, const QRectF& box, const QString& title, ColormapId colormap, double lo,
                             double hi);

void paintScaleBarLayout(QPainter& p, const ScaleBarLayout& l);
void paintLegendLayout(QPainter& p, const LegendLayout& l);

}  // namespace hescape
