// CLIP: (CE(logits, arange) + CE(logits^T, arange)) / 2.
// SigLIP: -mean over rows of sum_j log sigmoid(z_ij * logits_ij), z = 2I - 1.
#include "core/engine/ContrastiveLoss.h"

#include <torch/nn/functional.h>

#include <cmath>
#include <limits>

namespace hescape {

namespace F = torch::nn::functional;

namespace {
constexpr double kMaxLogitScale = 100.0;

// Rows [offset, offset + rows) of the [n, n] mask of pairs i != j from one spot.
torch::Tensor siblings(const torch::Tensor& spots, std::int64_t offset, std::int64_t rows, torch::Device device) {
    const auto all = spots.to(device).to(torch::kLong);
    const auto n = all.size(0);
    const auto same = all.narrow(0, offset, rows).unsqueeze(1).eq(all.unsqueeze(0));
    const auto self = torch::eye(n, torch::TensorOptions().dtype(torch::kBool).device(device)).narrow(0, offset, rows);
    return same.logical_and(self.logical_not());
}

// Logits with sibling pairs removed: -inf for the softmax (CLIP).
torch::Tensor withoutSiblings(const torch::Tensor& z, const torch::Tensor& mask) {
    return mask.defined() ? z.masked_fill(mask, -std::numeric_limits<double>::infinity()) : z;
}

// SigLIP's summed terms without the sibling pairs.
torch::Tensor siglipSum(const torch::Tensor& terms, const torch::Tensor& mask) {
    return mask.defined() ? terms.masked_fill(mask, 0.0).sum() : terms.sum();
}
}  // namespace

ContrastiveLossImpl::ContrastiveLossImpl(ContrastiveObjective objective) : objective_(objective) {
    const double initScale = objective == ContrastiveObjective::Clip ? 1.0 / 0.07 : 10.0;
    logScale = register_parameter("log_scale", torch::full({}, std::log(initScale)));
    bias = register_parameter("bias", torch::full({}, objective == ContrastiveObjective::Siglip ? -10.0 : 0.0),
                              /*requires_grad=*/objective == ContrastiveObjective::Siglip);
}

torch::Tensor ContrastiveLossImpl::logits(const torch::Tensor& image, const torch::Tensor& gene) const {
    TORCH_CHECK(image.dim() == 2 && gene.dim() == 2 && image.sizes() == gene.sizes(),
                "contrastive loss: image and gene embeddings must both be [batch, dim]");
    const auto img = F::normalize(image, F::NormalizeFuncOptions().p(2).dim(1));
    const auto gen = F::normalize(gene, F::NormalizeFuncOptions().p(2).dim(1));
    const auto scale = logScale.exp().clamp_max(kMaxLogitScale);
    auto z = scale * torch::matmul(img, gen.t());
    if (objective_ == ContrastiveObjective::Siglip) z = z + bias;
    return z;
}

torch::Tensor ContrastiveLossImpl::forward(const torch::Tensor& image, const torch::Tensor& gene, const torch::Tensor& spots) {
    const auto z = logits(image, gene);
    const auto n = z.size(0);
    TORCH_CHECK(!spots.defined() || spots.numel() == n, "contrastive loss: one spot per pair");
    const torch::Tensor mask = spots.defined() ? siblings(spots, 0, n, z.device()) : torch::Tensor();
    if (objective_ == ContrastiveObjective::Clip) {
        const auto target = torch::arange(n, torch::TensorOptions().dtype(torch::kLong).device(z.device()));
        const auto masked = withoutSiblings(z, mask);  // the mask is symmetric, so its transpose masks z^T
        return (F::cross_entropy(masked, target) + F::cross_entropy(masked.t(), target)) / 2.0;
    }
    const auto labels = 2.0 * torch::eye(n, z.options()) - 1.0;
    return -siglipSum(F::logsigmoid(labels * z), mask) / static_cast<double>(n);
}

torch::Tensor ContrastiveLossImpl::shardForward(const torch::Tensor& imageAll, const torch::Tensor& geneAll, std::int64_t offset,
                                                std::int64_t rows, const torch::Tensor& spotsAll) {
    TORCH_CHECK(imageAll.dim() == 2 && geneAll.dim() == 2 && imageAll.sizes() == geneAll.sizes(),
                "contrastive loss: image and gene embeddings must both be [batch, dim]");
    const auto n = imageAll.size(0);
    TORCH_CHECK(offset >= 0 && rows > 0 && offset + rows <= n, "contrastive loss: shard rows outside the batch");
    const auto img = F::normalize(imageAll, F::NormalizeFuncOptions().p(2).dim(1));
    const auto gen = F::normalize(geneAll, F::NormalizeFuncOptions().p(2).dim(1));
    const auto scale = logScale.exp().clamp_max(kMaxLogitScale);
    TORCH_CHECK(!spotsAll.defined() || spotsAll.numel() == n, "contrastive loss: one spot per pair");
    const torch::Tensor mask = spotsAll.defined() ? siblings(spotsAll, offset, rows, img.device()) : torch::Tensor();
    const auto imageRows = scale * torch::matmul(img.narrow(0, offset, rows), gen.t());  // rows of the logits
    if (objective_ == ContrastiveObjective::Clip) {
        const auto geneRows = scale * torch::matmul(gen.narrow(0, offset, rows), img.t());  // rows of their transpose
        const auto target = torch::arange(offset, offset + rows, torch::TensorOptions().dtype(torch::kLong).device(img.device()));
        const auto sum = F::CrossEntropyFuncOptions().reduction(torch::kSum);
        return (F::cross_entropy(withoutSiblings(imageRows, mask), target, sum) + F::cross_entropy(withoutSiblings(geneRows, mask), target, sum)) /
               (2.0 * static_cast<double>(n));
    }
    const auto labels = 2.0 * torch::eye(n, imageRows.options()).narrow(0, offset, rows) - 1.0;
    return -siglipSum(F::logsigmoid(labels * (imageRows + bias)), mask) / static_cast<double>(n);
}

double ContrastiveLossImpl::logitScale() const {
    return std::min(std::exp(logScale.item<double>()), kMaxLogitScale);
}

}  // namespace hescape
