// Cross-modal retrieval between paired image and gene embeddings (pair i is
// image row i and gene row i), image -> gene and gene -> image, scored by
// cosine similarity:
// - over the whole set: every query against all n candidates (gallery size
//   n), computed in blocks so that an n x n similarity matrix never exists
//   (200,000 pairs need 160 GB as one float matrix);
// - HESCAPE's in-batch protocol: consecutive batches of 64, recall within
//   each batch averaged over batches, chance min(k, b) / b averaged alike.
// Ties are shared fairly, never counted in the query's favour: a query whose
// partner has `above` candidates strictly more similar and `tied` others
// exactly as similar is scored as if the tie were broken at random: its
// expected rank is above + 1 + tied / 2 and its recall@k the probability
// that the partner lands in the top k, clamp((k - above) / (tied + 1), 0, 1).
// So a collapsed encoder (every embedding equal) scores exactly chance, k / n.
// In-batch scores are weighted by batch size (a final partial batch counts
// for its pairs, not as much as a full batch), as HESCAPE's Lightning
// logging averages them; chance is weighted alike.
#pragma once

#include "core/common/EmbeddingView.h"

#include <cstdint>
#include <vector>

namespace hescape {

struct RetrievalScores {
    double recallAt1 = 0, recallAt5 = 0, recallAt10 = 0;
    double chanceAt1 = 0, chanceAt5 = 0, chanceAt10 = 0;
    double meanRank = 0, medianRank = 0;
    std::int64_t queries = 0;
    std::int64_t gallery = 0;  // candidates per query (the batch size for in-batch)
};

struct RetrievalReport {
    RetrievalScores imageToGene, geneToImage;
};

// Where a query's partner stands among the candidates.
struct PartnerRank {
    std::int64_t above = 0;  // other candidates strictly more similar
    std::int64_t tied = 0;   // other candidates exactly as similar
    double expected() const { return static_cast<double>(above) + 1.0 + static_cast<double>(tied) / 2.0; }
    double recallAt(std::int64_t k) const;  // chance that a random tie-break puts the partner in the top k
    bool operator==(const PartnerRank&) const = default;
};

// Every query's partner rank; `blockRows` bounds the similarity block held at
// once (blockRows x blockRows floats).
std::vector<PartnerRank> retrievalRanks(EmbeddingView queries, EmbeddingView candidates, std::int64_t blockRows = 4096);

RetrievalScores scoresFromRanks(const std::vector<PartnerRank>& ranks, std::int64_t gallery);
RetrievalReport wholeSetRetrieval(EmbeddingView image, EmbeddingView gene, std::int64_t blockRows = 4096);
RetrievalReport inBatchRetrieval(EmbeddingView image, EmbeddingView gene, std::int64_t batch = 64);

// Cosine similarity of each pair's image and gene embedding (the alignment map).
std::vector<float> pairCosine(EmbeddingView image, EmbeddingView gene);

}  // namespace hescape
