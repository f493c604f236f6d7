// PatchAugmentation: per-sample parameters are drawn on the CPU in a fixed
// order and applied as batched tensor operations on the images' device.
#include "core/engine/PatchAugmentation.h"

#include <torch/torch.h>

#include <cmath>

namespace hescape {

namespace F = torch::nn::functional;

namespace {

constexpr int kBlurRadius = 3;

// The rows [first, first + count) of per-sample values drawn for the whole batch.
std::vector<float> share(const std::vector<float>& all, std::int64_t first, std::int64_t count, std::size_t perRow = 1) {
    return {all.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(first) * perRow),
            all.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(first + count) * perRow)};
}

torch::Tensor perSample(const std::vector<float>& v, const torch::Device device) {
    return torch::tensor(v, torch::kFloat).to(device).view({-1, 1, 1, 1});
}

torch::Tensor luminance(const torch::Tensor& x) {
    return (x.select(1, 0) * 0.299 + x.select(1, 1) * 0.587 + x.select(1, 2) * 0.114).unsqueeze(1);
}

// HED stain augmentation (Tellez et al. 2018): optical density (natural log)
// split into haematoxylin, eosin and DAB by Ruifrok & Johnston's matrix (the
// one skimage.color.rgb2hed uses), each stain scaled by a factor in
// [1 - s, 1 + s] and shifted by [-s, s] optical density per patch, recombined.
torch::Tensor hedJitter(const torch::Tensor& x, double strength, std::mt19937_64& rng, std::int64_t n, std::int64_t firstRow,
                        std::int64_t local) {
    static const std::vector<float> rgbFromHed = {0.65f, 0.70f, 0.29f, 0.07f, 0.99f, 0.11f, 0.27f, 0.57f, 0.78f};
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    std::vector<float> alpha(static_cast<std::size_t>(n) * 3), beta(static_cast<std::size_t>(n) * 3);
    for (std::size_t i = 0; i < alpha.size(); ++i) {
        alpha[i] = static_cast<float>(1 - strength + 2 * strength * uniform(rng));
        beta[i] = static_cast<float>(-strength + 2 * strength * uniform(rng));
    }
    const auto device = x.device();
    const auto toHed = torch::tensor(rgbFromHed, torch::kFloat).view({3, 3});
    const auto fromRgb = torch::linalg::inv(toHed).to(device);
    const auto a = torch::tensor(share(alpha, firstRow, local, 3), torch::kFloat).to(device).view({local, 1, 1, 3});
    const auto b = torch::tensor(share(beta, firstRow, local, 3), torch::kFloat).to(device).view({local, 1, 1, 3});
    const auto od = -torch::log(x.clamp_min(1e-6)).permute({0, 2, 3, 1});  // [B, H, W, 3]
    const auto stains = torch::matmul(od, fromRgb) * a + b;
    const auto back = torch::matmul(stains, toHed.to(device));
    return torch::exp(-back).clamp(0, 1).permute({0, 3, 1, 2}).contiguous();
}

}  // namespace

torch::Tensor augmentPatches(const torch::Tensor& images, const AugmentOptions& o, std::mt19937_64& rng, std::int64_t globalBatch,
                             std::int64_t firstRow) {
    TORCH_CHECK(images.dim() == 4 && images.size(1) == 3 && images.size(2) == images.size(3),
                "augmentPatches: expected [B, 3, S, S]");
    const auto local = images.size(0);
    if (globalBatch <= 0) {
        globalBatch = local;
        firstRow = 0;
    }
    TORCH_CHECK(firstRow >= 0 && firstRow + local <= globalBatch, "augmentPatches: rows outside the global batch");
    torch::NoGradGuard guard;
    const auto device = images.device();
    const auto n = globalBatch;  // parameters are drawn for every patch of the batch
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    torch::Tensor x = images;

    if (o.cropScale < 1.0) {
        // A square of random area and position, resampled back to full size.
        std::vector<float> theta;
        theta.reserve(static_cast<std::size_t>(n) * 6);
        for (std::int64_t i = 0; i < n; ++i) {
            const double s = std::sqrt(o.cropScale + (1.0 - o.cropScale) * uniform(rng));
            const double tx = (1.0 - s) * (2.0 * uniform(rng) - 1.0);
            const double ty = (1.0 - s) * (2.0 * uniform(rng) - 1.0);
            theta.insert(theta.end(), {static_cast<float>(s), 0.f, static_cast<float>(tx), 0.f, static_cast<float>(s),
                                       static_cast<float>(ty)});
        }
        const auto th = torch::tensor(share(theta, firstRow, local, 6), torch::kFloat).to(device).view({local, 2, 3});
        const auto grid = F::affine_grid(th, x.sizes(), false);
        x = F::grid_sample(x, grid, F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kBorder).align_corners(false));
    }
    if (o.flips) {
        std::vector<float> h(static_cast<std::size_t>(n)), v(static_cast<std::size_t>(n));
        for (std::int64_t i = 0; i < n; ++i) {
            h[static_cast<std::size_t>(i)] = uniform(rng) < 0.5f ? 1.f : 0.f;
            v[static_cast<std::size_t>(i)] = uniform(rng) < 0.5f ? 1.f : 0.f;
        }
        x = torch::where(perSample(share(h, firstRow, local), device).to(torch::kBool), x.flip({3}), x);
        x = torch::where(perSample(share(v, firstRow, local), device).to(torch::kBool), x.flip({2}), x);
    }
    if (o.rotations) {
        std::vector<std::vector<std::int64_t>> byTurns(4);
        for (std::int64_t i = 0; i < n; ++i) {
            const auto turns = std::min<std::size_t>(3, static_cast<std::size_t>(uniform(rng) * 4));
            if (i >= firstRow && i < firstRow + local) byTurns[turns].push_back(i - firstRow);
        }
        torch::Tensor out = x.clone();
        for (int k = 1; k < 4; ++k) {
            if (byTurns[static_cast<std::size_t>(k)].empty()) continue;
            const auto idx = torch::tensor(byTurns[static_cast<std::size_t>(k)], torch::kLong).to(device);
            out.index_copy_(0, idx, torch::rot90(x.index_select(0, idx), k, {2, 3}));
        }
        x = out;
    }
    if (o.colorJitter > 0) {
        std::vector<float> b(static_cast<std::size_t>(n)), c(static_cast<std::size_t>(n)), s(static_cast<std::size_t>(n));
        const double j = o.colorJitter;
        for (std::size_t i = 0; i < b.size(); ++i) {
            b[i] = static_cast<float>(1 - j + 2 * j * uniform(rng));
            c[i] = static_cast<float>(1 - j + 2 * j * uniform(rng));
            s[i] = static_cast<float>(1 - j + 2 * j * uniform(rng));
        }
        x = (x * perSample(share(b, firstRow, local), device)).clamp(0, 1);
        const auto mean = luminance(x).mean({1, 2, 3}, true);
        x = ((x - mean) * perSample(share(c, firstRow, local), device) + mean).clamp(0, 1);
        const auto gray = luminance(x);
        x = ((x - gray) * perSample(share(s, firstRow, local), device) + gray).clamp(0, 1);
    }
    if (o.hedJitter > 0) x = hedJitter(x, o.hedJitter, rng, n, firstRow, local);
    if (o.blurProbability > 0) {
        // Separable Gaussian per patch (a delta kernel for the unblurred ones),
        // run as one grouped convolution over all patches' channels.
        constexpr int width = 2 * kBlurRadius + 1;
        std::vector<float> kernels;
        kernels.reserve(static_cast<std::size_t>(n) * 3 * width);
        for (std::int64_t i = 0; i < n; ++i) {
            std::vector<float> k(width, 0.f);
            if (uniform(rng) < o.blurProbability) {
                const double sigma = 0.1 + 1.9 * uniform(rng);
                double sum = 0;
                for (int t = -kBlurRadius; t <= kBlurRadius; ++t) sum += std::exp(-t * t / (2 * sigma * sigma));
                for (int t = -kBlurRadius; t <= kBlurRadius; ++t)
                    k[static_cast<std::size_t>(t + kBlurRadius)] = static_cast<float>(std::exp(-t * t / (2 * sigma * sigma)) / sum);
            } else {
                k[kBlurRadius] = 1.f;
            }
            for (int ch = 0; ch < 3; ++ch) kernels.insert(kernels.end(), k.begin(), k.end());
        }
        const auto size = x.size(2);
        const auto w = torch::tensor(share(kernels, firstRow, local, 3 * width), torch::kFloat).to(device).view({local * 3, 1, 1, width});
        auto flat = F::pad(x.reshape({1, local * 3, size, size}),
                           F::PadFuncOptions({kBlurRadius, kBlurRadius, kBlurRadius, kBlurRadius}).mode(torch::kReflect));
        flat = F::conv2d(flat, w, F::Conv2dFuncOptions().groups(local * 3));
        flat = F::conv2d(flat, w.view({local * 3, 1, width, 1}), F::Conv2dFuncOptions().groups(local * 3));
        x = flat.view({local, 3, size, size});
    }
    return x;
}

}  // namespace hescape
