// An adversarial batch classifier (Ganin & Lempitsky 2015): a small MLP
// predicts each training pair's batch (section or donor) from its image and
// from its gene embedding, through a gradient reversal layer, so the encoders
// are pushed to remove what tells the batches apart while the classifier
// tries to keep finding it. Its loss (cross-entropy, both modalities, scaled
// by the weight) is added to the contrastive loss.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hescape {

// Identity forward; the gradient times -1 backward.
torch::Tensor reverseGradient(const torch::Tensor& x);

class BatchAdversaryImpl : public torch::nn::Module {
public:
    BatchAdversaryImpl(int embedDim, int batches);
    // Cross-entropy of the batch predicted from each embedding (mean over
    // rows), image + gene; gradients into the embeddings are reversed.
    torch::Tensor loss(const torch::Tensor& image, const torch::Tensor& gene, const torch::Tensor& batch);

private:
    torch::nn::Sequential net_{nullptr};
};
TORCH_MODULE(BatchAdversary);

}  // namespace hescape
