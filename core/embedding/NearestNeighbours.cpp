// k-nearest neighbours for UMAP. Exact: core's one exact search
// (core/neighbours/ExactNeighbours.h), shared with the batch metrics.
// Approximate: a random-projection forest seeds bounded neighbour heaps that NN-descent (Dong et al. 2011, as in
// pynndescent) refines. Every parallel step writes disjoint data or per-chunk
// buffers merged in chunk order, so the graph is the same for any thread count.
#include "core/embedding/NearestNeighbours.h"

#include "core/embedding/LayoutInput.h"
#include "core/neighbours/ExactNeighbours.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>

namespace hescape {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Eight independent partial sums: vectorisable without -ffast-math.
float squaredL2(const float* a, const float* b, std::int64_t dim) {
    float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::int64_t t = 0;
    for (; t + 8 <= dim; t += 8) {
        for (int u = 0; u < 8; ++u) {
            const float diff = a[t + u] - b[t + u];
            s[u] += diff * diff;
        }
    }
    for (; t < dim; ++t) {
        const float diff = a[t] - b[t];
        s[0] += diff * diff;
    }
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

double exactDistance(const float* a, const float* b, std::int64_t dim) {
    double s = 0;
    for (std::int64_t t = 0; t < dim; ++t) {
        const double diff = static_cast<double>(a[t]) - static_cast<double>(b[t]);
        s += diff * diff;
    }
    return std::sqrt(s);
}

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

std::uint64_t hashOf(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0) {
    return mix(mix(mix(seed ^ 0x5851f42d4c957f2dULL) ^ a) ^ (b * 0x9e3779b97f4a7c15ULL)) ^ mix(c + 0x632be59bd9b4e019ULL);
}

// (distance, index) pairs in lexicographic order: a strict total order, so a
// bounded "k smallest" set does not depend on the order of insertions.
bool before(float d1, std::int32_t i1, float d2, std::int32_t i2) { return d1 < d2 || (d1 == d2 && i1 < i2); }


// ---- approximate: random-projection forest + NN-descent -------------------

// n bounded max-heaps of `size` (distance, index, is-new) entries, stored flat.
class NeighbourHeaps {
public:
    NeighbourHeaps(std::int64_t n, int size)
        : size_(size), dist_(static_cast<std::size_t>(n * size), kInf), idx_(static_cast<std::size_t>(n * size), -1),
          isNew_(static_cast<std::size_t>(n * size), 0) {}

    int size() const { return size_; }
    float worst(std::int64_t v) const { return dist_[static_cast<std::size_t>(v * size_)]; }
    std::int32_t index(std::int64_t v, int s) const { return idx_[static_cast<std::size_t>(v * size_ + s)]; }
    bool isNew(std::int64_t v, int s) const { return isNew_[static_cast<std::size_t>(v * size_ + s)] != 0; }
    void markOld(std::int64_t v, int s) { isNew_[static_cast<std::size_t>(v * size_ + s)] = 0; }

    // Adds j to v's heap if it is nearer than v's worst and not there yet.
    bool push(std::int64_t v, float d, std::int32_t j) {
        const std::size_t base = static_cast<std::size_t>(v * size_);
        if (!before(d, j, dist_[base], idx_[base])) return false;
        for (int s = 0; s < size_; ++s)
            if (idx_[base + static_cast<std::size_t>(s)] == j) return false;
        // Replace the root and sift it down.
        std::size_t pos = 0;
        for (;;) {
            const std::size_t l = 2 * pos + 1, r = l + 1;
            std::size_t larger = pos;
            float ld = d;
            std::int32_t li = j;
            if (l < static_cast<std::size_t>(size_) && before(ld, li, dist_[base + l], idx_[base + l])) {
                larger = l;
                ld = dist_[base + l];
                li = idx_[base + l];
            }
            if (r < static_cast<std::size_t>(size_) && before(ld, li, dist_[base + r], idx_[base + r])) larger = r;
            if (larger == pos) break;
            dist_[base + pos] = dist_[base + larger];
            idx_[base + pos] = idx_[base + larger];
            isNew_[base + pos] = isNew_[base + larger];
            pos = larger;
        }
        dist_[base + pos] = d;
        idx_[base + pos] = j;
        isNew_[base + pos] = 1;
        return true;
    }

private:
    int size_;
    std::vector<float> dist_;
    std::vector<std::int32_t> idx_;
    std::vector<std::uint8_t> isNew_;
};

// One random-projection tree: a permutation of the points and where its leaves start.
struct ProjectionTree {
    std::vector<std::int32_t> order;
    std::vector<std::int64_t> leafStart;  // leaf l is order[leafStart[l], leafStart[l + 1])
};

ProjectionTree buildTree(const std::vector<float>& x, std::int64_t n, std::int64_t dim, std::int64_t leafSize, std::uint64_t seed) {
    ProjectionTree tree;
    tree.order.resize(static_cast<std::size_t>(n));
    std::iota(tree.order.begin(), tree.order.end(), 0);
    std::mt19937_64 rng(seed);
    std::vector<float> normal(static_cast<std::size_t>(dim));
    std::vector<std::int32_t> left, right;
    std::vector<std::pair<std::int64_t, std::int64_t>> stack{{0, n}};
    std::vector<std::pair<std::int64_t, std::int64_t>> leaves;
    while (!stack.empty()) {
        const auto [b, e] = stack.back();
        stack.pop_back();
        if (e - b <= leafSize) {
            leaves.emplace_back(b, e);
            continue;
        }
        std::uniform_int_distribution<std::int64_t> pick(b, e - 1);
        const std::int64_t pa = pick(rng);
        std::int64_t pb = pick(rng);
        if (pb == pa) pb = pa + 1 < e ? pa + 1 : b;
        const float* xa = x.data() + tree.order[static_cast<std::size_t>(pa)] * dim;
        const float* xb = x.data() + tree.order[static_cast<std::size_t>(pb)] * dim;
        double offset = 0;
        for (std::int64_t t = 0; t < dim; ++t) {
            normal[static_cast<std::size_t>(t)] = xa[t] - xb[t];
            offset += static_cast<double>(normal[static_cast<std::size_t>(t)]) * 0.5 * (static_cast<double>(xa[t]) + xb[t]);
        }
        left.clear();
        right.clear();
        for (std::int64_t p = b; p < e; ++p) {
            const std::int32_t i = tree.order[static_cast<std::size_t>(p)];
            double margin = -offset;
            const float* xi = x.data() + static_cast<std::int64_t>(i) * dim;
            for (std::int64_t t = 0; t < dim; ++t) margin += static_cast<double>(normal[static_cast<std::size_t>(t)]) * xi[t];
            const bool goLeft = std::abs(margin) < 1e-8 ? (rng() & 1) != 0 : margin > 0;
            (goLeft ? left : right).push_back(i);
        }
        if (left.empty() || right.empty()) {
            // Duplicates or a degenerate plane: halve at random instead.
            std::vector<std::int32_t> all(tree.order.begin() + b, tree.order.begin() + e);
            std::shuffle(all.begin(), all.end(), rng);
            const auto half = all.size() / 2;
            left.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(half));
            right.assign(all.begin() + static_cast<std::ptrdiff_t>(half), all.end());
        }
        std::copy(left.begin(), left.end(), tree.order.begin() + b);
        std::copy(right.begin(), right.end(), tree.order.begin() + b + static_cast<std::ptrdiff_t>(left.size()));
        const std::int64_t mid = b + static_cast<std::int64_t>(left.size());
        stack.emplace_back(mid, e);
        stack.emplace_back(b, mid);
    }
    std::sort(leaves.begin(), leaves.end());
    for (const auto& l : leaves) tree.leafStart.push_back(l.first);
    tree.leafStart.push_back(n);
    return tree;
}

struct Proposal {
    std::int32_t target;
    std::int32_t candidate;
    float distance;
};

// Sampled candidate lists of one NN-descent round, in CSR form.
struct CandidateLists {
    std::vector<std::int64_t> start;
    std::vector<std::int32_t> items;
    std::int64_t count(std::int64_t v) const { return start[static_cast<std::size_t>(v + 1)] - start[static_cast<std::size_t>(v)]; }
    const std::int32_t* begin(std::int64_t v) const { return items.data() + start[static_cast<std::size_t>(v)]; }
};

// Reverse of `forward` (u lists every v that lists u), each list cut to the
// `limit` entries of smallest hash priority so the cut is order-independent.
CandidateLists reverseLists(const CandidateLists& forward, std::int64_t n, int limit, std::uint64_t seed) {
    CandidateLists rev;
    rev.start.assign(static_cast<std::size_t>(n + 1), 0);
    for (const auto u : forward.items) ++rev.start[static_cast<std::size_t>(u) + 1];
    std::partial_sum(rev.start.begin(), rev.start.end(), rev.start.begin());
    rev.items.resize(forward.items.size());
    std::vector<std::int64_t> fill(rev.start.begin(), rev.start.end() - 1);
    for (std::int64_t v = 0; v < n; ++v)
        for (std::int64_t s = 0; s < forward.count(v); ++s) {
            const auto u = forward.begin(v)[s];
            rev.items[static_cast<std::size_t>(fill[static_cast<std::size_t>(u)]++)] = static_cast<std::int32_t>(v);
        }
    // Cut long lists.
    CandidateLists cut;
    cut.start.assign(static_cast<std::size_t>(n + 1), 0);
    std::vector<std::pair<std::uint64_t, std::int32_t>> keyed;
    for (std::int64_t u = 0; u < n; ++u) {
        keyed.clear();
        for (std::int64_t s = 0; s < rev.count(u); ++s) {
            const auto v = rev.begin(u)[s];
            keyed.emplace_back(hashOf(seed, static_cast<std::uint64_t>(u), static_cast<std::uint64_t>(v), 7), v);
        }
        if (static_cast<int>(keyed.size()) > limit) {
            std::nth_element(keyed.begin(), keyed.begin() + limit, keyed.end());
            keyed.resize(static_cast<std::size_t>(limit));
        }
        for (const auto& kv : keyed) cut.items.push_back(kv.second);
        cut.start[static_cast<std::size_t>(u + 1)] = static_cast<std::int64_t>(cut.items.size());
    }
    return cut;
}

void approximateNeighbours(const std::vector<float>& x, std::int64_t n, std::int64_t dim, int others, std::uint64_t seed,
                           int threads, const Progress& progress, std::vector<std::int32_t>& idxOut) {
    NeighbourHeaps heaps(n, others);
    // Forest: umap-learn's tree count (capped lower to bound memory), leaves of max(10, k).
    const int trees = static_cast<int>(std::min<double>(24, 5 + std::round(std::sqrt(static_cast<double>(n)) / 20.0)));
    const std::int64_t leafSize = std::max<std::int64_t>(10, others + 1);
    std::vector<ProjectionTree> forest(static_cast<std::size_t>(trees));
    forEachChunk(trees, 1, threads, progress, [&](std::int64_t t, std::int64_t, std::int64_t) {
        forest[static_cast<std::size_t>(t)] = buildTree(x, n, dim, leafSize, hashOf(seed, 101, static_cast<std::uint64_t>(t)));
    });
    progress.update(0.15, "nearest neighbours (trees)");
    for (const auto& tree : forest) {
        // Leaves of one tree are disjoint, so their heaps can be filled in parallel.
        const auto leaves = static_cast<std::int64_t>(tree.leafStart.size()) - 1;
        forEachChunk(leaves, 256, threads, progress, [&](std::int64_t, std::int64_t lb, std::int64_t le) {
            for (std::int64_t l = lb; l < le; ++l) {
                const auto b = tree.leafStart[static_cast<std::size_t>(l)], e = tree.leafStart[static_cast<std::size_t>(l + 1)];
                for (auto p = b; p < e; ++p)
                    for (auto q = p + 1; q < e; ++q) {
                        const auto i = tree.order[static_cast<std::size_t>(p)], j = tree.order[static_cast<std::size_t>(q)];
                        const float d = squaredL2(x.data() + static_cast<std::int64_t>(i) * dim, x.data() + static_cast<std::int64_t>(j) * dim, dim);
                        heaps.push(i, d, j);
                        heaps.push(j, d, i);
                    }
            }
        });
    }
    forest.clear();
    // Points whose leaves were too small get random neighbours for the empty slots.
    forEachChunk(n, 4096, threads, progress, [&](std::int64_t, std::int64_t b, std::int64_t e) {
        for (std::int64_t v = b; v < e; ++v) {
            for (std::uint64_t attempt = 0; heaps.index(v, 0) < 0 && attempt < static_cast<std::uint64_t>(20 * others); ++attempt) {
                const auto j = static_cast<std::int32_t>(hashOf(seed, 202, static_cast<std::uint64_t>(v), attempt) % static_cast<std::uint64_t>(n));
                if (j != v) heaps.push(v, squaredL2(x.data() + v * dim, x.data() + static_cast<std::int64_t>(j) * dim, dim), j);
            }
            // Tiny inputs can still miss a few: take the first points not yet there.
            for (std::int32_t j = 0; heaps.index(v, 0) < 0 && j < n; ++j)
                if (j != v) heaps.push(v, squaredL2(x.data() + v * dim, x.data() + static_cast<std::int64_t>(j) * dim, dim), j);
        }
    });
    progress.update(0.25, "nearest neighbours (NN-descent)");

    const int maxCandidates = others;
    const int iterations = std::max(5, static_cast<int>(std::round(std::log2(static_cast<double>(n)))));
    const double stopBelow = 0.001 * static_cast<double>(n) * others;
    for (int it = 0; it < iterations; ++it) {
        const std::uint64_t roundSeed = hashOf(seed, 303, static_cast<std::uint64_t>(it));
        // Forward candidates: up to maxCandidates new entries (by hash priority,
        // then marked old) and every old entry, per point (disjoint writes).
        CandidateLists fwdNew, fwdOld;
        fwdNew.start.assign(static_cast<std::size_t>(n + 1), 0);
        fwdOld.start.assign(static_cast<std::size_t>(n + 1), 0);
        std::vector<std::int32_t> newSlots(static_cast<std::size_t>(n * others), -1), oldSlots(static_cast<std::size_t>(n * others), -1);
        forEachChunk(n, 4096, threads, progress, [&](std::int64_t, std::int64_t b, std::int64_t e) {
            std::vector<std::pair<std::uint64_t, int>> keyed;
            for (std::int64_t v = b; v < e; ++v) {
                keyed.clear();
                int nOld = 0;
                for (int s = 0; s < others; ++s) {
                    const auto j = heaps.index(v, s);
                    if (j < 0) continue;
                    if (heaps.isNew(v, s))
                        keyed.emplace_back(hashOf(roundSeed, static_cast<std::uint64_t>(v), static_cast<std::uint64_t>(j)), s);
                    else
                        oldSlots[static_cast<std::size_t>(v * others + nOld++)] = j;
                }
                if (static_cast<int>(keyed.size()) > maxCandidates) {
                    std::nth_element(keyed.begin(), keyed.begin() + maxCandidates, keyed.end());
                    keyed.resize(static_cast<std::size_t>(maxCandidates));
                }
                int nNew = 0;
                for (const auto& [key, s] : keyed) {
                    newSlots[static_cast<std::size_t>(v * others + nNew++)] = heaps.index(v, s);
                    heaps.markOld(v, s);
                }
            }
        });
        for (std::int64_t v = 0; v < n; ++v) {
            for (int s = 0; s < others; ++s) {
                if (const auto j = newSlots[static_cast<std::size_t>(v * others + s)]; j >= 0) fwdNew.items.push_back(j);
                if (const auto j = oldSlots[static_cast<std::size_t>(v * others + s)]; j >= 0) fwdOld.items.push_back(j);
            }
            fwdNew.start[static_cast<std::size_t>(v + 1)] = static_cast<std::int64_t>(fwdNew.items.size());
            fwdOld.start[static_cast<std::size_t>(v + 1)] = static_cast<std::int64_t>(fwdOld.items.size());
        }
        newSlots.clear();
        oldSlots.clear();
        const CandidateLists revNew = reverseLists(fwdNew, n, maxCandidates, roundSeed ^ 1);
        const CandidateLists revOld = reverseLists(fwdOld, n, maxCandidates, roundSeed ^ 2);

        // Local joins in rounds: proposals are made against the heaps as they
        // stood at the round's start, then applied in chunk order.
        constexpr std::int64_t kRound = 4096, kSub = 256;
        std::int64_t updates = 0;
        for (std::int64_t r0 = 0; r0 < n; r0 += kRound) {
            const std::int64_t rn = std::min(kRound, n - r0);
            std::vector<std::vector<Proposal>> proposals(static_cast<std::size_t>((rn + kSub - 1) / kSub));
            forEachChunk(rn, kSub, threads, progress, [&](std::int64_t c, std::int64_t b, std::int64_t e) {
                auto& out = proposals[static_cast<std::size_t>(c)];
                std::vector<std::int32_t> fresh, stale;
                for (std::int64_t v = r0 + b; v < r0 + e; ++v) {
                    fresh.assign(fwdNew.begin(v), fwdNew.begin(v) + fwdNew.count(v));
                    fresh.insert(fresh.end(), revNew.begin(v), revNew.begin(v) + revNew.count(v));
                    std::sort(fresh.begin(), fresh.end());
                    fresh.erase(std::unique(fresh.begin(), fresh.end()), fresh.end());
                    stale.assign(fwdOld.begin(v), fwdOld.begin(v) + fwdOld.count(v));
                    stale.insert(stale.end(), revOld.begin(v), revOld.begin(v) + revOld.count(v));
                    std::sort(stale.begin(), stale.end());
                    stale.erase(std::unique(stale.begin(), stale.end()), stale.end());
                    auto consider = [&](std::int32_t p, std::int32_t q) {
                        const float d = squaredL2(x.data() + static_cast<std::int64_t>(p) * dim, x.data() + static_cast<std::int64_t>(q) * dim, dim);
                        if (d < heaps.worst(p) || (d == heaps.worst(p))) out.push_back({p, q, d});
                        if (d < heaps.worst(q) || (d == heaps.worst(q))) out.push_back({q, p, d});
                    };
                    for (std::size_t a = 0; a < fresh.size(); ++a) {
                        for (std::size_t bb = a + 1; bb < fresh.size(); ++bb) consider(fresh[a], fresh[bb]);
                        for (const auto q : stale)
                            if (q != fresh[a]) consider(fresh[a], q);
                    }
                }
            });
            for (const auto& list : proposals)
                for (const auto& p : list) updates += heaps.push(p.target, p.distance, p.candidate);
            progress.update(0.25 + 0.75 * (static_cast<double>(it) + static_cast<double>(r0 + rn) / static_cast<double>(n)) / iterations,
                            "nearest neighbours (NN-descent)");
        }
        if (static_cast<double>(updates) <= stopBelow) break;
    }
    for (std::int64_t v = 0; v < n; ++v)
        for (int s = 0; s < others; ++s) idxOut[static_cast<std::size_t>(v * others + s)] = heaps.index(v, s);
}

}  // namespace

KnnGraph nearestNeighbours(const std::vector<float>& data, std::int64_t dim, const NeighbourOptions& options,
                                 const Progress& progress) {
    if (options.k < 2) throw std::invalid_argument("nearest neighbours: k must be at least 2 (got " + std::to_string(options.k) + ")");
    const std::int64_t n = checkLayoutInput(data, dim, options.k + 1, "nearest neighbours (k = " + std::to_string(options.k) + ")");
    if (n > std::numeric_limits<std::int32_t>::max()) throw std::invalid_argument("nearest neighbours: more than 2^31 points");
    const int threads = computeThreads(options.threads);
    const bool cosine = options.metric == LayoutMetric::Cosine;
    // Cosine distance is half the squared euclidean distance of unit rows.
    std::vector<float> unitRows;
    if (cosine) {
        unitRows = data;
        for (std::int64_t i = 0; i < n; ++i) {
            double s = 0;
            float* row = unitRows.data() + i * dim;
            for (std::int64_t t = 0; t < dim; ++t) s += static_cast<double>(row[t]) * row[t];
            if (s == 0) throw std::invalid_argument("nearest neighbours (cosine): point " + std::to_string(i) + " is all zeros");
            const double inv = 1.0 / std::sqrt(s);
            for (std::int64_t t = 0; t < dim; ++t) row[t] = static_cast<float>(row[t] * inv);
        }
    }
    const std::vector<float>& x = cosine ? unitRows : data;
    const int others = options.k - 1;
    std::vector<std::int32_t> found(static_cast<std::size_t>(n * others));
    KnnGraph g;
    g.n = n;
    g.k = options.k;
    g.exact = n <= options.exactMaxPoints;
    if (g.exact) {
        const NeighbourGraph exact = exactNeighbours(EmbeddingView(x.data(), n, dim), others, threads, progress);
        found = exact.index;
    } else
        approximateNeighbours(x, n, dim, others, options.seed, threads, progress, found);
    // Exact distances (double) of the chosen neighbours, nearest first, the point itself in front.
    g.indices.resize(static_cast<std::size_t>(n * g.k));
    g.distances.resize(static_cast<std::size_t>(n * g.k));
    forEachChunk(n, 4096, threads, progress, [&](std::int64_t, std::int64_t b, std::int64_t e) {
        std::vector<std::pair<double, std::int32_t>> row(static_cast<std::size_t>(others));
        for (std::int64_t i = b; i < e; ++i) {
            for (int s = 0; s < others; ++s) {
                const auto j = found[static_cast<std::size_t>(i * others + s)];
                double d = exactDistance(x.data() + i * dim, x.data() + static_cast<std::int64_t>(j) * dim, dim);
                if (cosine) d = 0.5 * d * d;
                row[static_cast<std::size_t>(s)] = {d, j};
            }
            std::sort(row.begin(), row.end());
            g.indices[static_cast<std::size_t>(i * g.k)] = static_cast<std::int32_t>(i);
            g.distances[static_cast<std::size_t>(i * g.k)] = 0.f;
            for (int s = 0; s < others; ++s) {
                g.indices[static_cast<std::size_t>(i * g.k + s + 1)] = row[static_cast<std::size_t>(s)].second;
                g.distances[static_cast<std::size_t>(i * g.k + s + 1)] = static_cast<float>(row[static_cast<std::size_t>(s)].first);
            }
        }
    });
    return g;
}

}  // namespace hescape
