// Nearest-point queries over many 2-D points (spots, cells) through a uniform
// grid built once: hover and click on a million cells without a linear scan.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace hescape {

class PointGridIndex {
public:
    PointGridIndex() = default;
    // xy: interleaved x, y. cellSize <= 0 picks one giving ~4 points per cell.
    explicit PointGridIndex(std::vector<float> xy, double cellSize = 0);

    std::size_t size() const { return xy_.size() / 2; }
    // Index of the point nearest (x, y) within maxDistance, if any.
    std::optional<std::int64_t> nearest(double x, double y, double maxDistance) const;
    // Indices of all points inside the axis-aligned rectangle.
    std::vector<std::int64_t> inRect(double x0, double y0, double x1, double y1) const;

private:
    std::int64_t cellOf(double x, double y) const;
    // Columns and rows {c0, r0, c1, r1} (inclusive, clamped) a query rectangle overlaps.
    std::array<std::int64_t, 4> cellRange(double qx0, double qy0, double qx1, double qy1) const;

    std::vector<float> xy_;
    double x0_ = 0, y0_ = 0, cell_ = 1;
    std::int64_t cols_ = 0, rows_ = 0;
    std::vector<std::int64_t> cellStart_;  // CSR over cells
    std::vector<std::int64_t> cellPoints_;
};

}  // namespace hescape
