// The cross-modal objectives of HESCAPE, done as the design says: CLIP
// (symmetric InfoNCE over the in-batch similarity matrix) and SigLIP
// (pairwise sigmoid), both on L2-normalised embeddings with a learnable
// temperature. Row i of the image batch and row i of the gene batch are the
// positive pair; every other pairing in the batch is a negative.
#pragma once

#include "core/engine/TrainConfig.h"

#include <torch/nn/module.h>
#include <torch/types.h>

namespace hescape {

// Holds the learnable parameters: log of the logit scale (CLIP: 1/0.07 at
// the start, clamped to <= 100 when used; SigLIP: log 10) and, for SigLIP,
// the logit bias (-10 at the start, as in Zhai et al. 2023).
class ContrastiveLossImpl : public torch::nn::Module {
public:
    explicit ContrastiveLossImpl(ContrastiveObjective objective = ContrastiveObjective::Clip);

    // image, gene: [batch, dim], not yet normalised. Returns the scalar loss.
    // `spots` (optional, [batch] integers): pairs i != j of one spot (a
    // thinned copy and its original share the patch) are not negatives of
    // each other: left out of both objectives. Undefined: every pair is.
    torch::Tensor forward(const torch::Tensor& image, const torch::Tensor& gene, const torch::Tensor& spots = {});
    // This rank's share of the loss over a global batch spread over ranks:
    // imageAll, geneAll are the whole batch [n, dim] (gathered with gradients),
    // rows [offset, offset + rows) are this rank's pairs. The shares of all
    // ranks sum to forward(imageAll, geneAll): CLIP takes the cross-entropy of
    // its image rows and gene columns, SigLIP the sigmoid terms of its rows,
    // each divided by the global n (and by 2 for CLIP's two directions).
    // `spotsAll` as forward's `spots`, over the whole batch.
    torch::Tensor shardForward(const torch::Tensor& imageAll, const torch::Tensor& geneAll, std::int64_t offset, std::int64_t rows,
                               const torch::Tensor& spotsAll = {});
    // scale * normalise(image) @ normalise(gene)^T (+ bias for SigLIP): [batch, batch].
    torch::Tensor logits(const torch::Tensor& image, const torch::Tensor& gene) const;

    double logitScale() const;  // after clamping
    ContrastiveObjective objective() const { return objective_; }

    torch::Tensor logScale;
    torch::Tensor bias;  // SigLIP only (kept at 0 and unused for CLIP)

private:
    ContrastiveObjective objective_;
};
TORCH_MODULE(ContrastiveLoss);

}  // namespace hescape
