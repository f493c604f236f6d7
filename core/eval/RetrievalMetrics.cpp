// RetrievalMetrics: the similarity blocks are LibTorch matrix products (the
// same BLAS the engine trains with, on all cores); everything else is plain.
#include "core/eval/RetrievalMetrics.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace hescape {

namespace {

torch::Tensor unitRows(EmbeddingView v) {
    const auto t = torch::from_blob(const_cast<float*>(v.data), {v.rows, v.dim}, torch::kFloat);
    return torch::nn::functional::normalize(t, torch::nn::functional::NormalizeFuncOptions().p(2).dim(1).eps(1e-12));
}

void checkPaired(EmbeddingView a, EmbeddingView b) {
    if (a.rows != b.rows || a.dim != b.dim || a.rows == 0) {
        throw std::invalid_argument("retrieval: image and gene embeddings must be non-empty and of the same shape (" +
                                    std::to_string(a.rows) + "x" + std::to_string(a.dim) + " vs " + std::to_string(b.rows) + "x" +
                                    std::to_string(b.dim) + ")");
    }
}

}  // namespace

double PartnerRank::recallAt(std::int64_t k) const {
    return std::clamp(static_cast<double>(k - above) / static_cast<double>(tied + 1), 0.0, 1.0);
}

std::vector<PartnerRank> retrievalRanks(EmbeddingView queries, EmbeddingView candidates, std::int64_t blockRows) {
    checkPaired(queries, candidates);
    torch::NoGradGuard guard;
    const auto q = unitRows(queries), c = unitRows(candidates);
    const std::int64_t n = queries.rows;
    blockRows = std::max<std::int64_t>(1, blockRows);
    std::vector<PartnerRank> ranks(static_cast<std::size_t>(n));
    // One reused buffer (a fresh 64 MB block per product costs page faults);
    // the comparisons are a plain loop over it: torch's bool sum is far slower.
    auto scores = torch::empty({blockRows, blockRows}, torch::kFloat);
    std::vector<float> partner(static_cast<std::size_t>(blockRows));
    for (std::int64_t q0 = 0; q0 < n; q0 += blockRows) {
        const std::int64_t qn = std::min(blockRows, n - q0);
        const auto qb = q.narrow(0, q0, qn);
        // The diagonal block first: the partner's similarity is taken from the
        // same product as its rivals', so that equal embeddings tie exactly.
        std::vector<std::int64_t> starts = {q0};
        for (std::int64_t c0 = 0; c0 < n; c0 += blockRows)
            if (c0 != q0) starts.push_back(c0);
        for (const std::int64_t c0 : starts) {
            const std::int64_t cn = std::min(blockRows, n - c0);
            auto s = scores.narrow(0, 0, qn).narrow(1, 0, cn);
            torch::mm_out(s, qb, c.narrow(0, c0, cn).t());
            const float* sp = s.data_ptr<float>();
            const auto stride = s.stride(0);
            if (c0 == q0)
                for (std::int64_t i = 0; i < qn; ++i) partner[static_cast<std::size_t>(i)] = sp[i * stride + i];
            at::parallel_for(0, qn, 64, [&](std::int64_t begin, std::int64_t end) {
                for (std::int64_t i = begin; i < end; ++i) {
                    const float* row = sp + i * stride;
                    const float threshold = partner[static_cast<std::size_t>(i)];
                    std::int64_t above = 0, tied = 0;
                    for (std::int64_t j = 0; j < cn; ++j) {
                        above += row[j] > threshold;
                        tied += row[j] == threshold;
                    }
                    if (c0 == q0) --tied;  // the partner itself
                    PartnerRank& r = ranks[static_cast<std::size_t>(q0 + i)];
                    r.above += above;
                    r.tied += tied;
                }
            });
        }
    }
    return ranks;
}

RetrievalScores scoresFromRanks(const std::vector<PartnerRank>& ranks, std::int64_t gallery) {
    RetrievalScores s;
    s.queries = static_cast<std::int64_t>(ranks.size());
    s.gallery = gallery;
    if (ranks.empty() || gallery <= 0) return s;
    double r1 = 0, r5 = 0, r10 = 0, sum = 0;
    std::vector<double> expected;
    expected.reserve(ranks.size());
    for (const auto& r : ranks) {
        r1 += r.recallAt(1);
        r5 += r.recallAt(5);
        r10 += r.recallAt(10);
        expected.push_back(r.expected());
        sum += expected.back();
    }
    const double n = static_cast<double>(ranks.size());
    s.recallAt1 = r1 / n;
    s.recallAt5 = r5 / n;
    s.recallAt10 = r10 / n;
    s.meanRank = sum / n;
    std::sort(expected.begin(), expected.end());
    const std::size_t m = expected.size();
    s.medianRank = m % 2 ? expected[m / 2] : 0.5 * (expected[m / 2 - 1] + expected[m / 2]);
    const double g = static_cast<double>(gallery);
    s.chanceAt1 = std::min(1.0, g) / g;
    s.chanceAt5 = std::min(5.0, g) / g;
    s.chanceAt10 = std::min(10.0, g) / g;
    return s;
}

RetrievalReport wholeSetRetrieval(EmbeddingView image, EmbeddingView gene, std::int64_t blockRows) {
    RetrievalReport r;
    r.imageToGene = scoresFromRanks(retrievalRanks(image, gene, blockRows), image.rows);
    r.geneToImage = scoresFromRanks(retrievalRanks(gene, image, blockRows), image.rows);
    return r;
}

RetrievalReport inBatchRetrieval(EmbeddingView image, EmbeddingView gene, std::int64_t batch) {
    checkPaired(image, gene);
    RetrievalReport total;
    double pairs = 0;
    // Weighted by the batch's pairs: the mean over pairs of each pair's in-batch score.
    auto add = [](RetrievalScores& into, const RetrievalScores& s, double w) {
        into.recallAt1 += w * s.recallAt1;
        into.recallAt5 += w * s.recallAt5;
        into.recallAt10 += w * s.recallAt10;
        into.chanceAt1 += w * s.chanceAt1;
        into.chanceAt5 += w * s.chanceAt5;
        into.chanceAt10 += w * s.chanceAt10;
        into.meanRank += w * s.meanRank;
        into.medianRank += w * s.medianRank;
        into.queries += s.queries;
    };
    for (std::int64_t start = 0; start < image.rows; start += batch) {
        const std::int64_t n = std::min(batch, image.rows - start);
        if (n < 2) break;  // a batch of one has nothing to confuse its pair with
        const EmbeddingView bi(image.row(start), n, image.dim), bg(gene.row(start), n, gene.dim);
        const double w = static_cast<double>(n);
        add(total.imageToGene, scoresFromRanks(retrievalRanks(bi, bg, n), n), w);
        add(total.geneToImage, scoresFromRanks(retrievalRanks(bg, bi, n), n), w);
        pairs += w;
    }
    for (auto* s : {&total.imageToGene, &total.geneToImage}) {
        if (pairs == 0) break;
        for (double* v : {&s->recallAt1, &s->recallAt5, &s->recallAt10, &s->chanceAt1, &s->chanceAt5, &s->chanceAt10,
                          &s->meanRank, &s->medianRank})
            *v /= pairs;
        s->gallery = std::min(batch, image.rows);
    }
    return total;
}

std::vector<float> pairCosine(EmbeddingView image, EmbeddingView gene) {
    checkPaired(image, gene);
    std::vector<float> out(static_cast<std::size_t>(image.rows));
    for (std::int64_t i = 0; i < image.rows; ++i) {
        double dot = 0, a = 0, b = 0;
        for (std::int64_t k = 0; k < image.dim; ++k) {
            const double x = image.row(i)[k], y = gene.row(i)[k];
            dot += x * y;
            a += x * x;
            b += y * y;
        }
        out[static_cast<std::size_t>(i)] = a > 0 && b > 0 ? static_cast<float>(dot / std::sqrt(a * b)) : 0.f;
    }
    return out;
}

}  // namespace hescape
