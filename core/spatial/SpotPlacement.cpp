// placeSpotsOnSlide: one pass over the coordinates.
#include "core/spatial/SpotPlacement.h"

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
    return out;
}

}  // namespace hescape
