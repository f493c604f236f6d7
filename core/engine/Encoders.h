// The encoders of the cross-modal model: a small residual CNN for H&E
// patches (trainable from scratch on a CPU), HESCAPE's "generic" MLP for
// expression vectors, and linear projection heads into the shared space.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hescape {

class DistributedContext;

// conv3x3-BN-ReLU-conv3x3-BN + shortcut (1x1 conv when shape changes), ReLU.
class ResidualBlockImpl : public torch::nn::Module {
public:
    ResidualBlockImpl(int in, int out, int stride);
    torch::Tensor forward(const torch::Tensor& x);
    // Training on several ranks: batch norm over the global batch's statistics.
    torch::Tensor forwardGlobal(const torch::Tensor& x, DistributedContext& dist);

private:
    torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
    torch::nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr};
    torch::nn::Sequential shortcut_{nullptr};
};
TORCH_MODULE(ResidualBlock);

// [B, 3, H, W] in [0, 1] -> [B, outputDim]. Stem stride 2, four residual
// stages (32, 64, 128, 256 channels, each halving), global average pool.
class SmallResNetImpl : public torch::nn::Module {
public:
    explicit SmallResNetImpl(int width = 32);
    // `globalBatch`: in training mode, this rank's rows of a batch spread over
    // ranks; batch norm then uses the whole batch's statistics.
    torch::Tensor forward(const torch::Tensor& x, DistributedContext* globalBatch = nullptr);
    int outputDim() const { return outputDim_; }

private:
    torch::nn::Sequential body_{nullptr};
    int outputDim_;
};
TORCH_MODULE(SmallResNet);

// HESCAPE's generic gene encoder: Linear -> 3 x [BatchNorm, ReLU, Dropout, Linear].
class GeneMlpImpl : public torch::nn::Module {
public:
    GeneMlpImpl(int inputGenes, int hidden = 512, double dropout = 0.1);
    // `globalBatch`: as SmallResNet's; dropout masks are drawn for the whole
    // batch too. `globalNorm` false: batch norm on this rank's rows only.
    torch::Tensor forward(const torch::Tensor& x, DistributedContext* globalBatch = nullptr, bool globalNorm = true);
    int outputDim() const { return hidden_; }

private:
    torch::nn::Sequential net_{nullptr};
    int hidden_;
    double dropout_;
};
TORCH_MODULE(GeneMlp);

// A TorchScript module exported by the user (UNI, CONCH, Gigapath, H-optimus,
// or any timm/torchvision model through tools/export_torchscript.py). Frozen
// by default: its weights never change, only the projection head on top
// trains (the usual way with foundation models); `trainable` fine-tunes it.
class ScriptedEncoder {
public:
    // Loads `path` and runs one probe batch of `probeShape` to learn the
    // output width. Throws std::runtime_error naming the file.
    ScriptedEncoder(const std::string& path, std::vector<std::int64_t> probeShape, bool trainable = false);
    ~ScriptedEncoder();
    ScriptedEncoder(ScriptedEncoder&&) noexcept;
    torch::Tensor forward(const torch::Tensor& x);
    int outputDim() const { return outputDim_; }
    bool trainable() const { return trainable_; }
    void to(torch::Device device);
    void train(bool on);  // a frozen encoder stays in eval mode
    const std::string& path() const { return path_; }
    std::vector<torch::Tensor> parameters() const;
    // Parameters and buffers by name, for checkpoints of fine-tuned encoders.
    std::vector<std::pair<std::string, torch::Tensor>> state() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string path_;
    int outputDim_ = 0;
    bool trainable_ = false;
};

struct ClipModelOptions {
    int inputGenes = 0;
    int embedDim = 128;
    int imageWidth = 32;
    int geneHidden = 512;
    std::string imageScript;  // non-empty: TorchScript image encoder ([B, 3, H, W] in [0, 1] -> [B, D])
    std::string geneScript;   // non-empty: TorchScript gene encoder ([B, genes] -> [B, D])
    int patchPixels = 64;     // the image probe's size
    bool imageScriptTrainable = false;
    bool geneScriptTrainable = false;
};

// Image and gene encoders with a linear head each into `embedDim` (default 128).
class ClipModelImpl : public torch::nn::Module {
public:
    ClipModelImpl(int inputGenes, int embedDim = 128, int imageWidth = 32, int geneHidden = 512);
    explicit ClipModelImpl(const ClipModelOptions& options);
    torch::Tensor encodeImage(const torch::Tensor& patches);
    torch::Tensor encodeGenes(const torch::Tensor& expression);
    // While set (data-parallel training), the built-in encoders see their
    // batch as this rank's share of the global batch: batch norm and dropout
    // behave as on the whole batch in one process. Not owned; nullptr: off.
    // TorchScript encoders keep their own per-rank behaviour. `globalNorm`
    // false keeps batch norm on each rank's rows (no collectives; what
    // PyTorch's DDP does without SyncBatchNorm), dropout stays global.
    void setGlobalBatch(DistributedContext* dist, bool globalNorm = true) {
        globalBatch_ = dist;
        globalNorm_ = globalNorm;
    }
    // Moves the scripted encoders too (they are not registered submodules).
    void moveTo(torch::Device device);
    void train(bool on = true) override;
    // What the optimiser updates: registered parameters plus those of
    // trainable scripted encoders.
    std::vector<torch::Tensor> trainableParameters();
    // Named state of trainable scripted encoders ("image_script.<name>"), which
    // Module::save does not see.
    std::vector<std::pair<std::string, torch::Tensor>> scriptState() const;

private:
    SmallResNet image_{nullptr};
    GeneMlp gene_{nullptr};
    std::optional<ScriptedEncoder> imageScript_, geneScript_;
    torch::nn::Linear imageHead_{nullptr}, geneHead_{nullptr};
    DistributedContext* globalBatch_ = nullptr;
    bool globalNorm_ = true;
};
TORCH_MODULE(ClipModel);

}  // namespace hescape
