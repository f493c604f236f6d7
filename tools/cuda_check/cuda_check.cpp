// Engine on CUDA: the same CLIP model (same weights) on CPU and GPU gives the
// same loss and gradients on the same batch (float32 tolerance), and training
// throughput (pairs/s) of the small CNN + MLP CLIP model on GPU vs all CPU
// cores. Prints a table. usage: cuda_check [batch] [patch_pixels] [steps]
#include "core/engine/ContrastiveLoss.h"
#include "core/engine/Encoders.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
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

}  // namespace

int main(int argc, char** argv) {
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
