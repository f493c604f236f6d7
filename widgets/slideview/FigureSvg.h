// The slide view as an SVG figure: the rendered view as an embedded PNG
// image, with the scale bar and colour legend on top as vector shapes and
// text, which a figure editor (Inkscape, Illustrator) can restyle or move.
#pragma once

#include "widgets/slideview/FigureDecorations.h"

#include <QByteArray>
#include <QFont>
#include <QImage>
#include <QSize>

namespace hescape {

// `raster`: the view without scale bar and legend, any resolution (it is
// stretched over the figure); `viewSize`: the widget size the decorations'
// coordinates refer to, which is the SVG's viewBox; the figure's width and
// height are the raster's pixel size. `font`: the text's family and pixel size.
// Empty if the XML could not be written.
QByteArray figureSvg(const QImage& raster, QSize viewSize, const FigureDecorations& decorations, const QFont& font);

}  // namespace hescape
