// layoutSectionGrid tries every column count (a study has tens of sections,
// not thousands); sharedColourRange pools the values and takes two
// percentiles with one sort.
#include "core/spatial/SectionGrid.h"

#include "core/spatial/ExpressionValues.h"

#include <algorithm>
#include <cmath>

namespace hescape {

SectionGridLayout layoutSectionGrid(const std::vector<SectionExtent>& extents, double areaAspect) {
    SectionGridLayout out;
    const auto n = static_cast<int>(extents.size());
    if (n == 0) return out;
    const auto sized = [](double v) { return std::isfinite(v) && v > 0 ? v : 1.0; };
    out.cellWidth = out.cellHeight = 0;
    for (const auto& e : extents) {
        out.cellWidth = std::max(out.cellWidth, sized(e.width));
        out.cellHeight = std::max(out.cellHeight, sized(e.height));
    }
    const double aspect = std::isfinite(areaAspect) && areaAspect > 0 ? areaAspect : 1.0;
    double bestScale = -1;
    for (int c = 1; c <= n; ++c) {
        const int r = (n + c - 1) / c;
        // Scale of the grid in an area aspect x 1.
        const double scale = std::min(aspect / (c * out.cellWidth), 1.0 / (r * out.cellHeight));
        if (scale > bestScale * (1 + 1e-12)) {
            bestScale = scale;
            out.columns = c;
            out.rows = r;
        }
    }
    for (int i = 0; i < n; ++i) {
        const auto& e = extents[static_cast<std::size_t>(i)];
        out.x.push_back((i % out.columns) * out.cellWidth + (out.cellWidth - sized(e.width)) / 2);
        out.y.push_back((i / out.columns) * out.cellHeight + (out.cellHeight - sized(e.height)) / 2);
    }
    return out;
}

SharedColourRange sharedColourRange(const std::vector<std::vector<float>>& perSection, double pLow, double pHigh) {
    std::vector<float> pooled;
    for (const auto& values : perSection)
        for (const float v : values)
            if (std::isfinite(v)) pooled.push_back(v);
    SharedColourRange out;
    out.count = pooled.size();
    if (pooled.empty()) return out;
    const std::vector<double> p = percentiles(std::move(pooled), {pLow, pHigh});
    out.lo = p[0];
    out.hi = p[1] > p[0] ? p[1] : p[0] + 1;
    return out;
}

}  // namespace hescape
