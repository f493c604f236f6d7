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

std::vector<std::int64_t> retrievalRanks(EmbeddingView queries, EmbeddingView candidates, std::int64_t blockRows) {
    checkPaired(queries, candidates);
    torch::NoGradGuard guard;
    const auto q = unitRows(queries), c = unitRows(candidates);
    const std::int64_t n = queries.rows;
    blockRows = std::max<std::int64_t>(1, blockRows);
    std::vector<std::int64_t> ranks(static_cast<std::size_t>(n), 1);
    // One reused buffer (a fresh 64 MB block per product costs page faults);
    // the comparisons are a plain loop over it: torch's bool sum is far slower.
    auto scores = torch::empty({blockRows, blockRows}, torch::kFloat);
    for (std::int64_t q0 = 0; q0 < n; q0 += blockRows) {
        const std::int64_t qn = std::min(blockRows, n - q0);
        const auto qb = q.narrow(0, q0, qn);
        // The partner's similarity, from the same kind of product as the rest.
        const auto partner = torch::mm(qb, c.narrow(0, q0, qn).t()).diagonal().contiguous();
        const float* p = partner.data_ptr<float>();
        for (std::int64_t c0 = 0; c0 < n; c0 += blockRows) {
            const std::int64_t cn = std::min(blockRows, n - c0);
            auto s = scores.narrow(0, 0, qn).narrow(1, 0, cn);
            torch::mm_out(s, qb, c.narrow(0, c0, cn).t());
            const float* sp = s.data_ptr<float>();
            const auto stride = s.stride(0);
            at::parallel_for(0, qn, 64, [&](std::int64_t begin, std::int64_t end) {
                for (std::int64_t i = begin; i < end; ++i) {
                    const float* row = sp + i * stride;
                    const float threshold = p[i];
                    std::int64_t above = 0;
                    for (std::int64_t j = 0; j < cn; ++j) above += row[j] > threshold;
                    // The partner itself never counts against its query.
                    const std::int64_t self = q0 + i - c0;
                    if (self >= 0 && self < cn && row[self] > threshold) --above;
                    ranks[static_cast<std::size_t>(q0 + i)] += above;
                }
            });
        }
    }
    return ranks;
}

RetrievalScores scoresFromRanks(const std::vector<std::int64_t>& ranks, std::int64_t gallery) {
    RetrievalScores s;
    s.queries = static_cast<std::int64_t>(ranks.size());
    s.gallery = gallery;
    if (ranks.empty() || gallery <= 0) return s;
    double r1 = 0, r5 = 0, r10 = 0, sum = 0;
    for (const auto r : ranks) {
        r1 += r <= 1;
        r5 += r <= 5;
        r10 += r <= 10;
        sum += static_cast<double>(r);
    }
    const double n = static_cast<double>(ranks.size());
    s.recallAt1 = r1 / n;
    s.recallAt5 = r5 / n;
    s.recallAt10 = r10 / n;
    s.meanRank = sum / n;
    std::vector<std::int64_t> sorted = ranks;
    std::sort(sorted.begin(), sorted.end());
    const std::size_t m = sorted.size();
    s.medianRank = m % 2 ? static_cast<double>(sorted[m / 2]) : 0.5 * static_cast<double>(sorted[m / 2 - 1] + sorted[m / 2]);
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
    int batches = 0;
    auto add = [](RetrievalScores& into, const RetrievalScores& s) {
        into.recallAt1 += s.recallAt1;
        into.recallAt5 += s.recallAt5;
        into.recallAt10 += s.recallAt10;
        into.chanceAt1 += s.chanceAt1;
        into.chanceAt5 += s.chanceAt5;
        into.chanceAt10 += s.chanceAt10;
        into.meanRank += s.meanRank;
        into.medianRank += s.medianRank;
        into.queries += s.queries;
    };
    for (std::int64_t start = 0; start < image.rows; start += batch) {
        const std::int64_t n = std::min(batch, image.rows - start);
        if (n < 2) break;  // a batch of one has nothing to confuse its pair with
        const EmbeddingView bi(image.row(start), n, image.dim), bg(gene.row(start), n, gene.dim);
        add(total.imageToGene, scoresFromRanks(retrievalRanks(bi, bg, n), n));
        add(total.geneToImage, scoresFromRanks(retrievalRanks(bg, bi, n), n));
        ++batches;
    }
    for (auto* s : {&total.imageToGene, &total.geneToImage}) {
        if (batches == 0) break;
        for (double* v : {&s->recallAt1, &s->recallAt5, &s->recallAt10, &s->chanceAt1, &s->chanceAt5, &s->chanceAt10,
                          &s->meanRank, &s->medianRank})
            *v /= batches;
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
