// Random augmentations of a batch of training patches, each patch drawn on
// its own: flips, 90-degree rotations, random resized crop, colour jitter
// (brightness, contrast, saturation) and Gaussian blur. All random numbers
// come from the caller's std::mt19937_64, which the trainer checkpoints, so a
// resumed run draws exactly what an uninterrupted one would.
#pragma once

#include "core/engine/TrainConfig.h"

#include <torch/types.h>

#include <random>

namespace hescape {

// `images`: [B, 3, H, W] float in [0, 1], H == W; returns a new tensor on the same device.
// With `globalBatch` > 0, `images` are rows [firstRow, firstRow + B) of a
// batch of `globalBatch` patches spread over ranks: the parameters of all of
// them are drawn (so every rank's generator stays in step) and this share's
// are applied, which gives what augmenting the whole batch in one process
// gives to these rows.
torch::Tensor augmentPatches(const torch::Tensor& images, const AugmentOptions& options, std::mt19937_64& rng,
                             std::int64_t globalBatch = 0, std::int64_t firstRow = 0);

}  // namespace hescape
