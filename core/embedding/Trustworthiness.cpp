// Trustworthiness: the k nearest neighbours in both spaces from core's exact
// search (core/neighbours/ExactNeighbours.h); only layout neighbours outside
// the data's k nearest need their data-space rank, one pass over the data.
#include "core/embedding/Trustworthiness.h"

#include "core/embedding/LayoutInput.h"
#include "core/neighbours/ExactNeighbours.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <utility>

namespace hescape {

namespace {

// Squared euclidean distance in double with independent partial sums, so the
// compiler can keep several additions in flight (no -ffast-math needed).
double squaredDistance(const float* a, const float* b, std::int64_t dim) {
    double s[4] = {0, 0, 0, 0};
    std::int64_t t = 0;
    for (; t + 4 <= dim; t += 4) {
        for (int u = 0; u < 4; ++u) {
            const double diff = static_cast<double>(a[t + u]) - static_cast<double>(b[t + u]);
            s[u] += diff * diff;
        }
    }
    for (; t < dim; ++t) {
        const double diff = static_cast<double>(a[t]) - static_cast<double>(b[t]);
        s[0] += diff * diff;
    }
    return (s[0] + s[1]) + (s[2] + s[3]);
}

// 1-based rank of j among the points other than i by data distance, ties by index.
std::int64_t dataRank(const std::vector<double>& dHigh, std::int64_t i, std::int64_t j) {
    const double dj = dHigh[static_cast<std::size_t>(j)];
    std::int64_t rank = 1;
    for (std::int64_t l = 0; l < static_cast<std::int64_t>(dHigh.size()); ++l) {
        if (l == i) continue;
        const double dl = dHigh[static_cast<std::size_t>(l)];
        rank += dl < dj || (dl == dj && l < j);
    }
    return rank;
}

}  // namespace

double trustworthiness(const std::vector<float>& high, std::int64_t highDim, const std::vector<float>& low,
                       std::int64_t lowDim, int k, int threads, const Progress& progress) {
    const std::int64_t n = checkLayoutInput(high, highDim, 1, "trustworthiness (data)");
    const std::int64_t nLow = checkLayoutInput(low, lowDim, 1, "trustworthiness (layout)");
    if (n != nLow)
        throw std::invalid_argument("trustworthiness: the data has " + std::to_string(n) + " points but the layout " +
                                    std::to_string(nLow));
    if (k < 1 || 2 * static_cast<std::int64_t>(k) >= n)
        throw std::invalid_argument("trustworthiness: k (" + std::to_string(k) + ") must be at least 1 and less than n / 2 (n = " +
                                    std::to_string(n) + ")");
    // Both spaces' k nearest from core's exact search (ties by the smaller
    // index, like a stable argsort). A layout neighbour outside the data's k
    // nearest ranks beyond k; only those need a data-space rank.
    const NeighbourGraph lowNN = exactNeighbours(EmbeddingView(low.data(), n, lowDim), k, threads, stageProgress(progress, 0.0, 0.4));
    const NeighbourGraph highNN = exactNeighbours(EmbeddingView(high.data(), n, highDim), k, threads, stageProgress(progress, 0.4, 0.8));
    const std::int64_t chunk = 64;
    const std::int64_t chunks = (n + chunk - 1) / chunk;
    std::vector<std::int64_t> penalty(static_cast<std::size_t>(chunks), 0);
    ChunkProgress tracker(progress, n, 0.8, 1.0, "trustworthiness");
    forEachChunk(n, chunk, threads, progress, [&](std::int64_t c, std::int64_t begin, std::int64_t end) {
        std::vector<double> dHigh;
        std::int64_t sum = 0;
        for (std::int64_t i = begin; i < end; ++i) {
            const auto* nearData = highNN.index.data() + i * k;
            dHigh.clear();
            for (int r = 0; r < k; ++r) {
                const std::int32_t j = lowNN.index[static_cast<std::size_t>(i * k + r)];
                if (std::find(nearData, nearData + k, j) != nearData + k) continue;
                if (dHigh.empty()) {
                    dHigh.resize(static_cast<std::size_t>(n));
                    for (std::int64_t l = 0; l < n; ++l)
                        dHigh[static_cast<std::size_t>(l)] = squaredDistance(high.data() + i * highDim, high.data() + l * highDim, highDim);
                }
                sum += dataRank(dHigh, i, j) - k;
            }
        }
        penalty[static_cast<std::size_t>(c)] = sum;
        tracker.add(end - begin);
    });
    const std::int64_t total = std::accumulate(penalty.begin(), penalty.end(), std::int64_t{0});
    const double nd = static_cast<double>(n), kd = static_cast<double>(k);
    return 1.0 - static_cast<double>(total) * (2.0 / (nd * kd * (2.0 * nd - 3.0 * kd - 1.0)));
}

}  // namespace hescape
