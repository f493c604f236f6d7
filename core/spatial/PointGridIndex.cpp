// PointGridIndex: counting sort of points into grid cells; queries visit
// only the cells a search circle or rectangle overlaps.
#include "core/spatial/PointGridIndex.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hescape {

PointGridIndex::PointGridIndex(std::vector<float> xy, double cellSize) : xy_(std::move(xy)) {
    const std::size_t n = size();
    if (n == 0) return;
    double x1 = x0_ = xy_[0], y1 = y0_ = xy_[1];
    for (std::size_t i = 0; i < n; ++i) {
        x0_ = std::min<double>(x0_, xy_[2 * i]);
        x1 = std::max<double>(x1, xy_[2 * i]);
        y0_ = std::min<double>(y0_, xy_[2 * i + 1]);
        y1 = std::max<double>(y1, xy_[2 * i + 1]);
    }
    const double area = std::max(1.0, (x1 - x0_) * (y1 - y0_));
    cell_ = cellSize > 0 ? cellSize : std::max(1e-6, std::sqrt(area * 4.0 / static_cast<double>(n)));
    cols_ = std::max<std::int64_t>(1, static_cast<std::int64_t>((x1 - x0_) / cell_) + 1);
    rows_ = std::max<std::int64_t>(1, static_cast<std::int64_t>((y1 - y0_) / cell_) + 1);
    cellStart_.assign(static_cast<std::size_t>(cols_ * rows_ + 1), 0);
    for (std::size_t i = 0; i < n; ++i) ++cellStart_[cellOf(xy_[2 * i], xy_[2 * i + 1]) + 1];
    for (std::size_t c = 1; c < cellStart_.size(); ++c) cellStart_[c] += cellStart_[c - 1];
    cellPoints_.resize(n);
    std::vector<std::int64_t> next(cellStart_.begin(), cellStart_.end() - 1);
    for (std::size_t i = 0; i < n; ++i) cellPoints_[next[cellOf(xy_[2 * i], xy_[2 * i + 1])]++] = static_cast<std::int64_t>(i);
}

std::int64_t PointGridIndex::cellOf(double x, double y) const {
    const auto cx = std::clamp<std::int64_t>(static_cast<std::int64_t>((x - x0_) / cell_), 0, cols_ - 1);
    const auto cy = std::clamp<std::int64_t>(static_cast<std::int64_t>((y - y0_) / cell_), 0, rows_ - 1);
    return cy * cols_ + cx;
}

std::array<std::int64_t, 4> PointGridIndex::cellRange(double qx0, double qy0, double qx1, double qy1) const {
    auto cell = [](double v, double origin, double size) { return static_cast<std::int64_t>(std::floor((v - origin) / size)); };
    return {std::max<std::int64_t>(0, cell(qx0, x0_, cell_)), std::max<std::int64_t>(0, cell(qy0, y0_, cell_)),
            std::min<std::int64_t>(cols_ - 1, cell(qx1, x0_, cell_)), std::min<std::int64_t>(rows_ - 1, cell(qy1, y0_, cell_))};
}

std::optional<std::int64_t> PointGridIndex::nearest(double x, double y, double maxDistance) const {
    if (size() == 0 || !std::isfinite(x) || !std::isfinite(y)) return std::nullopt;
    const auto [c0, r0, c1, r1] = cellRange(x - maxDistance, y - maxDistance, x + maxDistance, y + maxDistance);
    std::optional<std::int64_t> best;
    double bestD2 = maxDistance * maxDistance;
    for (auto r = r0; r <= r1; ++r) {
        for (auto c = c0; c <= c1; ++c) {
            const auto cell = r * cols_ + c;
            for (auto k = cellStart_[cell]; k < cellStart_[cell + 1]; ++k) {
                const auto i = cellPoints_[k];
                const double dx = xy_[2 * i] - x, dy = xy_[2 * i + 1] - y;
                const double d2 = dx * dx + dy * dy;
                if (d2 <= bestD2) {
                    bestD2 = d2;
                    best = i;
                }
            }
        }
    }
    return best;
}

std::vector<std::int64_t> PointGridIndex::inRect(double qx0, double qy0, double qx1, double qy1) const {
    std::vector<std::int64_t> out;
    if (size() == 0) return out;
    if (qx0 > qx1) std::swap(qx0, qx1);
    if (qy0 > qy1) std::swap(qy0, qy1);
    const auto [c0, r0, c1, r1] = cellRange(qx0, qy0, qx1, qy1);
    for (auto r = r0; r <= r1; ++r)
        for (auto c = c0; c <= c1; ++c)
            for (auto k = cellStart_[r * cols_ + c]; k < cellStart_[r * cols_ + c + 1]; ++k) {
                const auto i = cellPoints_[k];
                if (xy_[2 * i] >= qx0 && xy_[2 * i] <= qx1 && xy_[2 * i + 1] >= qy0 && xy_[2 * i + 1] <= qy1) out.push_back(i);
            }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace hescape
