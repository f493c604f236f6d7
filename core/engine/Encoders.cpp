// Encoder definitions. ImageNet-style normalisation is folded into
// SmallResNet::forward so callers pass plain [0, 1] RGB. With a global batch
// set (data-parallel training) the same layers run with globalBatchNorm and
// globalBatchDropout in place of the modules' own forward.
#include "core/engine/Encoders.h"

#include "core/engine/DistributedOps.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/pooling.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <filesystem>

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

torch::Tensor ResidualBlockImpl::forwardGlobal(const torch::Tensor& x, DistributedContext& dist) {
    auto y = torch::relu(globalBatchNorm(*bn1_, conv1_->forward(x), dist));
    y = globalBatchNorm(*bn2_, conv2_->forward(y), dist);
    torch::Tensor skip = x;
    if (!shortcut_->is_empty()) {
        skip = std::dynamic_pointer_cast<nn::Conv2dImpl>(shortcut_->ptr(0))->forward(x);
        skip = globalBatchNorm(*std::dynamic_pointer_cast<nn::BatchNorm2dImpl>(shortcut_->ptr(1)), skip, dist);
    }
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

torch::Tensor SmallResNetImpl::forward(const torch::Tensor& x, DistributedContext* globalBatch) {
    TORCH_CHECK(x.dim() == 4 && x.size(1) == 3, "image encoder: expected [batch, 3, height, width]");
    static const double mean[3] = {0.485, 0.456, 0.406}, stdev[3] = {0.229, 0.224, 0.225};
    const auto m = torch::tensor({mean[0], mean[1], mean[2]}, x.options()).view({1, 3, 1, 1});
    const auto s = torch::tensor({stdev[0], stdev[1], stdev[2]}, x.options()).view({1, 3, 1, 1});
    if (!globalBatch || !is_training()) return body_->forward((x - m) / s);
    // The same layers, with the batch norms over the global batch.
    torch::Tensor y = (x - m) / s;
    for (auto& layer : *body_) {
        if (auto norm = std::dynamic_pointer_cast<nn::BatchNorm2dImpl>(layer.ptr())) y = globalBatchNorm(*norm, y, *globalBatch);
        else if (auto block = std::dynamic_pointer_cast<ResidualBlockImpl>(layer.ptr())) y = block->forwardGlobal(y, *globalBatch);
        else y = layer.forward(y);
    }
    return y;
}

GeneMlpImpl::GeneMlpImpl(int inputGenes, int hidden, double dropout) : hidden_(hidden), dropout_(dropout) {
    net_ = nn::Sequential(nn::Linear(inputGenes, hidden));
    for (int i = 0; i < 3; ++i) {
        net_->push_back(nn::BatchNorm1d(hidden));
        net_->push_back(nn::ReLU());
        net_->push_back(nn::Dropout(dropout));
        net_->push_back(nn::Linear(hidden, hidden));
    }
    register_module("net", net_);
}

torch::Tensor GeneMlpImpl::forward(const torch::Tensor& x, DistributedContext* globalBatch, bool globalNorm) {
    TORCH_CHECK(x.dim() == 2, "gene encoder: expected [batch, genes]");
    if (!globalBatch || !is_training()) return net_->forward(x);
    torch::Tensor y = x;
    for (auto& layer : *net_) {
        if (auto norm = std::dynamic_pointer_cast<nn::BatchNorm1dImpl>(layer.ptr()); norm && globalNorm) y = globalBatchNorm(*norm, y, *globalBatch);
        else if (std::dynamic_pointer_cast<nn::DropoutImpl>(layer.ptr())) y = globalBatchDropout(y, dropout_, true, *globalBatch);
        else y = layer.forward(y);
    }
    return y;
}

struct ScriptedEncoder::Impl {
    torch::jit::Module module;
};

ScriptedEncoder::ScriptedEncoder(const std::string& path, std::vector<std::int64_t> probeShape, bool trainable)
    : impl_(std::make_unique<Impl>()), path_(path), trainable_(trainable) {
    if (!std::filesystem::exists(path)) throw std::runtime_error(path + ": no such TorchScript file");
    try {
        impl_->module = torch::jit::load(path);
        impl_->module.eval();
        for (auto p : impl_->module.parameters()) p.set_requires_grad(trainable_);
        torch::NoGradGuard guard;
        const auto out = impl_->module.forward({torch::rand(probeShape)}).toTensor();
        if (out.dim() != 2 || out.size(0) != probeShape.front()) {
            throw std::runtime_error("its output for a batch of " + std::to_string(probeShape.front()) +
                                     " must be [batch, features], got " + std::to_string(out.dim()) + "-D");
        }
        outputDim_ = static_cast<int>(out.size(1));
    } catch (const c10::Error& e) {
        throw std::runtime_error(path + ": not a usable TorchScript encoder: " + e.what_without_backtrace());
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(path + ": " + e.what());
    }
    if (trainable_ && impl_->module.parameters().size() == 0) {
        throw std::runtime_error(path + ": marked trainable, but the module has no parameters");
    }
}

ScriptedEncoder::~ScriptedEncoder() = default;
ScriptedEncoder::ScriptedEncoder(ScriptedEncoder&&) noexcept = default;

torch::Tensor ScriptedEncoder::forward(const torch::Tensor& x) {
    if (trainable_) return impl_->module.forward({x}).toTensor();
    torch::NoGradGuard guard;  // frozen: no graph through the backbone
    return impl_->module.forward({x}).toTensor();
}

void ScriptedEncoder::to(torch::Device device) { impl_->module.to(device); }

void ScriptedEncoder::train(bool on) {
    if (trainable_) impl_->module.train(on);
}

std::vector<torch::Tensor> ScriptedEncoder::parameters() const {
    std::vector<torch::Tensor> out;
    for (const auto& p : impl_->module.parameters()) out.push_back(p);
    return out;
}

std::vector<std::pair<std::string, torch::Tensor>> ScriptedEncoder::state() const {
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto& p : impl_->module.named_parameters()) out.emplace_back(p.name, p.value);
    for (const auto& b : impl_->module.named_buffers()) out.emplace_back(b.name, b.value);
    return out;
}

ClipModelImpl::ClipModelImpl(int inputGenes, int embedDim, int imageWidth, int geneHidden)
    : ClipModelImpl(ClipModelOptions{inputGenes, embedDim, imageWidth, geneHidden, {}, {}, 64, false, false}) {}

ClipModelImpl::ClipModelImpl(const ClipModelOptions& o) {
    int imageDim = 0, geneDim = 0;
    if (o.imageScript.empty()) {
        image_ = register_module("image", SmallResNet(o.imageWidth));
        imageDim = image_->outputDim();
    } else {
        imageScript_.emplace(o.imageScript, std::vector<std::int64_t>{2, 3, o.patchPixels, o.patchPixels}, o.imageScriptTrainable);
        imageDim = imageScript_->outputDim();
    }
    if (o.geneScript.empty()) {
        gene_ = register_module("gene", GeneMlp(o.inputGenes, o.geneHidden));
        geneDim = gene_->outputDim();
    } else {
        geneScript_.emplace(o.geneScript, std::vector<std::int64_t>{2, o.inputGenes}, o.geneScriptTrainable);
        geneDim = geneScript_->outputDim();
    }
    imageHead_ = register_module("image_head", nn::Linear(imageDim, o.embedDim));
    geneHead_ = register_module("gene_head", nn::Linear(geneDim, o.embedDim));
}

torch::Tensor ClipModelImpl::encodeImage(const torch::Tensor& patches) {
    return imageHead_->forward(imageScript_ ? imageScript_->forward(patches) : image_->forward(patches, globalNorm_ ? globalBatch_ : nullptr));
}

torch::Tensor ClipModelImpl::encodeGenes(const torch::Tensor& expression) {
    return geneHead_->forward(geneScript_ ? geneScript_->forward(expression) : gene_->forward(expression, globalBatch_, globalNorm_));
}

void ClipModelImpl::moveTo(torch::Device device) {
    to(device);
    if (imageScript_) imageScript_->to(device);
    if (geneScript_) geneScript_->to(device);
}

void ClipModelImpl::train(bool on) {
    torch::nn::Module::train(on);
    if (imageScript_) imageScript_->train(on);
    if (geneScript_) geneScript_->train(on);
}

std::vector<torch::Tensor> ClipModelImpl::trainableParameters() {
    std::vector<torch::Tensor> out = parameters();
    for (auto* s : {&imageScript_, &geneScript_}) {
        if (*s && (*s)->trainable()) {
            const auto p = (*s)->parameters();
            out.insert(out.end(), p.begin(), p.end());
        }
    }
    return out;
}

std::vector<std::pair<std::string, torch::Tensor>> ClipModelImpl::scriptState() const {
    std::vector<std::pair<std::string, torch::Tensor>> out;
    if (imageScript_ && imageScript_->trainable())
        for (auto& [n, t] : imageScript_->state()) out.emplace_back("image_script." + n, t);
    if (geneScript_ && geneScript_->trainable())
        for (auto& [n, t] : geneScript_->state()) out.emplace_back("gene_script." + n, t);
    return out;
}

}  // namespace hescape
