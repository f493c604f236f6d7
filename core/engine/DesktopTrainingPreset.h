// The Training dock's settings, defined once: a model and a data size that
// train in a few minutes on a two-core laptop (the bundled demo's preset).
// `hescape train` keeps TrainConfig's own defaults (sized for real runs:
// 224-px patches, every gene, 128-d embeddings); the dock starts from these,
// and a run from the dock stores its full configuration (TrainConfigWriter),
// so `hescape train` repeats it exactly. No torch, so Qt code can include it.
#pragma once

namespace hescape {

struct DesktopTrainingPreset {
    int epochs = 6;
    int batchSize = 32;
    double learningRate = 2e-3;
    int patchPixels = 48;
    double patchMicrons = 110;  // HESCAPE's field of view
    int genes = 128;            // highly variable genes
    int embedDim = 64;
    int geneHidden = 128;
    int seed = 11;
};

inline constexpr DesktopTrainingPreset kDesktopTrainingPreset{};

}  // namespace hescape
