// The all-pairs distance pass: a tiled float kernel (written once with
// GCC/Clang vector types, compiled for the baseline and for AVX2 + FMA,
// picked on first use) streams every row's squared distances to every other
// row past two consumers, a kNN candidate buffer and per-key distance sums;
// exact neighbours are then proven (or recomputed) in double.
#include "core/neighbours/PairScan.h"

#include "core/compute/ParallelFor.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// Not target_clones: its ifunc resolver runs before the ThreadSanitizer
// runtime is up and crashes TSan builds.
#if defined(__GNUC__) && defined(__x86_64__)
#define HESCAPE_AVX2_KERNEL 1
#endif

namespace hescape::pairscan {

namespace {

// Element i of a vector, i a signed count (cells, codes and neighbours are
// counted in signed integers here).
template <class V>
decltype(auto) at(V& v, std::int64_t i) {
    return v[static_cast<std::size_t>(i)];
}
constexpr std::int64_t kRowChunk = 64;     // rows a worker claims at once
constexpr std::int64_t kBlockPanels = 64;  // panels per column block: 1024 columns, L2-resident at dim 128
constexpr std::int64_t kBlockColumns = kBlockPanels * kPanel;

using Vec8 = float __attribute__((vector_size(32)));

// Squared Euclidean distances from four rows to every column of `panelCount`
// consecutive panels (a panel: dim x 16 floats, column-minor), written to
// out[r * stride + column]. Differences are squared directly rather than
// expanded as |x|^2 + |y|^2 - 2 x.y: slower by one subtraction, but every
// term is non-negative, so the float result is within a relative
// (dim + 4) * 2^-24 of the exact value, which the kNN refinement relies on,
// and near-duplicate cells do not suffer cancellation.
[[gnu::always_inline]] inline void squaredDistances4Body(const float* r0, const float* r1, const float* r2, const float* r3,
                                                         const float* panels, std::int64_t panelCount, std::int64_t dim, float* out,
                                                         std::int64_t stride) {
    for (std::int64_t p = 0; p < panelCount; ++p) {
        const float* panel = panels + p * dim * kPanel;
        Vec8 a0 = {}, b0 = {}, a1 = {}, b1 = {}, a2 = {}, b2 = {}, a3 = {}, b3 = {};
        for (std::int64_t c = 0; c < dim; ++c) {
            Vec8 lo, hi;
            std::memcpy(&lo, panel + c * kPanel, sizeof lo);
            std::memcpy(&hi, panel + c * kPanel + 8, sizeof hi);
            Vec8 d = lo - r0[c];
            a0 += d * d;
            d = hi - r0[c];
            b0 += d * d;
            d = lo - r1[c];
            a1 += d * d;
            d = hi - r1[c];
            b1 += d * d;
            d = lo - r2[c];
            a2 += d * d;
            d = hi - r2[c];
            b2 += d * d;
            d = lo - r3[c];
            a3 += d * d;
            d = hi - r3[c];
            b3 += d * d;
        }
        float* o = out + p * kPanel;
        std::memcpy(o, &a0, sizeof a0);
        std::memcpy(o + 8, &b0, sizeof b0);
        std::memcpy(o + stride, &a1, sizeof a1);
        std::memcpy(o + stride + 8, &b1, sizeof b1);
        std::memcpy(o + 2 * stride, &a2, sizeof a2);
        std::memcpy(o + 2 * stride + 8, &b2, sizeof b2);
        std::memcpy(o + 3 * stride, &a3, sizeof a3);
        std::memcpy(o + 3 * stride + 8, &b3, sizeof b3);
    }
}

using DistanceKernel = void (*)(const float*, const float*, const float*, const float*, const float*, std::int64_t, std::int64_t,
                                float*, std::int64_t);

void squaredDistances4Baseline(const float* r0, const float* r1, const float* r2, const float* r3, const float* panels,
                               std::int64_t panelCount, std::int64_t dim, float* out, std::int64_t stride) {
    squaredDistances4Body(r0, r1, r2, r3, panels, panelCount, dim, out, stride);
}

#if defined(HESCAPE_AVX2_KERNEL)
[[gnu::target("avx2,fma")]] void squaredDistances4Avx2(const float* r0, const float* r1, const float* r2, const float* r3,
                                                       const float* panels, std::int64_t panelCount, std::int64_t dim, float* out,
                                                       std::int64_t stride) {
    squaredDistances4Body(r0, r1, r2, r3, panels, panelCount, dim, out, stride);
}
#endif

DistanceKernel distanceKernel() {
#if defined(HESCAPE_AVX2_KERNEL)
    static const DistanceKernel chosen = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? &squaredDistances4Avx2 : &squaredDistances4Baseline;
    }();
    return chosen;
#else
    return &squaredDistances4Baseline;
#endif
}

// sqrt over a row of the tile. std::sqrt does not vectorise while it may set
// errno; the inputs are never negative, so the SSE2 instruction is exact.
void sqrtInPlace(float* v, std::int64_t n) {
    std::int64_t i = 0;
#if defined(__SSE2__)
    for (; i + 4 <= n; i += 4) _mm_storeu_ps(v + i, _mm_sqrt_ps(_mm_loadu_ps(v + i)));
#endif
    for (; i < n; ++i) v[i] = std::sqrt(v[i]);
}






// A row's candidates while its columns stream past: a panel's columns below
// the threshold are appended (branch-free), and once the buffer holds 2m,
// it is cut to the m smallest with nth_element, whose largest becomes the
// threshold. Amortised O(1) per accepted column, where a heap pays O(log m)
// and a branch per column. The threshold only falls, so a column left out
// (rejected, or cut) is >= the final threshold.
struct CandidateBuffer {
    static constexpr int kSlack = kPanel;  // room for one panel past 2m
    Candidate* items = nullptr;
    int size = 0;
    float threshold = std::numeric_limits<float>::infinity();

    void cut(int m) {
        const auto less = [](const Candidate& a, const Candidate& b) { return a.d2 < b.d2; };
        std::nth_element(items, items + (m - 1), items + size, less);
        size = m;
        threshold = items[m - 1].d2;
    }
    // Columns j0 .. j0 + width - 1 with squared distances v; `self` is skipped.
    void offerPanel(const float* v, std::int64_t width, std::int64_t j0, std::int64_t self, int m) {
        if (size >= 2 * m) cut(m);
        const float t = threshold;
        for (std::int64_t jj = 0; jj < width; ++jj) {
            const std::int64_t j = j0 + jj;
            items[size] = Candidate{v[jj], static_cast<std::int32_t>(j)};
            size += static_cast<int>((v[jj] < t) & (j != self));
        }
    }
};

// Per panel: the key all its columns carry, or -1 (such panels are summed as a whole).
std::vector<int> panelKeys(const Packed& p, const std::vector<int>& key) {
    std::vector<int> panelKey(static_cast<std::size_t>(p.panels), -1);
    for (std::int64_t q = 0; q < p.panels; ++q) {
        const std::int64_t j0 = q * kPanel, j1 = std::min(p.n, j0 + kPanel);
        const int k0 = at(key, j0);
        bool same = true;
        for (std::int64_t j = j0 + 1; j < j1; ++j) same = same && at(key, j) == k0;
        if (same) at(panelKey, q) = k0;
    }
    return panelKey;
}

// Row i's squared distances d2 to the columns of panels q0 .. q1 - 1 offered to its candidates.
void offerBlock(CandidateBuffer& b, const float* d2, std::int64_t q0, std::int64_t q1, std::int64_t n, std::int64_t i, int m) {
    const std::int64_t col0 = q0 * kPanel, cols = std::min(n, q1 * kPanel) - col0;
    for (std::int64_t q = 0; q < q1 - q0; ++q) {
        const float* v = d2 + q * kPanel;
        const std::int64_t width = std::min<std::int64_t>(kPanel, cols - q * kPanel);
        // Most panels hold nothing below the threshold: one vectorisable minimum decides that.
        if (width == kPanel) {
            float low[4] = {v[0], v[1], v[2], v[3]};
            for (int a = 4; a < kPanel; a += 4)
                for (int l = 0; l < 4; ++l) low[l] = std::min(low[l], v[a + l]);
            if (!(std::min(std::min(low[0], low[1]), std::min(low[2], low[3])) < b.threshold)) continue;
        }
        b.offerPanel(v, width, col0 + q * kPanel, i, m);
    }
}

// Row sums of distances per key over panels q0 .. q1 - 1; d2 becomes the distances.
void addBlockSums(double* s, float* d2, std::int64_t q0, std::int64_t q1, std::int64_t n, const std::vector<int>& panelKey,
                  const std::vector<int>& key) {
    sqrtInPlace(d2, std::min(n, q1 * kPanel) - q0 * kPanel);
    for (std::int64_t q = q0; q < q1; ++q) {
        const float* v = d2 + (q - q0) * kPanel;
        const std::int64_t width = std::min<std::int64_t>(kPanel, n - q * kPanel);
        const int k = at(panelKey, q);
        if (k >= 0 && width == kPanel) {
            // Four partial sums: vectorisable without reassociating.
            float part[4] = {0, 0, 0, 0};
            for (int a = 0; a < kPanel; a += 4)
                for (int l = 0; l < 4; ++l) part[l] += v[a + l];
            s[k] += static_cast<double>((part[0] + part[1]) + (part[2] + part[3]));
        } else {
            for (std::int64_t jj = 0; jj < width; ++jj) s[at(key, q * kPanel + jj)] += static_cast<double>(v[jj]);
        }
    }
}

void keepCandidates(CandidateBuffer& b, int m, std::int64_t i, PassCandidates& out) {
    if (b.size > m) b.cut(m);
    std::copy_n(b.items, b.size, out.best.begin() + i * m);
    at(out.size, i) = b.size;
    at(out.bound, i) = b.size == m ? b.threshold : std::numeric_limits<float>::infinity();
}

// In double from the original floats; four partial sums keep the adds
// independent (and vectorisable).
double exactSquared(EmbeddingView x, std::int64_t a, std::int64_t b) {
    const float* p = x.row(a);
    const float* q = x.row(b);
    double s[4] = {0, 0, 0, 0};
    std::int64_t c = 0;
    for (; c + 4 <= x.dim; c += 4) {
        for (int l = 0; l < 4; ++l) {
            const double d = static_cast<double>(p[c + l]) - static_cast<double>(q[c + l]);
            s[l] += d * d;
        }
    }
    for (; c < x.dim; ++c) {
        const double d = static_cast<double>(p[c]) - static_cast<double>(q[c]);
        s[0] += d * d;
    }
    return (s[0] + s[1]) + (s[2] + s[3]);
}

}  // namespace

void checkEmbeddingRows(EmbeddingView x) {
    if (x.data == nullptr || x.rows <= 0 || x.dim <= 0)
        throw std::invalid_argument("embeddings: empty (" + std::to_string(x.rows) + " rows x " + std::to_string(x.dim) + ")");
    if (x.rows > std::numeric_limits<std::int32_t>::max())
        throw std::invalid_argument("embeddings: " + std::to_string(x.rows) + " rows are more than 2^31 - 1");
    for (std::int64_t i = 0; i < x.rows; ++i) {
        const float* r = x.row(i);
        for (std::int64_t c = 0; c < x.dim; ++c) {
            if (!std::isfinite(r[c]))
                throw std::invalid_argument("embeddings: row " + std::to_string(i) + ", column " + std::to_string(c) + " is " +
                                            (std::isnan(r[c]) ? "NaN" : "infinite"));
        }
    }
}

Packed pack(EmbeddingView x, std::vector<std::int64_t> order) {
    Packed p;
    p.n = x.rows;
    p.dim = x.dim;
    p.panels = (p.n + kPanel - 1) / kPanel;
    float maxAbs = 0;
    for (std::int64_t i = 0; i < x.rows * x.dim; ++i) maxAbs = std::max(maxAbs, std::abs(x.data[i]));
    p.scale = maxAbs > 0 ? std::ldexp(1.0, -(std::ilogb(maxAbs) + 1)) : 1.0;
    const float s = static_cast<float>(p.scale);
    p.order = std::move(order);
    p.rows.resize(static_cast<std::size_t>(p.n * p.dim));
    p.panelData.assign(static_cast<std::size_t>(p.panels * p.dim * kPanel), 0.f);
    for (std::int64_t i = 0; i < p.n; ++i) {
        const float* src = x.row(at(p.order, i));
        float* dst = p.rows.data() + i * p.dim;
        float* panel = p.panelData.data() + (i / kPanel) * p.dim * kPanel + i % kPanel;
        for (std::int64_t c = 0; c < p.dim; ++c) {
            dst[c] = src[c] * s;
            panel[c * kPanel] = dst[c];
        }
    }
    return p;
}

PassCandidates scanPairs(const Packed& p, const PassSpec& spec, int threads, const RowSums& finish, const Progress& progress) {
    const std::int64_t n = p.n;
    const int m = spec.candidates;
    PassCandidates out;
    out.m = m;
    if (m > 0) {
        out.best.resize(static_cast<std::size_t>(n * m));
        out.size.assign(static_cast<std::size_t>(n), 0);
        out.bound.assign(static_cast<std::size_t>(n), std::numeric_limits<float>::infinity());
    }
    const std::vector<int> panelKey = spec.keys > 0 ? panelKeys(p, *spec.key) : std::vector<int>{};
    const std::int64_t chunks = (n + kRowChunk - 1) / kRowChunk;
    const DistanceKernel squaredDistances4 = distanceKernel();
    ChunkProgress tracker(progress, n, 0.0, 1.0, "nearest neighbours (exact)");
    forEachWorker(chunks, threads, progress, [&](const auto& claim) {
        std::vector<float> tile(static_cast<std::size_t>(4 * kBlockColumns));
        std::vector<double> sums(static_cast<std::size_t>(kRowChunk * std::max(spec.keys, 0)));
        const std::size_t capacity = m > 0 ? static_cast<std::size_t>(2 * m + CandidateBuffer::kSlack) : 0;
        std::vector<Candidate> storage(static_cast<std::size_t>(kRowChunk) * capacity);
        std::vector<CandidateBuffer> buffers(static_cast<std::size_t>(kRowChunk));
        for (std::int64_t c = claim(); c >= 0; c = claim()) {
            const std::int64_t r0 = c * kRowChunk, r1 = std::min(n, r0 + kRowChunk);
            std::fill(sums.begin(), sums.end(), 0.0);
            for (std::size_t t = 0; t < buffers.size(); ++t) buffers[t] = CandidateBuffer{storage.data() + t * capacity};
            // The sweep starts at the chunk's own block: cells sorted by key sit
            // next to cells of their key, often their neighbours, so the kNN
            // threshold tightens early and fewer columns are taken in.
            const std::int64_t blocks = (p.panels + kBlockPanels - 1) / kBlockPanels;
            const std::int64_t firstBlock = r0 / kBlockColumns;
            for (std::int64_t bi = 0; bi < blocks; ++bi) {
                const std::int64_t q0 = ((firstBlock + bi) % blocks) * kBlockPanels;
                const std::int64_t q1 = std::min(p.panels, q0 + kBlockPanels);
                for (std::int64_t g = r0; g < r1; g += 4) {
                    // A short last group repeats its last row; the copies are ignored.
                    const auto rowPtr = [&](std::int64_t t) { return p.rows.data() + std::min(g + t, r1 - 1) * p.dim; };
                    squaredDistances4(rowPtr(0), rowPtr(1), rowPtr(2), rowPtr(3), p.panelData.data() + q0 * p.dim * kPanel, q1 - q0,
                                      p.dim, tile.data(), kBlockColumns);
                    for (std::int64_t t = 0; t < 4 && g + t < r1; ++t) {
                        const std::int64_t i = g + t;
                        float* d2 = tile.data() + t * kBlockColumns;
                        if (m > 0) offerBlock(at(buffers, i - r0), d2, q0, q1, n, i, m);
                        if (spec.keys > 0) addBlockSums(sums.data() + (i - r0) * spec.keys, d2, q0, q1, n, panelKey, *spec.key);
                    }
                }
            }
            if (spec.keys > 0) {
                for (std::int64_t i = r0; i < r1; ++i) finish(i, sums.data() + (i - r0) * spec.keys);
            }
            if (m > 0) {
                for (std::int64_t i = r0; i < r1; ++i) keepCandidates(at(buffers, i - r0), m, i, out);
            }
            tracker.add(r1 - r0);
        }
    });
    return out;
}


// Candidates beyond k kept by the float screening, so that float rounding
// near the k-th distance rarely forces the exact fallback.
int candidateCount(int k, std::int64_t n) {
    return static_cast<int>(std::min<std::int64_t>(n - 1, static_cast<std::int64_t>(k) + std::max(8, k / 4)));
}


// Re-ranks each row's float candidates by exact double distances. The k-th
// exact distance is proven to be the k-th overall when it lies below the
// smallest squared distance any non-candidate can have: non-candidates have
// float values >= F (the row's bound), and a float value is at most
// (1 + eps) times the exact one plus a tiny absolute term, so exact >=
// (F - delta) / (1 + eps). Otherwise (ties, duplicates, float overflow) the
// row is recomputed exactly against every cell.
NeighbourGraph refineNeighbours(EmbeddingView x, const Packed& p, const PassCandidates& cand, int k, int threads) {
    const std::int64_t n = p.n;
    NeighbourGraph g;
    g.rows = n;
    g.k = k;
    g.index.resize(static_cast<std::size_t>(n * k));
    g.distance.resize(static_cast<std::size_t>(n * k));
    const double eps = static_cast<double>(p.dim + 4) * std::ldexp(1.0, -24) * 1.01;
    const double delta = 64.0 * static_cast<double>(p.dim + 4) * static_cast<double>(std::numeric_limits<float>::denorm_min());
    const double scale2 = p.scale * p.scale;
    const bool everyone = cand.m >= n - 1;
    const std::int64_t chunks = (n + 255) / 256;
    forEachWorker(chunks, threads, Progress{}, [&](const auto& claim) {
        std::vector<std::pair<double, std::int32_t>> c;
        for (std::int64_t ch = claim(); ch >= 0; ch = claim()) {
            for (std::int64_t i = ch * 256; i < std::min(n, (ch + 1) * 256); ++i) {
                const std::int64_t oi = at(p.order, i);
                const Candidate* h = cand.best.data() + i * cand.m;
                const int size = at(cand.size, i);
                c.clear();
                for (int t = 0; t < size; ++t) {
                    // Candidates are scattered rows: fetch a few ahead.
                    if (t + 4 < size) {
                        const char* ahead = reinterpret_cast<const char*>(x.row(at(p.order, h[t + 4].j)));
                        for (std::int64_t b = 0; b < x.dim * static_cast<std::int64_t>(sizeof(float)); b += 64)
                            __builtin_prefetch(ahead + b);
                    }
                    const std::int64_t oj = at(p.order, h[t].j);
                    c.emplace_back(exactSquared(x, oi, oj), static_cast<std::int32_t>(oj));
                }
                std::sort(c.begin(), c.end());
                bool proven = everyone;
                if (!proven && size == cand.m) {
                    const double f = static_cast<double>(at(cand.bound, i));
                    proven = std::isfinite(f) && at(c, k - 1).first * scale2 < (f - delta) / (1 + eps);
                }
                if (!proven) {
                    c.clear();
                    for (std::int64_t j = 0; j < n; ++j)
                        if (j != oi) c.emplace_back(exactSquared(x, oi, j), static_cast<std::int32_t>(j));
                    std::partial_sort(c.begin(), c.begin() + k, c.end());
                }
                for (int t = 0; t < k; ++t) {
                    at(g.index, oi * k + t) = at(c, t).second;
                    at(g.distance, oi * k + t) = std::sqrt(at(c, t).first);
                }
            }
        }
    });
    return g;
}

std::vector<std::int64_t> identityOrder(std::int64_t n) {
    std::vector<std::int64_t> o(static_cast<std::size_t>(n));
    std::iota(o.begin(), o.end(), std::int64_t{0});
    return o;
}
}  // namespace hescape::pairscan
