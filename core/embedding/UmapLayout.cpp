// UMAP, step by step as umap-learn 0.5.3 fits (umap_.py, layouts.py,
// spectral.py), with the two places where it had to differ said where they
// are: the spectral initialisation uses Chebyshev-filtered subspace iteration
// instead of ARPACK (and treats a disconnected graph as one, where umap-learn
// lays out each component separately), and the SGD runs blocks of points in
// parallel against a per-epoch snapshot so that threads do not change the result.
#include "core/embedding/UmapLayout.h"

#include "core/embedding/LayoutInput.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>

namespace hescape {

namespace {

constexpr double kSmoothKTolerance = 1e-5;  // umap-learn's SMOOTH_K_TOLERANCE
constexpr double kMinKDistScale = 1e-3;     // umap-learn's MIN_K_DIST_SCALE

void checkOptions(const UmapOptions& o) {
    auto fail = [](const std::string& what) { throw std::invalid_argument("UMAP: " + what); };
    if (o.nComponents < 1) fail("nComponents must be at least 1 (2 or 3 for a plot), got " + std::to_string(o.nComponents));
    if (o.nNeighbors < 2) fail("nNeighbors must be at least 2, got " + std::to_string(o.nNeighbors));
    if (!(o.spread > 0)) fail("spread must be positive");
    if (!(o.minDist >= 0)) fail("minDist must be non-negative");
    if (o.minDist > o.spread) fail("minDist must not exceed spread");
    if (o.nEpochs < 0) fail("nEpochs must not be negative");
    if (!(o.learningRate > 0)) fail("learningRate must be positive");
    if (o.negativeSampleRate < 0) fail("negativeSampleRate must not be negative");
    if (!(o.repulsionStrength >= 0)) fail("repulsionStrength must not be negative");
    if (!(o.localConnectivity >= 0)) fail("localConnectivity must not be negative");
    if (!(o.setOpMixRatio >= 0 && o.setOpMixRatio <= 1)) fail("setOpMixRatio must be in [0, 1]");
    if (o.spectralIterations < 0) fail("spectralIterations must not be negative");
}

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// xorshift64*: small, fast, and its whole state is one word per block of points.
struct BlockRandom {
    std::uint64_t state;
    explicit BlockRandom(std::uint64_t seed) : state(mix(seed) | 1) {}
    std::uint64_t next() {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        return state * 0x2545f4914f6cdd1dULL;
    }
};

// ---- fuzzy simplicial set -------------------------------------------------

// Symmetric sparse graph, rows sorted by column (the order umap-learn's COO
// edges have after sum_duplicates).
struct FuzzyGraph {
    std::int64_t n = 0;
    std::vector<std::int64_t> rowStart;
    std::vector<std::int32_t> col;
    std::vector<float> weight;
};

FuzzyGraph fuzzySimplicialSet(const KnnGraph& knn, const SmoothKnn& smooth, double mixRatio) {
    const std::int64_t n = knn.n;
    const int k = knn.k;
    // Directed memberships (compute_membership_strengths), then both
    // directions of each edge in one row-bucketed list: a = A_ij, b = A_ji.
    struct Entry {
        std::int32_t col;
        float a, b;
    };
    std::vector<std::int64_t> count(static_cast<std::size_t>(n + 1), 0);
    for (std::int64_t i = 0; i < n; ++i)
        for (int s = 0; s < k; ++s) {
            const auto j = knn.indices[static_cast<std::size_t>(i * k + s)];
            if (j == i) continue;
            ++count[static_cast<std::size_t>(i) + 1];
            ++count[static_cast<std::size_t>(j) + 1];
        }
    std::partial_sum(count.begin(), count.end(), count.begin());
    std::vector<Entry> entries(static_cast<std::size_t>(count.back()));
    std::vector<std::int64_t> fill(count.begin(), count.end() - 1);
    for (std::int64_t i = 0; i < n; ++i) {
        const double rho = smooth.rho[static_cast<std::size_t>(i)], sigma = smooth.sigma[static_cast<std::size_t>(i)];
        for (int s = 0; s < k; ++s) {
            const auto j = knn.indices[static_cast<std::size_t>(i * k + s)];
            if (j == i) continue;
            const double d = knn.distances[static_cast<std::size_t>(i * k + s)];
            const float v = (d - rho <= 0.0 || sigma == 0.0) ? 1.f : static_cast<float>(std::exp(-((d - rho) / sigma)));
            entries[static_cast<std::size_t>(fill[static_cast<std::size_t>(i)]++)] = {j, v, 0.f};
            entries[static_cast<std::size_t>(fill[static_cast<std::size_t>(j)]++)] = {static_cast<std::int32_t>(i), 0.f, v};
        }
    }
    FuzzyGraph g;
    g.n = n;
    g.rowStart.assign(static_cast<std::size_t>(n + 1), 0);
    for (std::int64_t i = 0; i < n; ++i) {
        auto b = entries.begin() + count[static_cast<std::size_t>(i)], e = entries.begin() + count[static_cast<std::size_t>(i + 1)];
        std::sort(b, e, [](const Entry& x, const Entry& y) { return x.col < y.col; });
        for (auto it = b; it != e;) {
            float a = 0, bt = 0;
            const auto c = it->col;
            for (; it != e && it->col == c; ++it) {
                a += it->a;
                bt += it->b;
            }
            const double prod = static_cast<double>(a) * bt;
            const auto w = static_cast<float>(mixRatio * (a + bt - prod) + (1.0 - mixRatio) * prod);
            if (w != 0.f) {
                g.col.push_back(c);
                g.weight.push_back(w);
            }
        }
        g.rowStart[static_cast<std::size_t>(i + 1)] = static_cast<std::int64_t>(g.col.size());
    }
    return g;
}

// umap-learn drops edges below max / n_epochs before laying out.
void pruneWeakEdges(FuzzyGraph& g, int epochs) {
    const float maxWeight = g.weight.empty() ? 0.f : *std::max_element(g.weight.begin(), g.weight.end());
    const float cut = maxWeight / static_cast<float>(epochs);
    std::int64_t out = 0;
    std::int64_t rowBegin = 0;
    for (std::int64_t i = 0; i < g.n; ++i) {
        const auto rowEnd = g.rowStart[static_cast<std::size_t>(i + 1)];
        for (auto e = rowBegin; e < rowEnd; ++e) {
            if (g.weight[static_cast<std::size_t>(e)] < cut) continue;
            g.col[static_cast<std::size_t>(out)] = g.col[static_cast<std::size_t>(e)];
            g.weight[static_cast<std::size_t>(out)] = g.weight[static_cast<std::size_t>(e)];
            ++out;
        }
        rowBegin = rowEnd;
        g.rowStart[static_cast<std::size_t>(i + 1)] = out;
    }
    g.col.resize(static_cast<std::size_t>(out));
    g.weight.resize(static_cast<std::size_t>(out));
}

// ---- spectral initialisation ----------------------------------------------

// Eigen-decomposition of a small symmetric matrix (row-major p x p) by cyclic
// Jacobi rotations; eigenvalues descending, eigenvectors as columns of `vectors`.
void symmetricEigen(std::vector<double> m, int p, std::vector<double>& values, std::vector<double>& vectors) {
    std::vector<double> v(static_cast<std::size_t>(p * p), 0.0);
    for (int i = 0; i < p; ++i) v[static_cast<std::size_t>(i * p + i)] = 1.0;
    auto at = [p](std::vector<double>& a, int r, int c) -> double& { return a[static_cast<std::size_t>(r * p + c)]; };
    for (int sweep = 0; sweep < 100; ++sweep) {
        double off = 0, total = 0;
        for (int r = 0; r < p; ++r)
            for (int c = 0; c < p; ++c) {
                total += at(m, r, c) * at(m, r, c);
                if (r != c) off += at(m, r, c) * at(m, r, c);
            }
        if (off <= 1e-30 * std::max(total, 1e-300)) break;
        for (int r = 0; r < p; ++r)
            for (int c = r + 1; c < p; ++c) {
                const double arc = at(m, r, c);
                if (std::abs(arc) < 1e-300) continue;
                const double theta = (at(m, c, c) - at(m, r, r)) / (2 * arc);
                const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
                const double cs = 1 / std::sqrt(t * t + 1), sn = t * cs;
                for (int q = 0; q < p; ++q) {  // m = J^T m J
                    const double mq_r = at(m, q, r), mq_c = at(m, q, c);
                    at(m, q, r) = cs * mq_r - sn * mq_c;
                    at(m, q, c) = sn * mq_r + cs * mq_c;
                }
                for (int q = 0; q < p; ++q) {
                    const double mr_q = at(m, r, q), mc_q = at(m, c, q);
                    at(m, r, q) = cs * mr_q - sn * mc_q;
                    at(m, c, q) = sn * mr_q + cs * mc_q;
                }
                for (int q = 0; q < p; ++q) {
                    const double vq_r = at(v, q, r), vq_c = at(v, q, c);
                    at(v, q, r) = cs * vq_r - sn * vq_c;
                    at(v, q, c) = sn * vq_r + cs * vq_c;
                }
            }
    }
    std::vector<int> order(static_cast<std::size_t>(p));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int x, int y) { return at(m, x, x) > at(m, y, y); });
    values.resize(static_cast<std::size_t>(p));
    vectors.assign(static_cast<std::size_t>(p * p), 0.0);
    for (int c = 0; c < p; ++c) {
        const int src = order[static_cast<std::size_t>(c)];
        values[static_cast<std::size_t>(c)] = at(m, src, src);
        for (int r = 0; r < p; ++r) vectors[static_cast<std::size_t>(r * p + c)] = at(v, r, src);
    }
}

constexpr std::int64_t kRowsPerChunk = 8192;

// Tall-skinny blocks (n x p, row-major, double). Products over n use fixed row
// chunks summed in chunk order: the same bits for any thread count.
struct TallBlock {
    std::int64_t n = 0;
    int p = 0;
    std::vector<double> v;
    double* row(std::int64_t i) { return v.data() + i * p; }
    const double* row(std::int64_t i) const { return v.data() + i * p; }
};

// a^T b (a.p x b.p, row-major).
std::vector<double> gram(const TallBlock& a, const TallBlock& b, int threads, const Progress& progress) {
    const int pa = a.p, pb = b.p;
    const std::int64_t chunks = (a.n + kRowsPerChunk - 1) / kRowsPerChunk;
    std::vector<double> partial(static_cast<std::size_t>(chunks * pa * pb), 0.0);
    forEachChunk(a.n, kRowsPerChunk, threads, progress, [&](std::int64_t c, std::int64_t b0, std::int64_t e0) {
        double* out = partial.data() + c * pa * pb;
        for (std::int64_t i = b0; i < e0; ++i) {
            const double* x = a.row(i);
            const double* y = b.row(i);
            for (int r = 0; r < pa; ++r)
                for (int s = 0; s < pb; ++s) out[r * pb + s] += x[r] * y[s];
        }
    });
    std::vector<double> g(static_cast<std::size_t>(pa * pb), 0.0);
    for (std::int64_t c = 0; c < chunks; ++c)
        for (int t = 0; t < pa * pb; ++t) g[static_cast<std::size_t>(t)] += partial[static_cast<std::size_t>(c * pa * pb + t)];
    return g;
}

// a := a * m (m is p x q, row-major); rows are independent.
void multiplyRight(TallBlock& a, const std::vector<double>& m, int q, int threads, const Progress& progress) {
    const int p = a.p;
    TallBlock out{a.n, q, std::vector<double>(static_cast<std::size_t>(a.n * q), 0.0)};
    forEachChunk(a.n, kRowsPerChunk, threads, progress, [&](std::int64_t, std::int64_t b0, std::int64_t e0) {
        for (std::int64_t i = b0; i < e0; ++i) {
            const double* x = a.row(i);
            double* y = out.row(i);
            for (int r = 0; r < p; ++r)
                for (int s = 0; s < q; ++s) y[s] += x[r] * m[static_cast<std::size_t>(r * q + s)];
        }
    });
    a = std::move(out);
}

// Orthonormalises the columns of `a` against `u0` (unit) and each other:
// projection, then Cholesky-QR twice. A column that has (numerically)
// vanished is replaced by a fresh random one, and the pass repeated.
void orthonormalise(TallBlock& a, const std::vector<double>& u0, std::uint64_t seed, int threads, const Progress& progress) {
    const int p = a.p;
    for (int attempt = 0; attempt < 8; ++attempt) {
        bool ok = true;
        for (int pass = 0; pass < 2 && ok; ++pass) {
            // Remove the trivial eigenvector's component.
            TallBlock u{a.n, 1, u0};
            const auto proj = gram(u, a, threads, progress);
            forEachChunk(a.n, kRowsPerChunk, threads, progress, [&](std::int64_t, std::int64_t b0, std::int64_t e0) {
                for (std::int64_t i = b0; i < e0; ++i)
                    for (int s = 0; s < p; ++s) a.row(i)[s] -= u0[static_cast<std::size_t>(i)] * proj[static_cast<std::size_t>(s)];
            });
            auto g = gram(a, a, threads, progress);
            // Cholesky g = R^T R (upper R), then a := a R^{-1}.
            std::vector<double> r(static_cast<std::size_t>(p * p), 0.0);
            double maxDiag = 0;
            for (int i = 0; i < p; ++i) maxDiag = std::max(maxDiag, g[static_cast<std::size_t>(i * p + i)]);
            for (int i = 0; i < p && ok; ++i) {
                double d = g[static_cast<std::size_t>(i * p + i)];
                for (int t = 0; t < i; ++t) d -= r[static_cast<std::size_t>(t * p + i)] * r[static_cast<std::size_t>(t * p + i)];
                if (!(d > 1e-12 * maxDiag) || !(maxDiag > 0)) {
                    // Column i depends on the others: replace it and start over.
                    std::mt19937_64 rng(mix(seed + static_cast<std::uint64_t>(attempt * 131 + i)));
                    std::normal_distribution<double> normal;
                    for (std::int64_t row = 0; row < a.n; ++row) a.row(row)[i] = normal(rng);
                    ok = false;
                    break;
                }
                r[static_cast<std::size_t>(i * p + i)] = std::sqrt(d);
                for (int j = i + 1; j < p; ++j) {
                    double s = g[static_cast<std::size_t>(i * p + j)];
                    for (int t = 0; t < i; ++t) s -= r[static_cast<std::size_t>(t * p + i)] * r[static_cast<std::size_t>(t * p + j)];
                    r[static_cast<std::size_t>(i * p + j)] = s / r[static_cast<std::size_t>(i * p + i)];
                }
            }
            if (!ok) break;
            // R^{-1} (upper triangular) by back substitution.
            std::vector<double> inv(static_cast<std::size_t>(p * p), 0.0);
            for (int c = 0; c < p; ++c) {
                for (int i = c; i >= 0; --i) {
                    double s = i == c ? 1.0 : 0.0;
                    for (int t = i + 1; t <= c; ++t) s -= r[static_cast<std::size_t>(i * p + t)] * inv[static_cast<std::size_t>(t * p + c)];
                    inv[static_cast<std::size_t>(i * p + c)] = s / r[static_cast<std::size_t>(i * p + i)];
                }
            }
            multiplyRight(a, inv, p, threads, progress);
        }
        if (ok) return;
    }
    throw std::runtime_error("UMAP: the spectral initialisation could not orthonormalise its vectors");
}

struct SpectralOutcome {
    std::vector<double> coords;  // n x dim
    int iterations = 0;          // block products with the graph
    bool converged = false;
};

// The `dim` eigenvectors of the normalised Laplacian I - D^-1/2 W D^-1/2 with
// the smallest non-trivial eigenvalues (umap-learn's spectral_layout asks
// ARPACK for them, tol 1e-4). Here: the largest eigenvectors of
// M = D^-1/2 W D^-1/2 (spectrum in [-1, 1]) by Chebyshev-filtered subspace
// iteration (Zhou & Saad 2007) with Rayleigh-Ritz, the trivial eigenvector
// D^1/2 1 projected out, and four extra vectors in the block. Plain power
// iteration converges far too slowly on clustered data, whose top
// eigenvalues are all close to 1; the filter damps [-1, b] (b = the block's
// smallest Ritz value) so that the wanted ones emerge in about the square
// root of the products. At most `maxProducts` block products with M.
SpectralOutcome spectralLayout(const FuzzyGraph& g, int dim, int maxProducts, std::uint64_t seed, int threads,
                               const Progress& progress) {
    const std::int64_t n = g.n;
    std::vector<double> invSqrtDegree(static_cast<std::size_t>(n)), u0(static_cast<std::size_t>(n));
    double norm = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        double deg = 0;
        for (auto e = g.rowStart[static_cast<std::size_t>(i)]; e < g.rowStart[static_cast<std::size_t>(i + 1)]; ++e) deg += g.weight[static_cast<std::size_t>(e)];
        invSqrtDegree[static_cast<std::size_t>(i)] = deg > 0 ? 1 / std::sqrt(deg) : 0.0;
        u0[static_cast<std::size_t>(i)] = std::sqrt(deg);
        norm += deg;
    }
    for (auto& u : u0) u /= std::sqrt(norm);
    const int p = static_cast<int>(std::min<std::int64_t>(dim + 4, n - 1));
    TallBlock q{n, p, std::vector<double>(static_cast<std::size_t>(n * p))};
    {
        std::mt19937_64 rng(mix(seed ^ 0x51ec7a1ULL));
        std::normal_distribution<double> normal;
        for (auto& x : q.v) x = normal(rng);
    }
    orthonormalise(q, u0, seed, threads, progress);
    int products = 0;
    // out = alpha * M in + beta * in + gamma * prev (prev may be null); rows independent.
    auto combine = [&](const TallBlock& in, double alpha, double beta, const TallBlock* prev, double gamma) {
        ++products;
        TallBlock out{n, p, std::vector<double>(static_cast<std::size_t>(n * p), 0.0)};
        forEachChunk(n, kRowsPerChunk, threads, progress, [&](std::int64_t, std::int64_t b0, std::int64_t e0) {
            std::vector<double> acc(static_cast<std::size_t>(p));
            for (std::int64_t i = b0; i < e0; ++i) {
                std::fill(acc.begin(), acc.end(), 0.0);
                for (auto e = g.rowStart[static_cast<std::size_t>(i)]; e < g.rowStart[static_cast<std::size_t>(i + 1)]; ++e) {
                    const auto j = g.col[static_cast<std::size_t>(e)];
                    const double w = g.weight[static_cast<std::size_t>(e)] * invSqrtDegree[static_cast<std::size_t>(j)];
                    const double* x = in.row(j);
                    for (int s = 0; s < p; ++s) acc[static_cast<std::size_t>(s)] += w * x[s];
                }
                const double di = invSqrtDegree[static_cast<std::size_t>(i)];
                for (int s = 0; s < p; ++s) {
                    double v = alpha * di * acc[static_cast<std::size_t>(s)] + beta * in.row(i)[s];
                    if (prev) v += gamma * prev->row(i)[s];
                    out.row(i)[s] = v;
                }
            }
        });
        return out;
    };
    SpectralOutcome outcome;
    std::vector<double> values, vectors;
    constexpr int kDegree = 8;
    constexpr double kTolerance = 1e-4;
    double upper = 0.0;  // the unwanted part of the spectrum is taken to be [-1, upper]
    for (;;) {
        // Rayleigh-Ritz: rotate the block onto the eigenvectors of Q^T M Q.
        TallBlock z = combine(q, 1.0, 0.0, nullptr, 0.0);
        symmetricEigen(gram(q, z, threads, progress), p, values, vectors);
        multiplyRight(q, vectors, p, threads, progress);
        multiplyRight(z, vectors, p, threads, progress);
        // Converged when the wanted Ritz pairs have small residuals M q - theta q.
        double worst = 0;
        for (int s = 0; s < dim; ++s) {
            double r2 = 0;
            for (std::int64_t i = 0; i < n; ++i) {
                const double r = z.row(i)[s] - values[static_cast<std::size_t>(s)] * q.row(i)[s];
                r2 += r * r;
            }
            worst = std::max(worst, std::sqrt(r2));
        }
        outcome.iterations = products;
        outcome.converged = worst < kTolerance;
        if (outcome.converged || products + kDegree + 1 > maxProducts) break;
        progress.update(static_cast<double>(products) / std::max(1, maxProducts), "UMAP: spectral initialisation");
        // Chebyshev filter of degree kDegree on [-1, upper], scaled to [-1, 1].
        upper = std::clamp(values[static_cast<std::size_t>(p - 1)], upper, 0.999);
        const double half = (upper + 1.0) / 2.0, centre = (upper - 1.0) / 2.0;
        TallBlock previous = q;
        TallBlock current = combine(q, 1.0 / half, -centre / half, nullptr, 0.0);
        for (int step = 2; step <= kDegree; ++step) {
            TallBlock next = combine(current, 2.0 / half, -2.0 * centre / half, &previous, -1.0);
            previous = std::move(current);
            current = std::move(next);
        }
        q = std::move(current);
        orthonormalise(q, u0, seed + static_cast<std::uint64_t>(products), threads, progress);
    }
    outcome.coords.resize(static_cast<std::size_t>(n * dim));
    for (std::int64_t i = 0; i < n; ++i)
        for (int s = 0; s < dim; ++s) outcome.coords[static_cast<std::size_t>(i * dim + s)] = q.row(i)[s];
    return outcome;
}

// ---- layout optimisation --------------------------------------------------

constexpr std::int64_t kPointsPerBlock = 1024;

double clip4(double v) { return v > 4.0 ? 4.0 : (v < -4.0 ? -4.0 : v); }

// Squared distance of two layout points (umap-learn's rdist), in float and
// summed in order, as the epoch's attraction and repulsion both need it.
float rdist(const float* x, const float* y, int dim) {
    float s = 0;
    for (int d = 0; d < dim; ++d) {
        const float diff = x[d] - y[d];
        s += diff * diff;
    }
    return s;
}

// umap-learn's optimize_layout_euclidean (move_other = true). Edges are
// processed in (head, tail) order. Points are cut into fixed blocks of 1,024;
// a block owns its heads' edges and runs them exactly as umap-learn's
// sequential loop does, except that points of other blocks are read as they
// were at the start of the epoch and its moves of them are applied after the
// epoch, in block order. With one block (n <= 1,024) this is umap-learn's
// sequential SGD; with more, the result still does not depend on threads.
void optimiseLayout(std::vector<float>& embedding, int dim, const FuzzyGraph& g, const UmapOptions& o, int epochs, double a,
                    double b, int threads, const Progress& progress) {
    const std::int64_t n = g.n;
    const auto edges = static_cast<std::int64_t>(g.col.size());
    const float maxWeight = *std::max_element(g.weight.begin(), g.weight.end());
    // make_epochs_per_sample
    std::vector<double> epochsPerSample(static_cast<std::size_t>(edges));
    for (std::int64_t e = 0; e < edges; ++e) {
        const double samples = epochs * (static_cast<double>(g.weight[static_cast<std::size_t>(e)]) / maxWeight);
        epochsPerSample[static_cast<std::size_t>(e)] = samples > 0 ? epochs / samples : -1.0;
    }
    std::vector<double> epochsPerNegative(static_cast<std::size_t>(edges)), nextNegative(static_cast<std::size_t>(edges)),
        nextSample(epochsPerSample);
    for (std::int64_t e = 0; e < edges; ++e) {
        epochsPerNegative[static_cast<std::size_t>(e)] = epochsPerSample[static_cast<std::size_t>(e)] / o.negativeSampleRate;
        nextNegative[static_cast<std::size_t>(e)] = epochsPerNegative[static_cast<std::size_t>(e)];
    }
    std::vector<std::int32_t> head(static_cast<std::size_t>(edges));
    for (std::int64_t i = 0; i < n; ++i)
        for (auto e = g.rowStart[static_cast<std::size_t>(i)]; e < g.rowStart[static_cast<std::size_t>(i + 1)]; ++e)
            head[static_cast<std::size_t>(e)] = static_cast<std::int32_t>(i);

    const std::int64_t blocks = (n + kPointsPerBlock - 1) / kPointsPerBlock;
    std::vector<BlockRandom> random;
    for (std::int64_t bl = 0; bl < blocks; ++bl) random.emplace_back(mix(o.seed ^ 0xa5a5a5a5ULL) + static_cast<std::uint64_t>(bl));
    struct ForeignMove {
        std::int32_t point;
        float delta[3];
    };
    std::vector<std::vector<ForeignMove>> moves(static_cast<std::size_t>(blocks));
    std::vector<float> snapshot;
    const double gamma = o.repulsionStrength;
    const bool multiBlock = blocks > 1;
    // Only dims <= 3 fit ForeignMove; larger layouts run as one block.
    const bool blocked = multiBlock && dim <= 3;
    const std::int64_t runBlocks = blocked ? blocks : 1;
    const std::int64_t blockSize = blocked ? kPointsPerBlock : n;

    double alpha = o.learningRate;
    for (int epoch = 0; epoch < epochs; ++epoch) {
        if (blocked) snapshot = embedding;
        const double nEpoch = epoch;
        forEachChunk(runBlocks, 1, threads, progress, [&](std::int64_t bl, std::int64_t, std::int64_t) {
            const std::int64_t own0 = bl * blockSize, own1 = std::min(n, own0 + blockSize);
            auto& rng = random[static_cast<std::size_t>(bl)];
            auto& foreign = moves[static_cast<std::size_t>(bl)];
            foreign.clear();
            const float* frozen = blocked ? snapshot.data() : embedding.data();
            auto pointAt = [&](std::int64_t k) -> const float* {
                return (k >= own0 && k < own1) ? embedding.data() + k * dim : frozen + k * dim;
            };
            const auto e0 = g.rowStart[static_cast<std::size_t>(own0)], e1 = g.rowStart[static_cast<std::size_t>(own1)];
            for (auto i = e0; i < e1; ++i) {
                if (nextSample[static_cast<std::size_t>(i)] > nEpoch) continue;
                const std::int64_t j = head[static_cast<std::size_t>(i)];
                const std::int64_t k = g.col[static_cast<std::size_t>(i)];
                float* current = embedding.data() + j * dim;
                const bool ownsOther = k >= own0 && k < own1;
                float* otherLive = embedding.data() + k * dim;
                const float* other = pointAt(k);
                const float distSquared = rdist(current, other, dim);
                double gradCoeff = 0;
                if (distSquared > 0) {
                    // One pow: d^(b-1) = d^b / d.
                    const double powB = std::pow(static_cast<double>(distSquared), b);
                    gradCoeff = -2.0 * a * b * (powB / distSquared);
                    gradCoeff /= a * powB + 1.0;
                }
                ForeignMove move{static_cast<std::int32_t>(k), {0, 0, 0}};
                for (int d = 0; d < dim; ++d) {
                    const auto gradD = static_cast<float>(clip4(gradCoeff * (current[d] - other[d])));
                    current[d] = static_cast<float>(current[d] + gradD * alpha);
                    if (ownsOther)
                        otherLive[d] = static_cast<float>(otherLive[d] + -gradD * alpha);
                    else
                        move.delta[d] = static_cast<float>(-gradD * alpha);
                }
                if (!ownsOther) foreign.push_back(move);
                nextSample[static_cast<std::size_t>(i)] += epochsPerSample[static_cast<std::size_t>(i)];

                const auto negatives = static_cast<std::int64_t>((nEpoch - nextNegative[static_cast<std::size_t>(i)]) /
                                                                 epochsPerNegative[static_cast<std::size_t>(i)]);
                for (std::int64_t p = 0; p < negatives; ++p) {
                    const auto kk = static_cast<std::int64_t>(rng.next() % static_cast<std::uint64_t>(n));
                    const float* neg = pointAt(kk);
                    const float dsq = rdist(current, neg, dim);
                    double coeff = 0;
                    if (dsq > 0) {
                        coeff = 2.0 * gamma * b;
                        coeff /= (0.001 + dsq) * (a * std::pow(static_cast<double>(dsq), b) + 1);
                    } else if (j == kk) {
                        continue;
                    }
                    for (int d = 0; d < dim; ++d) {
                        // umap-learn pushes coincident points apart with the clip value.
                        const double gradD = coeff > 0 ? static_cast<double>(static_cast<float>(clip4(coeff * (current[d] - neg[d])))) : 4.0;
                        current[d] = static_cast<float>(current[d] + gradD * alpha);
                    }
                }
                nextNegative[static_cast<std::size_t>(i)] += static_cast<double>(negatives) * epochsPerNegative[static_cast<std::size_t>(i)];
            }
        });
        if (blocked)
            for (const auto& list : moves)
                for (const auto& m : list)
                    for (int d = 0; d < dim; ++d) embedding[static_cast<std::size_t>(m.point * dim + d)] += m.delta[d];
        alpha = o.learningRate * (1.0 - static_cast<double>(epoch) / static_cast<double>(epochs));
        progress.update(static_cast<double>(epoch + 1) / epochs, "UMAP: optimising the layout");
    }
}

}  // namespace

std::pair<double, double> fitUmapCurve(double spread, double minDist) {
    if (!(spread > 0) || !(minDist >= 0)) throw std::invalid_argument("UMAP curve: spread must be positive and minDist non-negative");
    constexpr int kPoints = 300;
    std::vector<double> xs(kPoints), ys(kPoints);
    for (int i = 0; i < kPoints; ++i) {
        xs[static_cast<std::size_t>(i)] = spread * 3 * i / (kPoints - 1.0);  // np.linspace(0, 3 spread, 300)
        const double x = xs[static_cast<std::size_t>(i)];
        ys[static_cast<std::size_t>(i)] = x < minDist ? 1.0 : std::exp(-(x - minDist) / spread);
    }
    // Levenberg-Marquardt from (1, 1) like scipy's curve_fit, with the exact Jacobian.
    auto sse = [&](double a, double b) {
        double s = 0;
        for (int i = 0; i < kPoints; ++i) {
            const double x = xs[static_cast<std::size_t>(i)];
            const double r = 1.0 / (1.0 + a * (x > 0 ? std::pow(x, 2 * b) : 0.0)) - ys[static_cast<std::size_t>(i)];
            s += r * r;
        }
        return s;
    };
    double a = 1, b = 1, lambda = 1e-3, current = sse(a, b);
    for (int it = 0; it < 1000; ++it) {
        double jtj[3] = {0, 0, 0}, jtr[2] = {0, 0};  // [aa, ab, bb]
        for (int i = 0; i < kPoints; ++i) {
            const double x = xs[static_cast<std::size_t>(i)];
            if (x <= 0) continue;  // f = 1 at x = 0 whatever a and b: no gradient
            const double x2b = std::pow(x, 2 * b);
            const double denom = 1.0 + a * x2b;
            const double f = 1.0 / denom;
            const double dfa = -x2b / (denom * denom);
            const double dfb = -a * x2b * 2.0 * std::log(x) / (denom * denom);
            const double r = f - ys[static_cast<std::size_t>(i)];
            jtj[0] += dfa * dfa;
            jtj[1] += dfa * dfb;
            jtj[2] += dfb * dfb;
            jtr[0] += dfa * r;
            jtr[1] += dfb * r;
        }
        bool improved = false;
        for (int tries = 0; tries < 50 && !improved; ++tries) {
            const double m00 = jtj[0] * (1 + lambda), m11 = jtj[2] * (1 + lambda), m01 = jtj[1];
            const double det = m00 * m11 - m01 * m01;
            if (det == 0) break;
            const double da = -(m11 * jtr[0] - m01 * jtr[1]) / det;
            const double db = -(m00 * jtr[1] - m01 * jtr[0]) / det;
            const double candidate = sse(a + da, b + db);
            if (candidate < current) {
                const bool tiny = std::abs(da) <= 1e-14 * (std::abs(a) + 1e-14) && std::abs(db) <= 1e-14 * (std::abs(b) + 1e-14);
                a += da;
                b += db;
                const double gain = current - candidate;
                current = candidate;
                lambda = std::max(lambda / 10, 1e-15);
                improved = true;
                if (tiny || gain <= 1e-16 * current) return {a, b};
            } else {
                lambda *= 10;
            }
        }
        if (!improved) break;
    }
    return {a, b};
}

SmoothKnn smoothKnnDistances(const KnnGraph& graph, double localConnectivity) {
    const std::int64_t n = graph.n;
    const int k = graph.k;
    const double target = std::log2(static_cast<double>(k));
    SmoothKnn out;
    out.sigma.resize(static_cast<std::size_t>(n));
    out.rho.resize(static_cast<std::size_t>(n));
    double meanAll = 0;
    for (const float d : graph.distances) meanAll += d;
    meanAll /= static_cast<double>(graph.distances.size());
    std::vector<float> nonZero;
    for (std::int64_t i = 0; i < n; ++i) {
        const float* dist = graph.distances.data() + i * k;
        nonZero.clear();
        for (int j = 0; j < k; ++j)
            if (dist[j] > 0) nonZero.push_back(dist[j]);
        float rho = 0;
        if (static_cast<double>(nonZero.size()) >= localConnectivity) {
            const auto index = static_cast<int>(std::floor(localConnectivity));
            const double interpolation = localConnectivity - index;
            if (index > 0) {
                rho = nonZero[static_cast<std::size_t>(index - 1)];
                if (interpolation > kSmoothKTolerance)
                    rho = static_cast<float>(rho + interpolation * (nonZero[static_cast<std::size_t>(index)] - nonZero[static_cast<std::size_t>(index - 1)]));
            } else {
                rho = static_cast<float>(interpolation * nonZero[0]);
            }
        } else if (!nonZero.empty()) {
            rho = *std::max_element(nonZero.begin(), nonZero.end());
        }
        double lo = 0, hi = std::numeric_limits<double>::infinity(), mid = 1;
        for (int it = 0; it < 64; ++it) {
            double psum = 0;
            for (int j = 1; j < k; ++j) {
                const float d = dist[j] - rho;
                psum += d > 0 ? std::exp(-(d / mid)) : 1.0;
            }
            if (std::abs(psum - target) < kSmoothKTolerance) break;
            if (psum > target) {
                hi = mid;
                mid = (lo + hi) / 2;
            } else {
                lo = mid;
                mid = std::isinf(hi) ? mid * 2 : (lo + hi) / 2;
            }
        }
        auto sigma = static_cast<float>(mid);
        if (rho > 0) {
            double mean = 0;
            for (int j = 0; j < k; ++j) mean += dist[j];
            mean /= k;
            if (sigma < kMinKDistScale * mean) sigma = static_cast<float>(kMinKDistScale * mean);
        } else if (sigma < kMinKDistScale * meanAll) {
            sigma = static_cast<float>(kMinKDistScale * meanAll);
        }
        out.sigma[static_cast<std::size_t>(i)] = sigma;
        out.rho[static_cast<std::size_t>(i)] = rho;
    }
    return out;
}

UmapResult umapLayout(const std::vector<float>& data, std::int64_t dim, const UmapOptions& options, const Progress& progress) {
    checkOptions(options);
    const std::int64_t n = checkLayoutInput(data, dim, options.nNeighbors + 1,
                                            "UMAP (nNeighbors = " + std::to_string(options.nNeighbors) + ")");
    const int threads = computeThreads(options.threads);
    const int dimOut = options.nComponents;
    UmapResult result;
    result.nComponents = dimOut;
    result.epochs = options.nEpochs > 0 ? options.nEpochs : (n <= 10000 ? 500 : 200);

    NeighbourOptions nn;
    nn.k = options.nNeighbors;
    nn.metric = options.metric;
    nn.exactMaxPoints = options.exactKnnMaxPoints;
    nn.seed = options.seed;
    nn.threads = threads;
    const KnnGraph knn = nearestNeighbours(data, dim, nn, stageProgress(progress, 0.0, 0.4));
    result.exactNeighbours = knn.exact;

    progress.throwIfCancelled();
    progress.update(0.4, "UMAP: fuzzy graph");
    FuzzyGraph graph = fuzzySimplicialSet(knn, smoothKnnDistances(knn, options.localConnectivity), options.setOpMixRatio);
    // umap-learn prunes with n_epochs when it is over 10, else with its default.
    pruneWeakEdges(graph, result.epochs > 10 ? result.epochs : (n <= 10000 ? 500 : 200));
    result.edges = static_cast<std::int64_t>(graph.col.size());
    std::tie(result.a, result.b) = fitUmapCurve(options.spread, options.minDist);

    progress.throwIfCancelled();
    std::vector<float> embedding(static_cast<std::size_t>(n * dimOut));
    std::mt19937_64 rng(mix(options.seed ^ 0x1f1f1f1fULL));
    if (options.init == UmapInit::Spectral && n > static_cast<std::int64_t>(dimOut) + 1) {
        const SpectralOutcome spectral =
            spectralLayout(graph, dimOut, options.spectralIterations, options.seed, threads, stageProgress(progress, 0.4, 0.5));
        result.spectralInit = true;
        result.spectralIterationsRun = spectral.iterations;
        result.spectralConverged = spectral.converged;
        double maxAbs = 0;
        for (const double v : spectral.coords) maxAbs = std::max(maxAbs, std::abs(v));
        const double expansion = maxAbs > 0 ? 10.0 / maxAbs : 1.0;
        // A little noise, as umap-learn adds, to keep coincident points apart.
        std::normal_distribution<double> noise(0.0, 0.0001);
        for (std::size_t t = 0; t < embedding.size(); ++t)
            embedding[t] = static_cast<float>(static_cast<float>(spectral.coords[t] * expansion) + static_cast<float>(noise(rng)));
    } else {
        std::uniform_real_distribution<double> uniform(-10.0, 10.0);
        for (auto& v : embedding) v = static_cast<float>(uniform(rng));
    }
    // Every initialisation is scaled into [0, 10] per axis before the SGD.
    for (int d = 0; d < dimOut; ++d) {
        float lo = std::numeric_limits<float>::infinity(), hi = -lo;
        for (std::int64_t i = 0; i < n; ++i) {
            lo = std::min(lo, embedding[static_cast<std::size_t>(i * dimOut + d)]);
            hi = std::max(hi, embedding[static_cast<std::size_t>(i * dimOut + d)]);
        }
        const float range = hi > lo ? hi - lo : 1.f;
        for (std::int64_t i = 0; i < n; ++i) {
            auto& v = embedding[static_cast<std::size_t>(i * dimOut + d)];
            v = 10.f * (v - lo) / range;
        }
    }
    progress.update(0.5, "UMAP: optimising the layout");
    if (result.edges > 0)
        optimiseLayout(embedding, dimOut, graph, options, result.epochs, result.a, result.b, threads, stageProgress(progress, 0.5, 1.0));
    result.coordinates = std::move(embedding);
    return result;
}

}  // namespace hescape
