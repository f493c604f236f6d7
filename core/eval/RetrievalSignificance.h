// Is a whole-set recall@k better than chance? A permutation test: the gene
// embeddings are re-paired with the images at random (M permutations from a
// fixed seed), each re-pairing scored by the same tie-fair recall@k
// (RetrievalMetrics.h), and p = (1 + #{null >= observed}) / (M + 1), the
// standard add-one estimate (never 0; with M = 999 the smallest is 0.001).
// Rows of the similarity matrix are sorted once, so a permutation costs
// O(n log n); the matrix is held whole, so n is bounded (kMaxPermutationPairs).
#pragma once

#include "core/common/EmbeddingView.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hescape {

inline constexpr std::int64_t kMaxPermutationPairs = 8192;

struct RecallSignificance {
    bool available = false;
    std::string why;          // when not available
    double observed = 0;      // recall@k of the true pairing
    double nullMean = 0;      // mean recall@k over the permutations (about k / n)
    double pValue = 1;
    int permutations = 0;
    int k = 5;
};

// queries x candidates: query i's true partner is candidate i.
RecallSignificance recallPermutationTest(EmbeddingView queries, EmbeddingView candidates, int k = 5, int permutations = 999,
                                         std::uint64_t seed = 0);

// Recall@k when query i is paired with candidate partner[i] instead (for tests
// against an independent computation of the same re-pairing).
double recallUnderPairing(EmbeddingView queries, EmbeddingView candidates, const std::vector<std::int64_t>& partner, int k);

}  // namespace hescape
