// Contrastive pretraining of the image and gene encoders on paired patches
// and expression vectors from one or more sections (slide + data set), split
// by section (never by spot). Runs on the calling thread; reports every step
// and can be cancelled. CPU here; CUDA when LibTorch has it and it is asked for.
#pragma once

#include "core/engine/ContrastiveLoss.h"
#include "core/engine/Encoders.h"
#include "core/engine/ExpressionPreprocessing.h"
#include "core/engine/PatchExtractor.h"

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hescape {

struct SectionInput {
    std::string name;     // what the split refers to, e.g. "C3"
    std::string slide;    // slide file
    std::string dataset;  // spatial data set whose coordinates are in the slide's level-0 pixels
};

struct TrainConfig {
    std::vector<SectionInput> sections;
    std::vector<std::string> train, validation, test;  // section names
    PatchOptions patches;
    ExpressionOptions expression;
    ContrastiveObjective objective = ContrastiveObjective::Clip;
    int embedDim = 128;
    int imageWidth = 16;   // channels of the CNN's first stage
    int geneHidden = 256;
    std::string imageScript;  // frozen TorchScript image encoder instead of the small CNN
    std::string geneScript;   // frozen TorchScript gene encoder instead of the MLP
    int batchSize = 32;
    int epochs = 5;
    double learningRate = 1e-3;
    double weightDecay = 1e-4;
    int warmupSteps = 10;
    double gradientClip = 1.0;
    bool augment = true;  // flips and 90-degree rotations of the training patches
    std::uint64_t seed = 0;
    bool useCuda = false;
    std::string checkpoint;    // where to write checkpoints (atomically); empty: none
    int checkpointEvery = 50;  // steps; one is always written at the end
};

struct EvalMetrics {
    double loss = 0;
    double recallAt1 = 0;  // HESCAPE's in-batch protocol: batches of 64, image -> gene, averaged
    double recallAt5 = 0;
    double chanceAt5 = 0;  // 5 / batch size, averaged the same way
    std::int64_t pairs = 0;
};

struct TrainStep {
    int step = 0;
    int totalSteps = 0;
    int epoch = 0;
    double loss = 0;
    double learningRate = 0;
    double temperature = 0;  // 1 / logit scale
    std::optional<EvalMetrics> validation;  // at the end of each epoch
};

struct PreparedSplit {
    std::vector<std::uint8_t> patches;  // n * size * size * 3
    std::vector<float> expression;      // n * genes
    std::int64_t count = 0;
};

class ClipTrainer {
public:
    explicit ClipTrainer(TrainConfig config);
    ~ClipTrainer();

    // Reads the data sets, selects genes, extracts patches. Throws DatasetError
    // / SlideError naming the file, std::invalid_argument for a bad split.
    void prepare(const Progress& progress = {});
    const std::vector<std::string>& genes() const { return genes_; }
    const PreparedSplit& split(const std::string& which) const;  // "train", "validation", "test"
    // Spots skipped during patch extraction, as "section: observation: reason".
    const std::vector<std::string>& skipped() const { return skipped_; }

    EvalMetrics evaluate(const std::string& which);
    // Trains for config.epochs; onStep after every step. Throws CancelledError
    // when `cancel` is set, std::runtime_error for a non-finite loss; in both
    // cases the last checkpoint on disk is left as it was.
    // With `resumeFrom`, continues a run from its checkpoint exactly (on CPU
    // the losses equal those of an uninterrupted run). While `pause` is set the
    // run waits between steps (cancel still works).
    void train(const std::function<void(const TrainStep&)>& onStep, const std::atomic<bool>* cancel = nullptr,
               const std::string& resumeFrom = {}, const std::atomic<bool>* pause = nullptr);

    ClipModel& model() { return model_; }
    ContrastiveLoss& loss() { return loss_; }

private:
    TrainConfig config_;
    std::vector<std::string> genes_;
    PreparedSplit train_, validation_, test_;
    std::vector<std::string> skipped_;
    ClipModel model_{nullptr};
    ContrastiveLoss loss_{nullptr};
};

}  // namespace hescape
