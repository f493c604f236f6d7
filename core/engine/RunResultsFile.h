// One HDF5 file per training run: the configuration, the splits, per-step
// losses, the metrics after each epoch and on the test split, the checkpoint
// written, and the image and gene embeddings of every pair, so that the
// evaluation views and scripts (h5py) can read a run without re-running it.
// Written atomically. Layout (documented in docs/training.md):
//   /  attrs: format = "hescape-run", version, config_path, config (JSON text),
//             device, precision, stopped_early, checkpoint
//   /genes                        strings
//   /splits/{train,validation,test}   section names
//   /steps/{step,epoch,loss,learning_rate,temperature}
//   /epochs/{epoch,train_loss,loss,recall_at_1,recall_at_5,chance_at_5}   (validation)
//   /test   attrs: loss, recall_at_1, recall_at_5, chance_at_5, pairs
//   /embeddings/<split>/{image,gene} float32 [n, dim] (L2-normalised),
//                      section, obs_name (strings), centre_x, centre_y (slide px),
//                      expression float32 [n, genes] (the gene encoder's input),
//                      image_initial float32 [n, dim] (before training)
//   /eval/<split>/...  written later by `hescape eval`
//   /skipped   strings ("section: observation: reason")
//   /notes     strings (what preparation left out or decided)
//   /donors/{section,donor}   strings, every section of the configuration
//   /  attrs also: donor_safe, normalisation_target (0: per section),
//             min_counts, method, seed
//   /untrained_validation  attrs: loss, recall_at_1, recall_at_5, chance_at_5,
//             pairs (the model before its first step)
#pragma once

#include "core/engine/EvalMetrics.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hescape {

struct PairEmbeddings {
    std::string split;
    int dim = 0;
    std::vector<float> image, gene;  // n * dim each
    std::vector<float> imageInitial;  // n * dim: the untrained model's image embeddings (empty: not recorded)
    std::vector<float> expression;    // n * genes: log-normalised expression the gene encoder saw (may be empty)
    int genes = 0;
    std::vector<std::string> section, obsName;
    std::vector<double> centreX, centreY;
};

struct RunResults {
    std::string configPath, configText;
    std::string device, precision, checkpoint;
    bool stoppedEarly = false;
    std::vector<std::string> genes, train, validation, test, skipped, notes;
    std::vector<std::string> sections, donors;  // every configured section and its donor
    bool donorSafe = true;
    double normalisationTarget = 0, minCounts = 0;
    std::string method;
    std::uint64_t seed = 0;
    std::optional<EvalMetrics> untrainedValidation;
    struct Step {
        int step = 0, epoch = 0;
        double loss = 0, learningRate = 0, temperature = 0;
    };
    std::vector<Step> steps;
    struct Epoch {
        int epoch = 0;
        double trainLoss = 0;
        EvalMetrics validation;
    };
    std::vector<Epoch> epochs;
    std::optional<EvalMetrics> testMetrics;
    std::vector<PairEmbeddings> embeddings;
};

// Throws Hdf5Error naming the file.
void writeRunResults(const std::string& path, const RunResults& results);
// Just the embeddings (what `hescape embed` writes): same /embeddings layout.
void writeEmbeddings(const std::string& path, const std::vector<std::string>& genes, const std::string& checkpoint,
                     const std::vector<PairEmbeddings>& embeddings);

}  // namespace hescape
