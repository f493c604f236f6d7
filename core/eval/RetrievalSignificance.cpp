// RetrievalSignificance: the similarity matrix comes from one LibTorch
// product, the same kind of product RetrievalMetrics ranks with.
#include "core/eval/RetrievalSignificance.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>

namespace hescape {

namespace {

// The cosine similarities, row-major n x n.
std::vector<float> similarities(EmbeddingView queries, EmbeddingView candidates) {
    if (queries.rows != candidates.rows || queries.dim != candidates.dim || queries.rows == 0)
        throw std::invalid_argument("permutation test: queries and candidates must be non-empty and of the same shape");
    torch::NoGradGuard guard;
    namespace F = torch::nn::functional;
    const auto unit = [](EmbeddingView v) {
        const auto t = torch::from_blob(const_cast<float*>(v.data), {v.rows, v.dim}, torch::kFloat);
        return F::normalize(t, F::NormalizeFuncOptions().p(2).dim(1).eps(1e-12));
    };
    const auto s = torch::mm(unit(queries), unit(candidates).t()).contiguous();
    return {s.data_ptr<float>(), s.data_ptr<float>() + s.numel()};
}

// Tie-fair recall@k of query i when its partner's similarity is `value`,
// counted in the row sorted descending.
double recallInSortedRow(const float* sortedDescending, std::int64_t n, float value, int k) {
    const float* end = sortedDescending + n;
    const auto above = std::lower_bound(sortedDescending, end, value, std::greater<float>()) - sortedDescending;
    const auto equal = std::upper_bound(sortedDescending, end, value, std::greater<float>()) - sortedDescending - above;
    // `equal` includes the partner itself.
    return std::clamp(static_cast<double>(k - above) / static_cast<double>(equal), 0.0, 1.0);
}

double recallOfPairing(const std::vector<float>& s, const std::vector<float>& sorted, std::int64_t n,
                       const std::vector<std::int64_t>& partner, int k) {
    double sum = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        const float v = s[static_cast<std::size_t>(i * n + partner[static_cast<std::size_t>(i)])];
        sum += recallInSortedRow(sorted.data() + i * n, n, v, k);
    }
    return sum / static_cast<double>(n);
}

std::vector<float> sortedRows(const std::vector<float>& s, std::int64_t n) {
    std::vector<float> sorted = s;
    at::parallel_for(0, n, 16, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) std::sort(sorted.begin() + i * n, sorted.begin() + (i + 1) * n, std::greater<float>());
    });
    return sorted;
}

}  // namespace

double recallUnderPairing(EmbeddingView queries, EmbeddingView candidates, const std::vector<std::int64_t>& partner, int k) {
    const std::int64_t n = queries.rows;
    if (static_cast<std::int64_t>(partner.size()) != n) throw std::invalid_argument("permutation test: one partner per query");
    for (const auto p : partner)
        if (p < 0 || p >= n) throw std::invalid_argument("permutation test: partner out of range");
    const auto s = similarities(queries, candidates);
    return recallOfPairing(s, sortedRows(s, n), n, partner, k);
}

RecallSignificance recallPermutationTest(EmbeddingView queries, EmbeddingView candidates, int k, int permutations,
                                         std::uint64_t seed) {
    RecallSignificance r;
    r.k = k;
    const std::int64_t n = queries.rows;
    if (n > kMaxPermutationPairs) {
        r.why = std::to_string(n) + " pairs: the permutation test holds the n x n similarities and stops at " +
                std::to_string(kMaxPermutationPairs);
        return r;
    }
    if (n < 2 || permutations < 1) {
        r.why = "fewer than 2 pairs";
        return r;
    }
    const auto s = similarities(queries, candidates);
    const auto sorted = sortedRows(s, n);
    std::vector<std::int64_t> partner(static_cast<std::size_t>(n));
    std::iota(partner.begin(), partner.end(), 0);
    r.observed = recallOfPairing(s, sorted, n, partner, k);
    std::mt19937_64 rng(seed);
    int atLeast = 0;
    double sum = 0;
    for (int m = 0; m < permutations; ++m) {
        std::shuffle(partner.begin(), partner.end(), rng);
        const double v = recallOfPairing(s, sorted, n, partner, k);
        sum += v;
        atLeast += v >= r.observed;
    }
    r.available = true;
    r.permutations = permutations;
    r.nullMean = sum / permutations;
    r.pValue = (1.0 + atLeast) / (1.0 + permutations);
    return r;
}

}  // namespace hescape
