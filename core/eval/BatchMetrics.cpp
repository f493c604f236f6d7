// BatchMetrics: plain C++ on core's parallel loop (core/compute/ParallelFor.h).
// The one expensive step, the distances between all pairs of cells, is the
// pass of core/neighbours/PairScan, which feeds kNN candidate buffers and
// per-label distance sums for the silhouettes. Everything after it is O(n * k).
#include "core/eval/BatchMetrics.h"

#include "core/compute/ParallelFor.h"
#include "core/neighbours/PairScan.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

namespace hescape {

namespace {

using namespace pairscan;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Label codes index per-code result vectors: categorical codes, not ids.
constexpr int kMaxCode = 1 << 20;

// Element i of a vector, i a signed count (cells, codes and neighbours are
// counted in signed integers here).
template <class V>
decltype(auto) at(V& v, std::int64_t i) {
    return v[static_cast<std::size_t>(i)];
}

// ---------------------------------------------------------------- validation


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


std::vector<double> silhouetteSamples(EmbeddingView embeddings, const std::vector<int>& labels, int threads) {
    checkEmbeddingRows(embeddings);
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
    checkEmbeddingRows(embeddings);
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
    forEachWorker(chunks, threads, Progress{}, [&](const auto& claim) {
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
    std::vector<double> right(static_cast<std::size_t>(d.size()), 0);
    double correct = 0;
    for (std::int64_t i = 0; i < graph.rows; ++i) {
        for (int t = 0; t < k; ++t) ++at(votes, at(d.dense, at(graph.index, i * graph.k + t)));
        // A tied vote is shared: a cell whose batch is one of m equally voted
        // batches counts 1/m (the expected accuracy of a random tie-break), so
        // the score does not depend on how the batches happen to be coded.
        int best = 0, tiedTop = 1;
        for (int l = 1; l < d.size(); ++l) {
            if (at(votes, l) > at(votes, best)) {
                best = l;
                tiedTop = 1;
            } else if (at(votes, l) == at(votes, best)) {
                ++tiedTop;
            }
        }
        const int own = at(d.dense, i);
        const double credit = at(votes, own) == at(votes, best) ? 1.0 / tiedTop : 0.0;
        std::fill(votes.begin(), votes.end(), 0);
        at(r.predicted, i) = at(d.code, best);  // the smallest code among the tied, for display
        correct += credit;
        at(right, own) += credit;
    }
    r.accuracy = correct / static_cast<double>(graph.rows);
    r.perBatch.assign(static_cast<std::size_t>(d.span()), kNaN);
    double recallSum = 0;
    for (int l = 0; l < d.size(); ++l) {
        const double recall = at(right, l) / static_cast<double>(at(d.count, l));
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
    checkEmbeddingRows(embeddings);
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

std::vector<int> codesInNameOrder(const std::vector<std::string>& labels, std::vector<std::string>* names) {
    std::vector<std::string> sorted = labels;
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    std::vector<int> codes;
    codes.reserve(labels.size());
    for (const auto& l : labels) codes.push_back(static_cast<int>(std::lower_bound(sorted.begin(), sorted.end(), l) - sorted.begin()));
    if (names) *names = std::move(sorted);
    return codes;
}

}  // namespace hescape
