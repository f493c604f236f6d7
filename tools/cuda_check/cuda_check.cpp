// Engine on CUDA: the same CLIP model (same weights) on CPU and GPU gives the
// same loss and gradients on the same batch (float32 tolerance), and training
// throughput (pairs/s) of the small CNN + MLP CLIP model on GPU vs all CPU
// cores. Prints a table. usage: cuda_check [batch] [patch_pixels] [steps]
//
// cuda_check --vit FILE.pt [batch] [steps]: training throughput with a
// TorchScript image encoder (e.g. a ViT-B/16 exported by
// tools/export_torchscript.py) and the gene MLP, fed the way ClipTrainer
// feeds it (uint8 patches in host memory -> GPU -> per-patch augmentation),
// in float32 and bf16 autocast, frozen backbone and fine-tuned, with GPU
// utilisation sampled by nvidia-smi while each mode runs.
#include "core/engine/ContrastiveLoss.h"
#include "core/engine/CudaAutocast.h"
#include "core/engine/Encoders.h"
#include "core/engine/PatchAugmentation.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

using namespace hescape;

namespace {

double pairsPerSecond(torch::Device device, int batch, int px, int genes, int steps) {
    torch::manual_seed(0);
    ClipModel model(genes, 128, 32, 512);
    ContrastiveLoss loss(ContrastiveObjective::Clip);
    model->to(device);
    loss->to(device);
    std::vector<torch::Tensor> params = model->parameters();
    params.push_back(loss->logScale);
    torch::optim::AdamW opt(params, torch::optim::AdamWOptions(1e-3));
    const auto images = torch::rand({batch, 3, px, px}, torch::TensorOptions().device(device));
    const auto expr = torch::rand({batch, genes}, torch::TensorOptions().device(device));
    auto step = [&] {
        opt.zero_grad();
        const auto l = loss->forward(model->encodeImage(images), model->encodeGenes(expr));
        l.backward();
        opt.step();
        return l;
    };
    for (int i = 0; i < 3; ++i) step();  // warm-up (cuDNN autotune, allocator)
    if (device.is_cuda()) torch::cuda::synchronize();
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < steps; ++i) step();
    if (device.is_cuda()) torch::cuda::synchronize();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return steps * batch / s;
}

// Mean GPU utilisation (%) reported by nvidia-smi while `work` runs.
template <typename Work>
double withUtilisation(Work work, double& mean) {
    std::remove("/tmp/cuda_check_util.csv");
    std::system("nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader,nounits -lms 100 -f /tmp/cuda_check_util.csv "
                "& echo $! > /tmp/cuda_check_util.pid");
    const double result = work();
    std::system("kill $(cat /tmp/cuda_check_util.pid) 2>/dev/null; sleep 0.2");
    double sum = 0;
    int n = 0;
    if (FILE* f = std::fopen("/tmp/cuda_check_util.csv", "r")) {
        double v;
        while (std::fscanf(f, "%lf", &v) == 1) {
            sum += v;
            ++n;
        }
        std::fclose(f);
    }
    mean = n ? sum / n : -1;
    return result;
}

struct VitRun {
    double pairsPerS = 0, utilisation = 0, finalLoss = 0;
    std::string embeddingType;
};

VitRun vitPairsPerSecond(const std::string& script, bool bf16, bool trainable, int batch, int steps) {
    const int px = 224, genes = 256, pool = 1024;
    torch::manual_seed(0);
    ClipModelOptions o;
    o.inputGenes = genes;
    o.embedDim = 128;
    o.geneHidden = 512;
    o.imageScript = script;
    o.imageScriptTrainable = trainable;
    o.patchPixels = px;
    ClipModel model(o);
    ContrastiveLoss loss(ContrastiveObjective::Clip);
    model->moveTo(torch::kCUDA);
    model->train();
    loss->to(torch::kCUDA);
    std::vector<torch::Tensor> params = model->trainableParameters();
    params.push_back(loss->logScale);
    torch::optim::AdamW opt(params, torch::optim::AdamWOptions(1e-4));
    // Host-side uint8 patches and expression, as ClipTrainer holds them.
    const auto patches = torch::randint(0, 256, {pool, px, px, 3}, torch::kUInt8);
    const auto expression = torch::rand({pool, genes});
    std::mt19937_64 rng(0);
    AugmentOptions aug;
    aug.colorJitter = 0.1;
    VitRun run;
    auto step = [&](int i) {
        const auto rows = torch::randint(0, pool, {batch}, torch::kLong);
        auto images = patches.index_select(0, rows).to(torch::kCUDA, true).permute({0, 3, 1, 2}).to(torch::kFloat).div_(255.0);
        images = augmentPatches(images, aug, rng);
        const auto expr = expression.index_select(0, rows).to(torch::kCUDA, true);
        opt.zero_grad();
        torch::Tensor img, gen;
        {
            const CudaAutocast autocast(bf16);
            img = model->encodeImage(images);
            gen = model->encodeGenes(expr);
        }
        if (i == 0) run.embeddingType = std::string(c10::toString(img.scalar_type()));
        const auto l = loss->forward(img.to(torch::kFloat), gen.to(torch::kFloat));
        l.backward();
        opt.step();
        return l;
    };
    for (int i = 0; i < 3; ++i) step(i);
    torch::cuda::synchronize();
    run.pairsPerS = withUtilisation([&] {
        const auto t0 = std::chrono::steady_clock::now();
        torch::Tensor l;
        for (int i = 0; i < steps; ++i) l = step(i + 3);
        run.finalLoss = l.item<double>();
        torch::cuda::synchronize();
        return steps * batch / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }, run.utilisation);
    return run;
}

int vitMain(const std::string& script, int batch, int steps) {
    std::printf("LibTorch %s, CUDA: %s; image encoder %s (TorchScript), gene MLP, batch %d, %d steps per mode\n", TORCH_VERSION,
                torch::cuda::is_available() ? "yes" : "no", script.c_str(), batch, steps);
    if (!torch::cuda::is_available()) return 1;
    std::printf("\n| precision | backbone | pairs/s | GPU busy (nvidia-smi mean) | embedding dtype | loss |\n|--|--|--:|--:|--|--:|\n");
    bool ok = true;
    for (const bool trainable : {false, true}) {
        for (const bool bf16 : {false, true}) {
            const VitRun r = vitPairsPerSecond(script, bf16, trainable, batch, steps);
            std::printf("| %s | %s | %.0f | %.0f%% | %s | %.3f |\n", bf16 ? "bf16 autocast" : "fp32", trainable ? "fine-tuned" : "frozen",
                        r.pairsPerS, r.utilisation, r.embeddingType.c_str(), r.finalLoss);
            std::fflush(stdout);
            ok = ok && std::isfinite(r.finalLoss) && (!bf16 || r.embeddingType == "BFloat16");
        }
    }
    std::printf("\nresult: %s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 2 && std::string(argv[1]) == "--vit") {
        return vitMain(argv[2], argc > 3 ? std::atoi(argv[3]) : 128, argc > 4 ? std::atoi(argv[4]) : 20);
    }
    const int batch = argc > 1 ? std::atoi(argv[1]) : 256;
    const int px = argc > 2 ? std::atoi(argv[2]) : 64;
    const int steps = argc > 3 ? std::atoi(argv[3]) : 20;
    const int genes = 256;
    at::set_num_threads(static_cast<int>(std::thread::hardware_concurrency()));
    std::printf("LibTorch %s, CUDA available: %s, devices: %d, CPU threads: %d\n", TORCH_VERSION,
                torch::cuda::is_available() ? "yes" : "no", static_cast<int>(torch::cuda::device_count()), at::get_num_threads());
    if (!torch::cuda::is_available()) return 1;

    // 1. Same weights, same batch: CPU and CUDA agree.
    torch::manual_seed(1);
    ClipModel cpuModel(genes, 64, 16, 128);
    ContrastiveLoss cpuLoss(ContrastiveObjective::Clip);
    cpuModel->eval();  // BatchNorm with running stats, Dropout off: deterministic on both
    torch::manual_seed(1);
    ClipModel gpuModel(genes, 64, 16, 128);
    ContrastiveLoss gpuLoss(ContrastiveObjective::Clip);
    gpuModel->eval();
    gpuModel->to(torch::kCUDA);
    gpuLoss->to(torch::kCUDA);
    const auto images = torch::rand({32, 3, px, px});
    const auto expr = torch::rand({32, genes});
    const auto lc = cpuLoss->forward(cpuModel->encodeImage(images), cpuModel->encodeGenes(expr));
    const auto lg = gpuLoss->forward(gpuModel->encodeImage(images.cuda()), gpuModel->encodeGenes(expr.cuda()));
    lc.backward();
    lg.backward();
    double maxGradDiff = 0;
    const auto pc = cpuModel->parameters(), pg = gpuModel->parameters();
    for (std::size_t i = 0; i < pc.size(); ++i) {
        if (!pc[i].grad().defined()) continue;
        maxGradDiff = std::max(maxGradDiff, (pc[i].grad() - pg[i].grad().cpu()).abs().max().item<double>());
    }
    const double lossDiff = std::abs(lc.item<double>() - lg.item<double>());
    std::printf("same weights, same batch: loss CPU %.6f, CUDA %.6f (|diff| %.2e); max |grad diff| %.2e\n", lc.item<double>(),
                lg.item<double>(), lossDiff, maxGradDiff);
    const bool agree = lossDiff < 1e-3 && maxGradDiff < 1e-2;

    // 2. SigLIP on CUDA runs and gives a finite loss.
    ContrastiveLoss sig(ContrastiveObjective::Siglip);
    sig->to(torch::kCUDA);
    const double sl = sig->forward(torch::randn({64, 32}, torch::kCUDA), torch::randn({64, 32}, torch::kCUDA)).item<double>();
    std::printf("SigLIP on CUDA: %.4f\n", sl);

    // 3. Throughput.
    const double gpu = pairsPerSecond(torch::kCUDA, batch, px, genes, steps);
    const double cpu = pairsPerSecond(torch::kCPU, batch, px, genes, std::max(2, steps / 10));
    std::printf("\n| device | batch | patch px | pairs/s |\n|--|--:|--:|--:|\n| CUDA | %d | %d | %.0f |\n| CPU (%d threads) | %d | %d | %.0f |\n",
                batch, px, gpu, at::get_num_threads(), batch, px, cpu);
    std::printf("\nresult: %s\n", agree && std::isfinite(sl) ? "PASS" : "FAIL");
    return agree && std::isfinite(sl) ? 0 : 1;
}
