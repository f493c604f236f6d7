// Random augmentations of a batch of training patches, each patch drawn on
// its own: flips, 90-degree rotations, random resized crop, colour jitter
// (brightness, contrast, saturation) and Gaussian blur. All random numbers
// come from the caller's std::mt19937_64, which the trainer checkpoints, so a
// resumed run draws exactly what an uninterrupted one would.
#pragma once

#include <torch/types.h>

#include <random>

namespace hescape {

struct AugmentOptions {
    bool flips = true;             // horizontal and vertical, each with probability 1/2
    bool rotations = true;         // 0, 90, 180 or 270 degrees
    double cropScale = 1.0;        // < 1: crop a square of area in [cropScale, 1] and resize back
    double colorJitter = 0.0;      // > 0: brightness, contrast, saturation factors in [1 - j, 1 + j]
    double blurProbability = 0.0;  // chance of a Gaussian blur with sigma in [0.1, 2] px
    double hedJitter = 0.0;        // > 0: HED stain augmentation, stains scaled by [1 - s, 1 + s] and shifted by [-s, s]
    bool any() const { return flips || rotations || cropScale < 1.0 || colorJitter > 0 || blurProbability > 0 || hedJitter > 0; }
};

// `images`: [B, 3, H, W] float in [0, 1], H == W; returns a new tensor on the same device.
// With `globalBatch` > 0, `images` are rows [firstRow, firstRow + B) of a
// batch of `globalBatch` patches spread over ranks: the parameters of all of
// them are drawn (so every rank's generator stays in step) and this share's
// are applied, which gives what augmenting the whole batch in one process
// gives to these rows.
torch::Tensor augmentPatches(const torch::Tensor& images, const AugmentOptions& options, std::mt19937_64& rng,
                             std::int64_t globalBatch = 0, std::int64_t firstRow = 0);

}  // namespace hescape
