// exactNeighbours: one candidate pass, then the proven refinement.
#include "core/neighbours/ExactNeighbours.h"

#include "core/neighbours/PairScan.h"

#include <stdexcept>
#include <string>

namespace hescape {

NeighbourGraph exactNeighbours(EmbeddingView embeddings, int k, int threads, const Progress& progress) {
    pairscan::checkEmbeddingRows(embeddings);
    if (k < 1 || static_cast<std::int64_t>(k) >= embeddings.rows)
        throw std::invalid_argument("k: " + std::to_string(k) + " neighbours need 1 <= k < cells (" + std::to_string(embeddings.rows) +
                                    " cells)");
    const pairscan::Packed p = pairscan::pack(embeddings, pairscan::identityOrder(embeddings.rows));
    pairscan::PassSpec spec;
    spec.candidates = pairscan::candidateCount(k, p.n);
    const pairscan::PassCandidates cand = pairscan::scanPairs(p, spec, threads, {}, progress);
    progress.throwIfCancelled();
    return pairscan::refineNeighbours(embeddings, p, cand, k, threads);
}

}  // namespace hescape
