// UMAP (McInnes, Healy & Melville 2018) for the embedding explorer: a 2-D or
// 3-D layout of n embeddings, following umap-learn 0.5's fit step by step
// (kNN graph, smooth_knn_dist, fuzzy union, find_ab_params, spectral
// initialisation, optimize_layout_euclidean). Plain C++, no Qt, no torch; safe
// to call from a worker thread. Same input + options (seed) = the same bits,
// whatever the thread count.
#pragma once

#include "core/common/Progress.h"
#include "core/embedding/NearestNeighbours.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace hescape {

enum class UmapInit {
    Spectral,  // umap-learn's default: eigenvectors of the graph's normalised Laplacian
    Random,    // uniform in [-10, 10]
};

// Defaults are umap-learn's.
struct UmapOptions {
    int nComponents = 2;
    int nNeighbors = 15;  // the point itself included, as in umap-learn
    double minDist = 0.1;
    double spread = 1.0;
    int nEpochs = 0;  // 0: 500 for n <= 10,000, else 200
    double learningRate = 1.0;
    int negativeSampleRate = 5;
    double repulsionStrength = 1.0;  // gamma
    double localConnectivity = 1.0;
    double setOpMixRatio = 1.0;  // 1 = fuzzy union, 0 = fuzzy intersection
    LayoutMetric metric = LayoutMetric::Euclidean;
    UmapInit init = UmapInit::Spectral;
    std::uint64_t seed = 42;
    int threads = 0;                      // <= 0: every hardware thread
    std::int64_t exactKnnMaxPoints = 50000;  // exact kNN up to here, NN-descent above
    int spectralIterations = 300;         // cap on the spectral init's block products with the graph
};

struct UmapResult {
    std::vector<float> coordinates;  // n x nComponents, row-major
    int nComponents = 0;
    double a = 0, b = 0;  // the fitted curve 1 / (1 + a d^2b)
    int epochs = 0;
    std::int64_t edges = 0;        // directed edges of the fuzzy graph after pruning
    bool exactNeighbours = true;
    bool spectralInit = false;     // false: random initialisation
    int spectralIterationsRun = 0;
    bool spectralConverged = false;
};

// `data` is n x dim, row-major. Throws std::invalid_argument (with what is
// wrong) on dim < 1, n < nNeighbors + 1, non-finite values or options out of
// range; CancelledError when progress.cancel is set (checked between chunks
// of work, so within a fraction of a second). Progress::report may be called
// from worker threads, one call at a time.
UmapResult umapLayout(const std::vector<float>& data, std::int64_t dim, const UmapOptions& options = {},
                      const Progress& progress = {});

// umap-learn's find_ab_params: least-squares fit of 1 / (1 + a x^2b) to 1 for
// x < minDist and exp(-(x - minDist) / spread) beyond, at 300 points of [0, 3 spread].
std::pair<double, double> fitUmapCurve(double spread, double minDist);

// umap-learn's smooth_knn_dist on a kNN graph (self first in each row):
// per point, rho (distance to the nearest other point, by local connectivity)
// and sigma (so that the memberships of the k - 1 others sum to log2(k)).
struct SmoothKnn {
    std::vector<float> sigma, rho;
};
SmoothKnn smoothKnnDistances(const KnnGraph& graph, double localConnectivity = 1.0);

}  // namespace hescape
