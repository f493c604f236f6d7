// BatchMetrics: plain C++ and std::thread. The one expensive step, the
// distances between all pairs of cells, is a tiled float kernel (compiled a
// second time for AVX2 + FMA, picked at run time where the CPU has it) that
// feeds per-row consumers: kNN candidate buffers and per-label distance sums for
// the silhouettes. Everything after it is O(n * k).
#include "core/eval/BatchMetrics.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// The distance kernel is written once with GCC/Clang vector types and
// compiled twice on x86-64: for the baseline and for AVX2 + FMA, picked on
// first use. (Not target_clones: its ifunc resolver runs before the
// ThreadSanitizer runtime is up and crashes TSan builds.)
#if defined(__GNUC__) && defined(__x86_64__)
#define HESCAPE_AVX2_KERNEL 1
#endif

namespace hescape {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kPanel = 16;                 // columns per panel: two 8-float vectors
constexpr std::int64_t kRowChunk = 64;     // rows a worker claims at once
constexpr std::int64_t kBlockPanels = 64;  // panels per column block: 1024 columns, L2-resident at dim 128
constexpr std::int64_t kBlockColumns = kBlockPanels * kPanel;
// Label codes index per-code result vectors: categorical codes, not ids.
constexpr int kMaxCode = 1 << 20;

// Element i of a vector, i a signed count (cells, codes and neighbours are
// counted in signed integers here).
template <class V>
decltype(auto) at(V& v, std::int64_t i) {
    return v[static_cast<std::size_t>(i)];
}

// ---------------------------------------------------------------- validation

void checkEmbeddings(EmbeddingView x) {
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

void checkLabels(const std::vector<int>& labels, std::int64_t rows, const char* name) {
    if (static_cast<std::int64_t>(labels.size()) != rows)
        throw std::invalid_argument(std::string(name) + ": " + std::to_string(labels.size()) + " labels for " + std::to_string(rows) +
                                    " cells");
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] < 0 || labels[i] >= kMaxCode)
            throw std::invalid_argument(std::string(name) + ": code " + std::to_string(labels[i]) + " at cell " + std::to_string(i) +
                                        " (codes must be in 0.." + std::to_string(kMaxCode - 1) + ")");
    }
}

void checkNeighbours(int k, std::int64_t rows, const char* name) {
    if (k < 1 || static_cast<std::int64_t>(k) >= rows)
        throw std::invalid_argument(std::string(name) + ": " + std::to_string(k) + " neighbours need 1 <= k < cells (" +
                                    std::to_string(rows) + " cells)");
}

void checkGraph(const NeighbourGraph& g, const std::vector<int>& labels, int k, const char* labelName, const char* kName) {
    if (g.rows <= 0 || g.k < 1 || g.index.size() != static_cast<std::size_t>(g.rows * g.k) || g.distance.size() != g.index.size())
        throw std::invalid_argument("graph: not a neighbour graph (" + std::to_string(g.rows) + " rows, k = " + std::to_string(g.k) + ")");
    if (k < 1 || k > g.k)
        throw std::invalid_argument(std::string(kName) + ": " + std::to_string(k) + " neighbours asked of a graph with " +
                                    std::to_string(g.k));
    checkLabels(labels, g.rows, labelName);
}

int resolveThreads(int threads) {
    if (threads > 0) return threads;
    return std::max(1u, std::thread::hardware_concurrency());
}

// ------------------------------------------------------------------- labels

// Codes as given (any non-negative ints, gaps allowed) mapped to 0..size-1 in
// ascending code order, so that "smallest dense code" is "smallest code".
struct DenseLabels {
    std::vector<int> dense;            // per cell
    std::vector<int> code;             // dense -> original code
    std::vector<std::int64_t> count;   // per dense label
    int size() const { return static_cast<int>(code.size()); }
    int span() const { return code.empty() ? 0 : code.back() + 1; }  // per-code result vectors
};

DenseLabels densify(const std::vector<int>& labels) {
    DenseLabels d;
    const int maxCode = labels.empty() ? -1 : *std::max_element(labels.begin(), labels.end());
    std::vector<int> toDense(static_cast<std::size_t>(maxCode + 1), -1);
    for (const int l : labels) at(toDense, l) = 0;
    for (int c = 0; c <= maxCode; ++c) {
        if (at(toDense, c) == 0) {
            at(toDense, c) = d.size();
            d.code.push_back(c);
        }
    }
    d.count.assign(d.code.size(), 0);
    d.dense.resize(labels.size());
    for (std::size_t i = 0; i < labels.size(); ++i) {
        d.dense[i] = at(toDense, labels[i]);
        ++at(d.count, d.dense[i]);
    }
    return d;
}

// ------------------------------------------------------------------ threads

// Runs body(claim) on min(threads, chunks) threads; claim() hands out the
// chunk indices 0..chunks-1, each once, then -1. The first exception thrown
// by any body stops the others' claims and is rethrown here.
template <class Body>
void runParallel(std::int64_t chunks, int threads, const Body& body) {
    std::atomic<std::int64_t> next{0};
    std::exception_ptr error;
    std::mutex errorMutex;
    const auto claim = [&]() -> std::int64_t {
        const std::int64_t c = next.fetch_add(1);
        return c < chunks ? c : -1;
    };
    const auto worker = [&] {
        try {
            body(claim);
        } catch (...) {
            const std::lock_guard lock(errorMutex);
            if (!error) error = std::current_exception();
            next.store(chunks);
        }
    };
    const int count = static_cast<int>(std::clamp<std::int64_t>(chunks, 1, resolveThreads(threads)));
    std::vector<std::jthread> pool;
    pool.reserve(static_cast<std::size_t>(count - 1));
    for (int t = 1; t < count; ++t) pool.emplace_back(worker);
    worker();
    pool.clear();  // joins
    if (error) std::rethrow_exception(error);
}

// ------------------------------------------------------------ distance pass

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

template <class Finish>
PassCandidates scanPairs(const Packed& p, const PassSpec& spec, int threads, const Finish& finish) {
    const std::int64_t n = p.n;
    const int m = spec.candidates;
    PassCandidates out;
    out.m = m;
    if (m > 0) {
        out.best.resize(static_cast<std::size_t>(n * m));
        out.size.assign(static_cast<std::size_t>(n), 0);
        out.bound.assign(static_cast<std::size_t>(n), std::numeric_limits<float>::infinity());
    }
    // A panel whose columns all carry one key is summed as a whole.
    std::vector<int> panelKey;
    if (spec.keys > 0) {
        panelKey.assign(static_cast<std::size_t>(p.panels), -1);
        for (std::int64_t q = 0; q < p.panels; ++q) {
            const std::int64_t j0 = q * kPanel, j1 = std::min(n, j0 + kPanel);
            const int k0 = at(*spec.key, j0);
            bool same = true;
            for (std::int64_t j = j0 + 1; j < j1; ++j) same = same && at(*spec.key, j) == k0;
            if (same) at(panelKey, q) = k0;
        }
    }
    const std::int64_t chunks = (n + kRowChunk - 1) / kRowChunk;
    const DistanceKernel squaredDistances4 = distanceKernel();
    runParallel(chunks, threads, [&](const auto& claim) {
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
                const std::int64_t col0 = q0 * kPanel, cols = std::min(n, q1 * kPanel) - col0;
                for (std::int64_t g = r0; g < r1; g += 4) {
                    // A short last group repeats its last row; the copies are ignored.
                    const auto rowPtr = [&](std::int64_t t) { return p.rows.data() + std::min(g + t, r1 - 1) * p.dim; };
                    squaredDistances4(rowPtr(0), rowPtr(1), rowPtr(2), rowPtr(3), p.panelData.data() + q0 * p.dim * kPanel, q1 - q0,
                                      p.dim, tile.data(), kBlockColumns);
                    for (std::int64_t t = 0; t < 4 && g + t < r1; ++t) {
                        const std::int64_t i = g + t;
                        float* d2 = tile.data() + t * kBlockColumns;
                        if (m > 0) {
                            CandidateBuffer& b = at(buffers, i - r0);
                            for (std::int64_t q = 0; q < q1 - q0; ++q) {
                                const float* v = d2 + q * kPanel;
                                const std::int64_t width = std::min<std::int64_t>(kPanel, cols - q * kPanel);
                                // Most panels hold nothing below the threshold: one
                                // vectorisable minimum decides that.
                                if (width == kPanel) {
                                    float low[4] = {v[0], v[1], v[2], v[3]};
                                    for (int a = 4; a < kPanel; a += 4)
                                        for (int l = 0; l < 4; ++l) low[l] = std::min(low[l], v[a + l]);
                                    if (!(std::min(std::min(low[0], low[1]), std::min(low[2], low[3])) < b.threshold)) continue;
                                }
                                b.offerPanel(v, width, col0 + q * kPanel, i, m);
                            }
                        }
                        if (spec.keys > 0) {
                            sqrtInPlace(d2, cols);
                            double* s = sums.data() + (i - r0) * spec.keys;
                            for (std::int64_t q = q0; q < q1; ++q) {
                                const float* v = d2 + (q - q0) * kPanel;
                                const std::int64_t width = std::min<std::int64_t>(kPanel, n - q * kPanel);
                                const int key = at(panelKey, q);
                                if (key >= 0 && width == kPanel) {
                                    // Four partial sums: vectorisable without reassociating.
                                    float part[4] = {0, 0, 0, 0};
                                    for (int a = 0; a < kPanel; a += 4)
                                        for (int l = 0; l < 4; ++l) part[l] += v[a + l];
                                    s[key] += static_cast<double>((part[0] + part[1]) + (part[2] + part[3]));
                                } else {
                                    for (std::int64_t jj = 0; jj < width; ++jj)
                                        s[at(*spec.key, q * kPanel + jj)] += static_cast<double>(v[jj]);
                                }
                            }
                        }
                    }
                }
            }
            if (spec.keys > 0) {
                for (std::int64_t i = r0; i < r1; ++i) finish(i, sums.data() + (i - r0) * spec.keys);
            }
            if (m > 0) {
                for (std::int64_t i = r0; i < r1; ++i) {
                    CandidateBuffer& b = at(buffers, i - r0);
                    if (b.size > m) b.cut(m);
                    std::copy_n(b.items, b.size, out.best.begin() + i * m);
                    at(out.size, i) = b.size;
                    at(out.bound, i) = b.size == m ? b.threshold : std::numeric_limits<float>::infinity();
                }
            }
        }
    });
    return out;
}

// ------------------------------------------------------------ neighbours

// Candidates beyond k kept by the float screening, so that float rounding
// near the k-th distance rarely forces the exact fallback.
int candidateCount(int k, std::int64_t n) {
    return static_cast<int>(std::min<std::int64_t>(n - 1, static_cast<std::int64_t>(k) + std::max(8, k / 4)));
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
    runParallel(chunks, threads, [&](const auto& claim) {
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

// ------------------------------------------------------------- silhouettes

// sklearn's s = (b - a) / max(a, b): 0 for a singleton own label (sklearn sets
// it) and for a = b = 0 (sklearn's nan_to_num of 0 / 0).
double silhouetteValue(double ownSum, std::int64_t ownCount, double bestOther) {
    if (ownCount <= 1) return 0;
    const double a = ownSum / static_cast<double>(ownCount - 1);
    const double m = std::max(a, bestOther);
    return m > 0 ? (bestOther - a) / m : 0;
}

// Keys of a pass and the two labellings they refine: outer (e.g. cell type)
// and inner (batch within it). For a single labelling, outer = the key.
struct KeyLayout {
    std::vector<int> outerOf, innerOf;   // per key
    std::vector<std::int64_t> count;     // cells per key
    std::vector<std::int64_t> outerCount;
    std::vector<std::vector<int>> keysOfOuter;
};

KeyLayout singleLayout(const DenseLabels& d) {
    KeyLayout l;
    l.outerOf.resize(d.code.size());
    std::iota(l.outerOf.begin(), l.outerOf.end(), 0);
    l.innerOf = l.outerOf;
    l.count = d.count;
    l.outerCount = d.count;
    l.keysOfOuter.resize(d.code.size());
    for (int k = 0; k < d.size(); ++k) at(l.keysOfOuter, k) = {k};
    return l;
}

// Silhouette of the outer labelling over all cells, from one row's key sums.
double outerSilhouette(const KeyLayout& l, int key, const double* sums) {
    const int own = at(l.outerOf, key);
    double ownSum = 0, best = std::numeric_limits<double>::infinity();
    for (std::size_t o = 0; o < l.keysOfOuter.size(); ++o) {
        double s = 0;
        for (const int k : l.keysOfOuter[o]) s += sums[k];
        if (static_cast<int>(o) == own) ownSum = s;
        else best = std::min(best, s / static_cast<double>(l.outerCount[o]));
    }
    return silhouetteValue(ownSum, at(l.outerCount, own), best);
}

// Silhouette of the inner labelling among the cells of the row's outer label;
// NaN when that group has a single inner label.
double innerSilhouette(const KeyLayout& l, int key, const double* sums) {
    const auto& group = at(l.keysOfOuter, at(l.outerOf, key));
    if (group.size() < 2) return kNaN;
    double best = std::numeric_limits<double>::infinity();
    for (const int k : group)
        if (k != key) best = std::min(best, sums[k] / static_cast<double>(at(l.count, k)));
    return silhouetteValue(sums[key], at(l.count, key), best);
}

// Cells ordered by key (stable), for uniform panels.
std::vector<std::int64_t> orderByKey(const std::vector<int>& key) {
    std::vector<std::int64_t> o = identityOrder(static_cast<std::int64_t>(key.size()));
    std::stable_sort(o.begin(), o.end(), [&](std::int64_t a, std::int64_t b) {
        return at(key, a) < at(key, b);
    });
    return o;
}

std::vector<int> permuted(const std::vector<int>& v, const std::vector<std::int64_t>& order) {
    std::vector<int> out(order.size());
    for (std::size_t i = 0; i < order.size(); ++i) out[i] = at(v, order[i]);
    return out;
}

// Per-cell silhouette of dense labels (2 <= labels <= n - 1 checked by callers).
std::vector<double> silhouetteOfDense(EmbeddingView x, const DenseLabels& d, int threads) {
    const KeyLayout layout = singleLayout(d);
    const auto order = orderByKey(d.dense);
    const Packed p = pack(x, order);
    const std::vector<int> key = permuted(d.dense, order);
    std::vector<double> out(static_cast<std::size_t>(x.rows));
    PassSpec spec;
    spec.key = &key;
    spec.keys = d.size();
    scanPairs(p, spec, threads, [&](std::int64_t i, const double* sums) {
        at(out, at(p.order, i)) = outerSilhouette(layout, at(key, i), sums);
    });
    return out;
}

// scib's aggregation of 1 - |s| per cell: mean per group, mean over groups.
void summariseBatchSilhouette(BatchSilhouette& r, const DenseLabels& batches, const std::vector<int>& group, int groupSpan) {
    r.perGroup.assign(static_cast<std::size_t>(groupSpan), kNaN);
    r.perBatch.assign(static_cast<std::size_t>(batches.span()), kNaN);
    std::vector<double> gSum(static_cast<std::size_t>(groupSpan), 0.0), bSum(batches.code.size(), 0.0);
    std::vector<std::int64_t> gCount(static_cast<std::size_t>(groupSpan), 0), bCount(batches.code.size(), 0);
    for (std::size_t i = 0; i < r.perCell.size(); ++i) {
        if (std::isnan(r.perCell[i])) continue;
        at(gSum, group[i]) += r.perCell[i];
        ++at(gCount, group[i]);
        at(bSum, batches.dense[i]) += r.perCell[i];
        ++at(bCount, batches.dense[i]);
    }
    double total = 0;
    r.groupsScored = 0;
    for (int gi = 0; gi < groupSpan; ++gi) {
        if (at(gCount, gi) == 0) continue;
        at(r.perGroup, gi) = at(gSum, gi) / static_cast<double>(at(gCount, gi));
        total += at(r.perGroup, gi);
        ++r.groupsScored;
    }
    r.score = r.groupsScored > 0 ? total / r.groupsScored : kNaN;
    for (int b = 0; b < batches.size(); ++b) {
        if (at(bCount, b) > 0)
            at(r.perBatch, at(batches.code, b)) = at(bSum, b) / static_cast<double>(at(bCount, b));
    }
}

// -------------------------------------------------------------------- LISI

int resolveLisiNeighbours(double perplexity, int neighbours) {
    if (!(perplexity > 0) || !std::isfinite(perplexity))
        throw std::invalid_argument("perplexity: must be positive (got " + std::to_string(perplexity) + ")");
    if (neighbours > 0) return neighbours;
    const double k = std::round(3 * perplexity) - 1;
    if (k < 1 || k > 1e9) throw std::invalid_argument("perplexity: " + std::to_string(perplexity) + " gives no neighbours");
    return static_cast<int>(k);
}

// compute_simpson_index for one cell: Gaussian weights exp(-beta d) on the
// neighbour distances with beta binary-searched until the entropy is within
// tol of log(perplexity) (at most 50 updates), then sum over labels of the
// squared label weight. NaN where every weight underflowed (R: -1).
double simpsonIndex(const double* d, const int* denseLabel, int k, double perplexity, std::vector<double>& w,
                    std::vector<double>& byLabel, std::vector<int>& touched) {
    constexpr double tol = 1e-5;
    constexpr int tries = 50;
    const double logU = std::log(perplexity);
    w.resize(static_cast<std::size_t>(k));
    const auto entropy = [&](double beta) {
        double sum = 0, weighted = 0;
        for (int t = 0; t < k; ++t) {
            at(w, t) = std::exp(-d[t] * beta);
            sum += at(w, t);
            weighted += d[t] * at(w, t);
        }
        if (sum == 0) {
            std::fill(w.begin(), w.end(), 0.0);
            return 0.0;
        }
        for (auto& v : w) v /= sum;
        return std::log(sum) + beta * weighted / sum;
    };
    double beta = 1, betaMin = -std::numeric_limits<double>::infinity(), betaMax = std::numeric_limits<double>::infinity();
    double h = entropy(beta);
    double diff = h - logU;
    for (int t = 0; t < tries && std::abs(diff) > tol; ++t) {
        if (diff > 0) {  // too flat: sharpen
            betaMin = beta;
            beta = std::isfinite(betaMax) ? (beta + betaMax) / 2 : beta * 2;
        } else {
            betaMax = beta;
            beta = std::isfinite(betaMin) ? (beta + betaMin) / 2 : beta / 2;
        }
        h = entropy(beta);
        diff = h - logU;
    }
    if (h == 0) return kNaN;
    for (int t = 0; t < k; ++t) {
        const int l = denseLabel[t];
        if (at(byLabel, l) == 0) touched.push_back(l);
        at(byLabel, l) += at(w, t);
    }
    double simpson = 0;
    for (const int l : touched) {
        simpson += at(byLabel, l) * at(byLabel, l);
        at(byLabel, l) = 0;
    }
    touched.clear();
    return simpson;
}

// numpy's median of the finite values (nanmedian, as scib takes).
double medianOf(std::vector<double> v) {
    std::erase_if(v, [](double x) { return std::isnan(x); });
    if (v.empty()) return kNaN;
    const std::size_t m = v.size() / 2;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(m), v.end());
    const double hi = v[m];
    if (v.size() % 2) return hi;
    const double lo = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(m));
    return 0.5 * (lo + hi);
}

// --------------------------------------------------------------- union-find

struct UnionFind {
    std::vector<std::int32_t> parent;
    explicit UnionFind(std::int64_t n) : parent(static_cast<std::size_t>(n)) { std::iota(parent.begin(), parent.end(), 0); }
    std::int32_t find(std::int32_t a) {
        while (at(parent, a) != a) {
            at(parent, a) = at(parent, at(parent, a));
            a = at(parent, a);
        }
        return a;
    }
    void unite(std::int32_t a, std::int32_t b) {
        a = find(a);
        b = find(b);
        if (a != b) at(parent, std::max(a, b)) = std::min(a, b);
    }
};

}  // namespace

// =================================================================== public

NeighbourGraph exactNeighbours(EmbeddingView embeddings, int k, int threads) {
    checkEmbeddings(embeddings);
    checkNeighbours(k, embeddings.rows, "k");
    const Packed p = pack(embeddings, identityOrder(embeddings.rows));
    PassSpec spec;
    spec.candidates = candidateCount(k, p.n);
    const PassCandidates cand = scanPairs(p, spec, threads, [](std::int64_t, const double*) {});
    return refineNeighbours(embeddings, p, cand, k, threads);
}

std::vector<double> silhouetteSamples(EmbeddingView embeddings, const std::vector<int>& labels, int threads) {
    checkEmbeddings(embeddings);
    checkLabels(labels, embeddings.rows, "labels");
    const DenseLabels d = densify(labels);
    if (d.size() < 2 || d.size() > embeddings.rows - 1)
        throw std::invalid_argument("labels: silhouette needs 2 <= labels <= cells - 1 (" + std::to_string(d.size()) + " labels, " +
                                    std::to_string(embeddings.rows) + " cells)");
    return silhouetteOfDense(embeddings, d, threads);
}

double silhouetteScore(EmbeddingView embeddings, const std::vector<int>& labels, int threads) {
    const auto s = silhouetteSamples(embeddings, labels, threads);
    return std::accumulate(s.begin(), s.end(), 0.0) / static_cast<double>(s.size());
}

BatchSilhouette batchSilhouette(EmbeddingView embeddings, const std::vector<int>& batches, const std::vector<int>& cellTypes, int threads) {
    checkEmbeddings(embeddings);
    checkLabels(batches, embeddings.rows, "batches");
    if (!cellTypes.empty()) checkLabels(cellTypes, embeddings.rows, "cellTypes");
    const DenseLabels b = densify(batches);
    if (b.size() < 2) throw std::invalid_argument("batches: " + std::to_string(b.size()) + " batch present, need at least 2");
    const std::vector<int> group = cellTypes.empty() ? std::vector<int>(batches.size(), 0) : cellTypes;
    const DenseLabels g = densify(group);
    BatchSilhouette r;
    r.perCell.assign(batches.size(), kNaN);
    // Each group on its own: only distances within a cell type are needed.
    for (int gi = 0; gi < g.size(); ++gi) {
        std::vector<std::int64_t> members;
        for (std::size_t i = 0; i < group.size(); ++i)
            if (g.dense[i] == gi) members.push_back(static_cast<std::int64_t>(i));
        std::vector<int> sub(members.size());
        for (std::size_t t = 0; t < members.size(); ++t) sub[t] = at(batches, members[t]);
        const DenseLabels sb = densify(sub);
        if (sb.size() < 2 || sb.size() == static_cast<int>(members.size())) continue;  // scib skips these groups
        std::vector<float> rows(static_cast<std::size_t>(static_cast<std::int64_t>(members.size()) * embeddings.dim));
        for (std::size_t t = 0; t < members.size(); ++t)
            std::copy_n(embeddings.row(members[t]), embeddings.dim, rows.begin() + static_cast<std::ptrdiff_t>(t) * embeddings.dim);
        const auto s = silhouetteOfDense(EmbeddingView(rows, embeddings.dim), sb, threads);
        for (std::size_t t = 0; t < members.size(); ++t) at(r.perCell, members[t]) = 1 - std::abs(s[t]);
    }
    summariseBatchSilhouette(r, b, group, g.span());
    return r;
}

LisiSummary lisi(const NeighbourGraph& graph, const std::vector<int>& labels, double perplexity, int neighbours,
                 bool normalisedAsCellTypes, int threads) {
    const int k = resolveLisiNeighbours(perplexity, neighbours);
    checkGraph(graph, labels, k, "labels", "neighbours");
    const DenseLabels d = densify(labels);
    LisiSummary r;
    r.labels = d.size();
    r.perCell.assign(static_cast<std::size_t>(graph.rows), kNaN);
    const std::int64_t chunks = (graph.rows + 511) / 512;
    runParallel(chunks, threads, [&](const auto& claim) {
        std::vector<double> w, byLabel(static_cast<std::size_t>(d.size()), 0.0), dist(static_cast<std::size_t>(k));
        std::vector<int> touched, lab(static_cast<std::size_t>(k));
        for (std::int64_t c = claim(); c >= 0; c = claim()) {
            for (std::int64_t i = c * 512; i < std::min(graph.rows, (c + 1) * 512); ++i) {
                for (int t = 0; t < k; ++t) {
                    const std::size_t e = static_cast<std::size_t>(i * graph.k + t);
                    at(dist, t) = graph.distance[e];
                    at(lab, t) = at(d.dense, graph.index[e]);
                }
                const double s = simpsonIndex(dist.data(), lab.data(), k, perplexity, w, byLabel, touched);
                at(r.perCell, i) = 1 / s;
            }
        }
    });
    r.median = medianOf(r.perCell);
    double sum = 0;
    std::int64_t count = 0;
    std::vector<double> lSum(static_cast<std::size_t>(d.size()), 0.0);
    std::vector<std::int64_t> lCount(static_cast<std::size_t>(d.size()), 0);
    for (std::size_t i = 0; i < r.perCell.size(); ++i) {
        if (std::isnan(r.perCell[i])) continue;
        sum += r.perCell[i];
        ++count;
        at(lSum, d.dense[i]) += r.perCell[i];
        ++at(lCount, d.dense[i]);
    }
    r.mean = count > 0 ? sum / static_cast<double>(count) : kNaN;
    r.perLabel.assign(static_cast<std::size_t>(d.span()), kNaN);
    for (int l = 0; l < d.size(); ++l)
        if (at(lCount, l) > 0)
            at(r.perLabel, at(d.code, l)) = at(lSum, l) / static_cast<double>(at(lCount, l));
    const double L = r.labels;
    if (r.labels < 2) r.normalised = kNaN;
    else r.normalised = normalisedAsCellTypes ? (L - r.median) / (L - 1) : (r.median - 1) / (L - 1);
    return r;
}

KnnBatchAccuracy knnBatchAccuracy(const NeighbourGraph& graph, const std::vector<int>& batches, int k) {
    checkGraph(graph, batches, k, "batches", "k");
    const DenseLabels d = densify(batches);
    if (d.size() < 2) throw std::invalid_argument("batches: " + std::to_string(d.size()) + " batch present, need at least 2");
    KnnBatchAccuracy r;
    r.predicted.resize(batches.size());
    std::vector<int> votes(static_cast<std::size_t>(d.size()), 0);
    std::vector<std::int64_t> right(static_cast<std::size_t>(d.size()), 0);
    std::int64_t correct = 0;
    for (std::int64_t i = 0; i < graph.rows; ++i) {
        for (int t = 0; t < k; ++t) ++at(votes, at(d.dense, at(graph.index, i * graph.k + t)));
        // The first of the most voted dense labels: the smallest code wins ties.
        int best = 0;
        for (int l = 1; l < d.size(); ++l)
            if (at(votes, l) > at(votes, best)) best = l;
        std::fill(votes.begin(), votes.end(), 0);
        at(r.predicted, i) = at(d.code, best);
        if (best == at(d.dense, i)) {
            ++correct;
            ++at(right, best);
        }
    }
    r.accuracy = static_cast<double>(correct) / static_cast<double>(graph.rows);
    r.perBatch.assign(static_cast<std::size_t>(d.span()), kNaN);
    double recallSum = 0;
    for (int l = 0; l < d.size(); ++l) {
        const double recall = static_cast<double>(at(right, l)) / static_cast<double>(at(d.count, l));
        at(r.perBatch, at(d.code, l)) = recall;
        recallSum += recall;
    }
    r.balancedAccuracy = recallSum / d.size();
    r.chanceBalanced = 1.0 / d.size();
    return r;
}

GraphConnectivity graphConnectivity(const NeighbourGraph& graph, const std::vector<int>& labels, int k) {
    const std::vector<int> all = labels.empty() ? std::vector<int>(static_cast<std::size_t>(std::max<std::int64_t>(graph.rows, 0)), 0) : labels;
    checkGraph(graph, all, k, "labels", "k");
    const DenseLabels d = densify(all);
    // Edges only between cells of one label: the components of the induced
    // subgraphs, all labels at once.
    UnionFind uf(graph.rows);
    for (std::int64_t i = 0; i < graph.rows; ++i) {
        for (int t = 0; t < k; ++t) {
            const std::int32_t j = at(graph.index, i * graph.k + t);
            if (at(d.dense, i) == at(d.dense, j)) uf.unite(static_cast<std::int32_t>(i), j);
        }
    }
    std::vector<std::int64_t> componentSize(static_cast<std::size_t>(graph.rows), 0), largest(static_cast<std::size_t>(d.size()), 0);
    for (std::int64_t i = 0; i < graph.rows; ++i) ++at(componentSize, uf.find(static_cast<std::int32_t>(i)));
    for (std::int64_t i = 0; i < graph.rows; ++i) {
        auto& l = at(largest, at(d.dense, i));
        l = std::max(l, at(componentSize, uf.find(static_cast<std::int32_t>(i))));
    }
    GraphConnectivity r;
    r.perLabel.assign(static_cast<std::size_t>(d.span()), kNaN);
    double sum = 0;
    for (int l = 0; l < d.size(); ++l) {
        const double f = static_cast<double>(at(largest, l)) / static_cast<double>(at(d.count, l));
        at(r.perLabel, at(d.code, l)) = f;
        sum += f;
    }
    r.score = sum / d.size();
    return r;
}

BatchEffectReport batchEffectReport(EmbeddingView embeddings, const std::vector<int>& batches, const std::vector<int>& cellTypes,
                                    const BatchMetricsOptions& options) {
    checkEmbeddings(embeddings);
    checkLabels(batches, embeddings.rows, "batches");
    if (!cellTypes.empty()) checkLabels(cellTypes, embeddings.rows, "cellTypes");
    const DenseLabels b = densify(batches);
    if (b.size() < 2) throw std::invalid_argument("batches: " + std::to_string(b.size()) + " batch present, need at least 2");
    checkNeighbours(options.k, embeddings.rows, "k");
    const int lisiK = resolveLisiNeighbours(options.perplexity, options.lisiNeighbours);
    checkNeighbours(lisiK, embeddings.rows, "lisiNeighbours");
    const std::int64_t n = embeddings.rows;
    const bool typed = !cellTypes.empty();
    const std::vector<int> group = typed ? cellTypes : std::vector<int>(batches.size(), 0);
    const DenseLabels g = densify(group);

    // Keys: the (cell type, batch) pairs present, in that order.
    std::vector<int> keyOfCell(batches.size());
    KeyLayout layout;
    {
        std::vector<int> pairKey(static_cast<std::size_t>(g.size()) * static_cast<std::size_t>(b.size()), -1);
        const auto pair = [&](int gi, int bi) -> int& { return at(pairKey, std::int64_t{gi} * b.size() + bi); };
        for (std::size_t i = 0; i < batches.size(); ++i) pair(g.dense[i], b.dense[i]) = 0;
        layout.keysOfOuter.resize(static_cast<std::size_t>(g.size()));
        for (int gi = 0; gi < g.size(); ++gi) {
            for (int bi = 0; bi < b.size(); ++bi) {
                int& k = pair(gi, bi);
                if (k < 0) continue;
                k = static_cast<int>(layout.outerOf.size());
                layout.outerOf.push_back(gi);
                layout.innerOf.push_back(bi);
                at(layout.keysOfOuter, gi).push_back(k);
            }
        }
        layout.count.assign(layout.outerOf.size(), 0);
        for (std::size_t i = 0; i < batches.size(); ++i) {
            keyOfCell[i] = pair(g.dense[i], b.dense[i]);
            ++at(layout.count, keyOfCell[i]);
        }
        layout.outerCount = g.count;
    }
    const bool typeAsw = typed && g.size() >= 2 && g.size() <= n - 1;
    // scib skips groups with one batch or with every cell its own batch.
    std::vector<char> scored(static_cast<std::size_t>(g.size()));
    for (int gi = 0; gi < g.size(); ++gi) {
        const auto batchesInGroup = static_cast<std::int64_t>(at(layout.keysOfOuter, gi).size());
        at(scored, gi) = batchesInGroup >= 2 && batchesInGroup < at(g.count, gi);
    }

    const auto order = orderByKey(keyOfCell);
    const Packed p = pack(embeddings, order);
    const std::vector<int> key = permuted(keyOfCell, order);
    PassSpec spec;
    spec.key = &key;
    spec.keys = static_cast<int>(layout.count.size());
    const int K = std::max(options.k, lisiK);
    spec.candidates = candidateCount(K, n);
    std::vector<double> batchSil(static_cast<std::size_t>(n), kNaN), typeSil(static_cast<std::size_t>(n), kNaN);
    const PassCandidates cand = scanPairs(p, spec, options.threads, [&](std::int64_t i, const double* sums) {
        const int kk = at(key, i);
        const auto oi = static_cast<std::size_t>(at(p.order, i));
        if (at(scored, at(layout.outerOf, kk))) batchSil[oi] = 1 - std::abs(innerSilhouette(layout, kk, sums));
        if (typeAsw) typeSil[oi] = outerSilhouette(layout, kk, sums);
    });
    const NeighbourGraph graph = refineNeighbours(embeddings, p, cand, K, options.threads);

    BatchEffectReport r;
    r.cells = n;
    r.batches = b.size();
    r.cellTypes = typed ? g.size() : 0;
    r.cellsPerBatch.assign(static_cast<std::size_t>(b.span()), 0);
    for (int bi = 0; bi < b.size(); ++bi) at(r.cellsPerBatch, at(b.code, bi)) = at(b.count, bi);
    r.batchSilhouette.perCell = std::move(batchSil);
    summariseBatchSilhouette(r.batchSilhouette, b, group, g.span());
    r.cellTypeSilhouette = typeAsw ? std::accumulate(typeSil.begin(), typeSil.end(), 0.0) / static_cast<double>(n) : kNaN;
    r.cellTypeSilhouetteScaled = (r.cellTypeSilhouette + 1) / 2;
    r.ilisi = lisi(graph, batches, options.perplexity, lisiK, false, options.threads);
    if (typed) {
        r.clisi = lisi(graph, cellTypes, options.perplexity, lisiK, true, options.threads);
    } else {
        r.clisi.median = r.clisi.mean = r.clisi.normalised = kNaN;
    }
    r.knn = knnBatchAccuracy(graph, batches, options.k);
    r.connectivity = graphConnectivity(graph, group, options.k);
    return r;
}

}  // namespace hescape
