// The Training dock's settings, defined once: a model and a data size that
// train in a few minutes on a two-core laptop (the bundled demo's preset).
// `hescape train` keeps TrainConfig's own defaults (sized for real runs:
// 224-px patches, every gene, 128-d embeddings); the dock starts from these,
// and a run from the dock stores its full configuration (TrainConfigWriter),
// so `hescape train` repeats it exactly. No torch, so Qt code can include it.
#pragma once

#include <string_view>

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

// The demo's donor-safe split (leave one donor out): patient B's section B4 is
// tested, patient C's C6 validates (early stopping, curves), C2-C5 train.
// Any other section name trains. "train", "validation" or "test".
inline constexpr std::string_view demoSplitOf(std::string_view section) {
    return section == "B4" ? "test" : section == "C6" ? "validation" : "train";
}

}  // namespace hescape
