// Encoder definitions. ImageNet-style normalisation is folded into
// SmallResNet::forward so callers pass plain [0, 1] RGB.
#include "core/engine/Encoders.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/pooling.h>
#include <torch/torch.h>

namespace hescape {

namespace nn = torch::nn;

ResidualBlockImpl::ResidualBlockImpl(int in, int out, int stride) {
    conv1_ = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)));
    bn1_ = register_module("bn1", nn::BatchNorm2d(out));
    conv2_ = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(out, out, 3).stride(1).padding(1).bias(false)));
    bn2_ = register_module("bn2", nn::BatchNorm2d(out));
    shortcut_ = nn::Sequential();
    if (in != out || stride != 1) {
        shortcut_->push_back(nn::Conv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)));
        shortcut_->push_back(nn::BatchNorm2d(out));
    }
    register_module("shortcut", shortcut_);
}

torch::Tensor ResidualBlockImpl::forward(const torch::Tensor& x) {
    auto y = torch::relu(bn1_->forward(conv1_->forward(x)));
    y = bn2_->forward(conv2_->forward(y));
    const auto skip = shortcut_->is_empty() ? x : shortcut_->forward(x);
    return torch::relu(y + skip);
}

SmallResNetImpl::SmallResNetImpl(int width) : outputDim_(width * 8) {
    body_ = nn::Sequential(nn::Conv2d(nn::Conv2dOptions(3, width, 3).stride(2).padding(1).bias(false)),
                           nn::BatchNorm2d(width), nn::ReLU(), ResidualBlock(width, width, 1),
                           ResidualBlock(width, width * 2, 2), ResidualBlock(width * 2, width * 4, 2),
                           ResidualBlock(width * 4, width * 8, 2), nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions(1)),
                           nn::Flatten());
    register_module("body", body_);
}

torch::Tensor SmallResNetImpl::forward(const torch::Tensor& x) {
    TORCH_CHECK(x.dim() == 4 && x.size(1) == 3, "image encoder: expected [batch, 3, height, width]");
    static const double mean[3] = {0.485, 0.456, 0.406}, stdev[3] = {0.229, 0.224, 0.225};
    const auto m = torch::tensor({mean[0], mean[1], mean[2]}, x.options()).view({1, 3, 1, 1});
    const auto s = torch::tensor({stdev[0], stdev[1], stdev[2]}, x.options()).view({1, 3, 1, 1});
    return body_->forward((x - m) / s);
}

GeneMlpImpl::GeneMlpImpl(int inputGenes, int hidden, double dropout) : hidden_(hidden) {
    net_ = nn::Sequential(nn::Linear(inputGenes, hidden));
    for (int i = 0; i < 3; ++i) {
        net_->push_back(nn::BatchNorm1d(hidden));
        net_->push_back(nn::ReLU());
        net_->push_back(nn::Dropout(dropout));
        net_->push_back(nn::Linear(hidden, hidden));
    }
    register_module("net", net_);
}

torch::Tensor GeneMlpImpl::forward(const torch::Tensor& x) {
    TORCH_CHECK(x.dim() == 2, "gene encoder: expected [batch, genes]");
    return net_->forward(x);
}

ClipModelImpl::ClipModelImpl(int inputGenes, int embedDim, int imageWidth, int geneHidden) {
    image_ = register_module("image", SmallResNet(imageWidth));
    gene_ = register_module("gene", GeneMlp(inputGenes, geneHidden));
    imageHead_ = register_module("image_head", nn::Linear(image_->outputDim(), embedDim));
    geneHead_ = register_module("gene_head", nn::Linear(gene_->outputDim(), embedDim));
}

torch::Tensor ClipModelImpl::encodeImage(const torch::Tensor& patches) { return imageHead_->forward(image_->forward(patches)); }

torch::Tensor ClipModelImpl::encodeGenes(const torch::Tensor& expression) {
    return geneHead_->forward(gene_->forward(expression));
}

}  // namespace hescape
