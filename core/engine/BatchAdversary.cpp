// BatchAdversary: the reversal is a custom autograd function, so that the
// classifier itself still descends on its own loss.
#include "core/engine/BatchAdversary.h"

namespace hescape {

namespace {

struct GradientReversal : public torch::autograd::Function<GradientReversal> {
    static torch::Tensor forward(torch::autograd::AutogradContext*, const torch::Tensor& x) { return x.view_as(x); }
    static torch::autograd::variable_list backward(torch::autograd::AutogradContext*, torch::autograd::variable_list grad) {
        return {grad[0].neg()};
    }
};

}  // namespace

torch::Tensor reverseGradient(const torch::Tensor& x) { return GradientReversal::apply(x); }

BatchAdversaryImpl::BatchAdversaryImpl(int embedDim, int batches) {
    net_ = register_module("net", torch::nn::Sequential(torch::nn::Linear(embedDim, 64), torch::nn::ReLU(), torch::nn::Linear(64, batches)));
}

torch::Tensor BatchAdversaryImpl::loss(const torch::Tensor& image, const torch::Tensor& gene, const torch::Tensor& batch) {
    namespace F = torch::nn::functional;
    const auto unit = [](const torch::Tensor& t) { return F::normalize(t, F::NormalizeFuncOptions().p(2).dim(1)); };
    return F::cross_entropy(net_->forward(reverseGradient(unit(image))), batch) +
           F::cross_entropy(net_->forward(reverseGradient(unit(gene))), batch);
}

}  // namespace hescape
