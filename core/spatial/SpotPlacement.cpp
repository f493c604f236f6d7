// placeSpotsOnSlide: one pass over the coordinates.
#include "core/spatial/SpotPlacement.h"

#include <cmath>

namespace hescape {

SpotPlacement placeSpotsOnSlide(const SpatialDataset& ds, const AffineTransform& toSlide) {
    SpotPlacement out;
    out.xy.reserve(ds.coordinates.size() * 2);
    for (const auto& p : ds.coordinates) {
        double x = 0, y = 0;
        toSlide.apply(p.x, p.y, x, y);
        out.xy.push_back(static_cast<float>(x));
        out.xy.push_back(static_cast<float>(y));
    }
    if (ds.spotDiameter) out.radius = *ds.spotDiameter / 2.0 * toSlide.meanScale();
    else if (ds.coordinateUnits == "micrometres") out.radius = 5.0 * toSlide.meanScale();
    out.square = ds.spotShape == SpotShape::Square;
    if (out.square && ds.gridAxis) {
        // The grid's column direction through the transform's linear part.
        double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
        toSlide.apply(0, 0, x0, y0);
        toSlide.apply(ds.gridAxis->x, ds.gridAxis->y, x1, y1);
        out.angle = std::atan2(y1 - y0, x1 - x0);
    }
    return out;
}

}  // namespace hescape
