// A training run's configuration as plain data: the sections and splits, the
// patch, expression and model settings, the augmentations and the
// batch-robustness methods. No LibTorch here, so that what reads and writes
// configurations (TrainConfigFile, the studio's Training dock, the fuzz
// target) compiles without LibTorch's headers -- which clang 14 cannot compile
// in C++20 (docs/fuzzing.md).
#pragma once

#include "core/engine/BatchRobustness.h"
#include "core/engine/ExpressionPreprocessing.h"
#include "core/engine/PatchExtractor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hescape {

enum class ContrastiveObjective { Clip, Siglip };

// Random augmentations of the training patches (PatchAugmentation.h).
struct AugmentOptions {
    bool flips = true;             // horizontal and vertical, each with probability 1/2
    bool rotations = true;         // 0, 90, 180 or 270 degrees
    double cropScale = 1.0;        // < 1: crop a square of area in [cropScale, 1] and resize back
    double colorJitter = 0.0;      // > 0: brightness, contrast, saturation factors in [1 - j, 1 + j]
    double blurProbability = 0.0;  // chance of a Gaussian blur with sigma in [0.1, 2] px
    double hedJitter = 0.0;        // > 0: HED stain augmentation, stains scaled by [1 - s, 1 + s] and shifted by [-s, s]
    bool any() const { return flips || rotations || cropScale < 1.0 || colorJitter > 0 || blurProbability > 0 || hedJitter > 0; }
};

struct SectionInput {
    std::string name;     // what the split refers to, e.g. "C3"
    std::string slide;    // slide file
    std::string dataset;  // spatial data set whose coordinates are in the slide's level-0 pixels
    std::string donor;    // empty: from the data set (DonorSplits.h)
};

struct TrainConfig {
    std::vector<SectionInput> sections;
    std::vector<std::string> train, validation, test;  // section names
    std::vector<std::string> testDonors, validationDonors;  // set: the splits are made by donor (DonorSplits.h)
    bool allowSharedDonors = false;  // test sections may share a donor with training (reported as not donor-safe)
    PatchOptions patches;
    ExpressionOptions expression;
    ContrastiveObjective objective = ContrastiveObjective::Clip;
    int embedDim = 128;
    int imageWidth = 16;   // channels of the CNN's first stage
    int geneHidden = 256;
    std::string imageScript;  // TorchScript image encoder instead of the small CNN (frozen unless trainable)
    std::string geneScript;   // TorchScript gene encoder instead of the MLP (frozen unless trainable)
    bool imageScriptTrainable = false;
    bool geneScriptTrainable = false;
    int batchSize = 32;
    int epochs = 5;
    double learningRate = 1e-3;
    double weightDecay = 1e-4;
    int warmupSteps = 10;
    double gradientClip = 1.0;
    AugmentOptions augmentation;  // of the training patches; flips and rotations by default
    bool augment = true;          // false: no augmentation at all
    int earlyStoppingPatience = 0;  // > 0: stop after this many epochs without a lower validation loss
    std::uint64_t seed = 0;
    std::vector<std::uint64_t> seeds;  // "seeds": hescape train runs once per seed (seed is then each of them)
    std::string method;                // the run's name in comparison tables (default: the config file's stem)
    BatchRobustOptions robust;         // sampling, stain normalisation, adversarial batch classifier
    bool useCuda = false;
    bool bf16 = false;            // bf16 autocast of the encoders (CUDA only)
    std::string patchStore;       // folder of the HDF5 patch store; empty: extract every time
    bool hestPatches = false;     // HEST-1k sections take HEST's patches/<id>.h5 instead of cutting the WSI
    bool includeUnassigned = false;  // also prepare sections in no split (for embedding every spot)
    std::string checkpoint;    // where to write checkpoints (atomically); empty: none
    int checkpointEvery = 50;  // steps; one is always written at the end
    std::string resultsFile;   // the run's HDF5 results (written by the caller, e.g. hescape train)
    int distributedTimeoutSeconds = 60;  // rendezvous and every collective of a multi-process run
    bool syncBatchNorm = true;  // multi-process: batch norm over the global batch (false: per rank)
};

}  // namespace hescape
