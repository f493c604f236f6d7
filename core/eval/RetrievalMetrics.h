// Cross-modal retrieval between paired image and gene embeddings (pair i is
// image row i and gene row i), image -> gene and gene -> image, scored by
// cosine similarity:
// - over the whole set: every query against all n candidates (gallery size
//   n), computed in blocks so that an n x n similarity matrix never exists
//   (200,000 pairs need 160 GB as one float matrix);
// - HESCAPE's in-batch protocol: consecutive batches of 64, recall within
//   each batch averaged over batches, chance min(k, b) / b averaged alike.
// A query's rank is 1 + the number of other candidates strictly more similar
// than its partner (ties count in the query's favour, as numpy's
// `(S > diag).sum(1) + 1` does).
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

// Ranks (1 = the partner is the most similar) of every query; `blockRows`
// bounds the similarity block held at once (blockRows x blockRows floats).
std::vector<std::int64_t> retrievalRanks(EmbeddingView queries, EmbeddingView candidates, std::int64_t blockRows = 4096);

RetrievalScores scoresFromRanks(const std::vector<std::int64_t>& ranks, std::int64_t gallery);
RetrievalReport wholeSetRetrieval(EmbeddingView image, EmbeddingView gene, std::int64_t blockRows = 4096);
RetrievalReport inBatchRetrieval(EmbeddingView image, EmbeddingView gene, std::int64_t batch = 64);

// Cosine similarity of each pair's image and gene embedding (the alignment map).
std::vector<float> pairCosine(EmbeddingView image, EmbeddingView gene);

}  // namespace hescape
