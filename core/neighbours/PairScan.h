// The all-pairs distance pass of the exact neighbour layer, shared by the
// exact k nearest neighbours (ExactNeighbours.h: UMAP's graph, the batch
// metrics' kNN) and the silhouettes (BatchMetrics.cpp), which consume the same
// stream of distances in one pass. Internal to core: its types are the pass's
// working state, not an API for the app.
#pragma once

#include "core/common/EmbeddingView.h"
#include "core/common/Progress.h"
#include "core/neighbours/ExactNeighbours.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace hescape::pairscan {

constexpr int kPanel = 16;  // columns per panel: two 8-float vectors

// The embedding in the pass's internal order (cells sorted by key so that most
// panels hold one key), scaled by a power of two so that every value is below
// 1 in magnitude: exact, and float squared distances can then neither
// overflow nor lose the relative error bound to underflow (but for
// differences below 2^-100, which the bound's absolute term covers).
struct Packed {
    std::int64_t n = 0, dim = 0, panels = 0;
    double scale = 1;               // packed = original * scale
    std::vector<std::int64_t> order;  // internal row -> original row
    std::vector<float> rows;        // n x dim
    std::vector<float> panelData;   // panels x dim x 16, zero-padded
};

struct Candidate {
    float d2;
    std::int32_t j;  // internal index
};

// What one pass collects. keys > 0: for every row, the sum of distances to
// the cells of each key, handed to finish(row, sums) once the row has seen
// every column (sums in scaled units). candidates > 0: every row's
// `candidates` nearest other cells by float squared distance.
struct PassSpec {
    const std::vector<int>* key = nullptr;  // internal order
    int keys = 0;
    int candidates = 0;
};

struct PassCandidates {
    int m = 0;
    std::vector<Candidate> best;  // n x m, unordered
    std::vector<int> size;        // per row: m, or fewer when n - 1 < m
    std::vector<float> bound;     // per row: every cell not among `best` has a float value >= bound
};

// Throws std::invalid_argument "embeddings: ..." for an empty view, more than
// 2^31 - 1 rows, or a NaN or infinite value (naming row and column).
void checkEmbeddingRows(EmbeddingView x);

// Rows in `order` (internal row -> original row), packed and scaled.
Packed pack(EmbeddingView x, std::vector<std::int64_t> order);
std::vector<std::int64_t> identityOrder(std::int64_t n);

// finish(row, sums): row in internal order, sums[key] in scaled units; called
// from worker threads, each row once.
using RowSums = std::function<void(std::int64_t row, const double* sums)>;
// One pass over all pairs on `threads` threads (0: the budget). Progress is
// reported per 64-row chunk; cancellation throws CancelledError.
PassCandidates scanPairs(const Packed& p, const PassSpec& spec, int threads, const RowSums& finish, const Progress& progress = {});

// Candidates kept per row for k exact neighbours (k plus a margin for float
// rounding near the k-th distance).
int candidateCount(int k, std::int64_t n);
// The k exact nearest other cells of every row, by double distances of the
// original floats; ties by the smaller original index.
NeighbourGraph refineNeighbours(EmbeddingView x, const Packed& p, const PassCandidates& cand, int k, int threads);

}  // namespace hescape::pairscan
