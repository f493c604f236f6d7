// Trustworthiness: one pass per point over all others in both spaces; only
// layout neighbours outside the data's k nearest need their data-space rank.
#include "core/embedding/Trustworthiness.h"

#include "core/embedding/LayoutInput.h"

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
    const std::int64_t chunk = 64;
    const std::int64_t chunks = (n + chunk - 1) / chunk;
    std::vector<std::int64_t> penalty(static_cast<std::size_t>(chunks), 0);
    ChunkProgress tracker(progress, n, 0.0, 1.0, "trustworthiness");
    forEachChunk(n, chunk, layoutThreads(threads), progress, [&](std::int64_t c, std::int64_t begin, std::int64_t end) {
        std::vector<double> dHigh(static_cast<std::size_t>(n)), scratch;
        std::vector<std::pair<double, std::int64_t>> dLow(static_cast<std::size_t>(n - 1));
        std::int64_t sum = 0;
        for (std::int64_t i = begin; i < end; ++i) {
            const float* xi = high.data() + i * highDim;
            const float* yi = low.data() + i * lowDim;
            std::size_t m = 0;
            for (std::int64_t j = 0; j < n; ++j) {
                dHigh[static_cast<std::size_t>(j)] = squaredDistance(xi, high.data() + j * highDim, highDim);
                if (j != i) dLow[m++] = {squaredDistance(yi, low.data() + j * lowDim, lowDim), j};
            }
            // The layout's k nearest, ties by index like a stable sort.
            std::partial_sort(dLow.begin(), dLow.begin() + k, dLow.end());
            // The data's k-th nearest distance: layout neighbours no farther
            // than it rank within k (up to exact ties, resolved below).
            scratch.assign(dHigh.begin(), dHigh.end());
            scratch[static_cast<std::size_t>(i)] = std::numeric_limits<double>::infinity();
            std::nth_element(scratch.begin(), scratch.begin() + (k - 1), scratch.end());
            const double kth = scratch[static_cast<std::size_t>(k - 1)];
            for (int r = 0; r < k; ++r) {
                const std::int64_t j = dLow[static_cast<std::size_t>(r)].second;
                const double dj = dHigh[static_cast<std::size_t>(j)];
                if (dj < kth) continue;
                // 1-based rank of j among the others by data distance, ties by index.
                std::int64_t rank = 1;
                for (std::int64_t l = 0; l < n; ++l) {
                    if (l == i) continue;
                    const double dl = dHigh[static_cast<std::size_t>(l)];
                    rank += dl < dj || (dl == dj && l < j);
                }
                if (rank > k) sum += rank - k;
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
