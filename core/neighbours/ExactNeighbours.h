// Exact k nearest neighbours in Euclidean distance: the one neighbour search
// of core. UMAP's exact graph (NearestNeighbours.h), trustworthiness' and the
// batch metrics' kNN (BatchMetrics.h) all come from here. Squared distances
// are screened in float on all threads, then each row's candidates are
// re-ranked by exact double-precision distances; a row whose float screening
// could have missed a neighbour is recomputed in double from scratch, so the
// result is the exact neighbour set, ties broken by the smaller index
// (sklearn's order among exactly tied neighbours is unspecified).
// Cost O(n^2 * dim) time, O(n * (dim + k)) memory (no n x n matrix).
#pragma once

#include "core/common/EmbeddingView.h"
#include "core/common/Progress.h"

#include <cstdint>
#include <vector>

namespace hescape {

// The k nearest other cells of every cell, nearest first.
struct NeighbourGraph {
    std::int64_t rows = 0;
    int k = 0;
    std::vector<std::int32_t> index;  // rows x k, row-major
    std::vector<double> distance;     // rows x k, Euclidean, ascending per row
};

// threads = 0: the thread budget. Throws std::invalid_argument ("embeddings:
// ...", "k: ...") for non-finite values or k outside 1 .. rows - 1;
// CancelledError when progress.cancel is set.
NeighbourGraph exactNeighbours(EmbeddingView embeddings, int k, int threads = 0, const Progress& progress = {});

}  // namespace hescape
