// Shared checks and plumbing of the embedding layouts (PCA, UMAP,
// trustworthiness): the shape and finiteness of row-major n x d input. Their
// parallel loop and its progress are core/compute/ParallelFor.h.
#pragma once

#include "core/common/Progress.h"
#include "core/compute/ParallelFor.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace hescape {

// Rows in `data` (row-major, `dim` columns). Throws std::invalid_argument,
// naming `what`, when dim < 1, the size is not a multiple of dim, there are
// fewer than `minRows` rows, or a value is NaN or infinite.
inline std::int64_t checkLayoutInput(const std::vector<float>& data, std::int64_t dim, std::int64_t minRows,
                                     const std::string& what) {
    if (dim < 1) throw std::invalid_argument(what + ": the dimension must be at least 1 (got " + std::to_string(dim) + ")");
    const auto size = static_cast<std::int64_t>(data.size());
    if (size % dim != 0)
        throw std::invalid_argument(what + ": " + std::to_string(size) + " values are not whole rows of " + std::to_string(dim));
    const std::int64_t rows = size / dim;
    if (rows < minRows)
        throw std::invalid_argument(what + ": needs at least " + std::to_string(minRows) + " points, got " + std::to_string(rows));
    for (std::int64_t i = 0; i < size; ++i) {
        if (!std::isfinite(data[static_cast<std::size_t>(i)]))
            throw std::invalid_argument(what + ": value " + std::to_string(i % dim) + " of point " + std::to_string(i / dim) +
                                        " is not finite");
    }
    return rows;
}

}  // namespace hescape
