// The k-nearest-neighbour graph UMAP starts from: exact (core's exact search,
// core/neighbours/ExactNeighbours.h) up to a size limit, approximate above it (random-projection
// forest + NN-descent, seeded). Deterministic for a seed, whatever the thread
// count.
#pragma once

#include "core/common/Progress.h"

#include <cstdint>
#include <vector>

namespace hescape {

enum class LayoutMetric {
    Euclidean,
    Cosine,  // 1 - cosine similarity; rows are normalised first (a zero row is refused)
};

struct NeighbourOptions {
    int k = 15;  // neighbours per point, the point itself included (umap-learn's n_neighbors)
    LayoutMetric metric = LayoutMetric::Euclidean;
    std::int64_t exactMaxPoints = 50000;  // brute force up to this many points, NN-descent above
    std::uint64_t seed = 42;
    int threads = 0;  // <= 0: the thread budget (core/compute/ThreadBudget.h)
};

struct KnnGraph {
    std::int64_t n = 0;
    int k = 0;
    std::vector<std::int32_t> indices;  // n x k, each row nearest first; indices[i * k] == i
    std::vector<float> distances;       // n x k, in the metric's units; distances[i * k] == 0
    bool exact = true;                  // false when NN-descent found them
};

// `data` is n x dim, row-major. Throws std::invalid_argument on k < 2, n < k + 1,
// dim < 1 or non-finite values; CancelledError when progress.cancel is set.
// Progress::report may be called from worker threads, one call at a time.
KnnGraph nearestNeighbours(const std::vector<float>& data, std::int64_t dim, const NeighbourOptions& options = {},
                                 const Progress& progress = {});

}  // namespace hescape
