// Contrastive pretraining of the image and gene encoders on paired patches
// and expression vectors from one or more sections (slide + data set), split
// by section (never by spot). Runs on the calling thread; reports every step
// and can be cancelled. CPU here; CUDA (optionally bf16) when LibTorch has it
// and it is asked for. Patches go through an HDF5 patch store when given one.
#pragma once

#include "core/engine/BatchAdversary.h"
#include "core/engine/TrainConfig.h"
#include "core/engine/BatchRobustness.h"
#include "core/engine/ContrastiveLoss.h"
#include "core/engine/DonorSplits.h"
#include "core/engine/Encoders.h"
#include "core/engine/EvalMetrics.h"
#include "core/engine/ExpressionPreprocessing.h"
#include "core/engine/PatchAugmentation.h"
#include "core/engine/PatchExtractor.h"
#include "core/engine/PatchStore.h"
#include "core/engine/RunResultsFile.h"
#include "core/engine/StainNormalisation.h"

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hescape {

class DistributedContext;
struct EvalSums;

struct TrainStep {
    int step = 0;
    int totalSteps = 0;
    int epoch = 0;
    double loss = 0;
    double learningRate = 0;
    double temperature = 0;  // 1 / logit scale
    std::optional<EvalMetrics> validation;  // at the end of each epoch
    bool stoppedEarly = false;  // the last step: validation loss stopped improving
};

struct PreparedSplit {
    std::vector<std::uint8_t> patches;  // n * size * size * 3
    std::vector<float> expression;      // n * genes
    std::int64_t count = 0;
    std::vector<std::string> section, obsName;  // where each pair comes from
    std::vector<Point2> centre;                 // the spot centre in its slide's level-0 pixels
};

// The thinned copies of the training pairs (BatchRobustOptions::thinnedCopies):
// each copy's expression and the training pair whose patch it shares. Only
// the optimiser draws from them; embeddings, metrics and results are of the
// sections as they are.
struct ThinnedPairs {
    std::vector<float> expression;        // count() * genes
    std::vector<std::int64_t> trainRow;   // the training pair it copies
    std::vector<std::string> section;     // the copy's batch label, e.g. "C2 /4"
    std::vector<std::string> origin;      // the section it copies, e.g. "C2"
    std::int64_t count() const { return static_cast<std::int64_t>(trainRow.size()); }
};

class ClipTrainer {
public:
    explicit ClipTrainer(TrainConfig config);
    ~ClipTrainer();

    // Reads the data sets, selects genes, extracts patches. Throws DatasetError
    // / SlideError naming the file, std::invalid_argument for a bad split.
    void prepare(const Progress& progress = {});
    const std::vector<std::string>& genes() const { return genes_; }
    const PreparedSplit& split(const std::string& which) const;  // "train", "validation", "test", "unassigned"
    // Spots skipped during patch extraction, as "section: observation: reason".
    const std::vector<std::string>& skipped() const { return skipped_; }
    // Sections whose patches came from the patch store, and remarks about it.
    int patchStoreReuses() const { return patchStoreReuses_; }
    const std::vector<std::string>& notes() const { return notes_; }
    const DonorSplit& donors() const { return donors_; }
    double normalisationTarget() const { return target_; }  // 0: each section's own median
    std::string deviceName() const;

    // L2-normalised image and gene embeddings of every pair of a split.
    PairEmbeddings embed(const std::string& which);
    // Loads the weights (not the optimiser) of a checkpoint of this model.
    void loadWeights(const std::string& checkpoint);

    // A run's results file, filled as the run goes: what the trainer knows
    // up front (splits, genes, device), then each step, then the test
    // metrics and every split's embeddings.
    // startResults() also records the untrained model's image embeddings, the
    // baseline the evaluation compares the trained ones with.
    RunResults startResults();
    static void recordStep(RunResults& results, const TrainStep& step);
    void finishResults(RunResults& results);

    EvalMetrics evaluate(const std::string& which);
    // Trains for config.epochs; onStep after every step. Throws CancelledError
    // when `cancel` is set, std::runtime_error for a non-finite loss; in both
    // cases the last checkpoint on disk is left as it was.
    // With `resumeFrom`, continues a run from its checkpoint exactly (on CPU
    // the losses equal those of an uninterrupted run). While `pause` is set the
    // run waits between steps (cancel still works). With early stopping, the
    // run ends after the epoch that used up the patience (stoppedEarly set).
    void train(const std::function<void(const TrainStep&)>& onStep, const std::atomic<bool>* cancel = nullptr,
               const std::string& resumeFrom = {}, const std::atomic<bool>* pause = nullptr);

    ClipModel& model() { return model_; }
    ContrastiveLoss& loss() { return loss_; }

    // Data-parallel training over the ranks of `context` (call before
    // train()): every rank prepares the same data, draws the same shuffled
    // order and takes its own batch_size rows of each global batch of
    // world x batch_size; the loss is over the global batch, gradients are
    // summed over the ranks, and only rank 0 writes checkpoints. Steps,
    // losses and validation metrics are global and the same on every rank.
    // nullptr (the default): one process.
    void setDistributed(std::shared_ptr<DistributedContext> context);

private:
    PreparedSplit* splitOf(const std::string& section);  // nullptr: in no split (and not includeUnassigned)
    void prepareSection(std::size_t sectionIndex, const SpatialDataset& dataset, PreparedSplit& target, const Progress& progress);
    // The thinned copies of one training section, whose pairs are the training
    // split's rows from `firstRow` on, observations `observations`.
    void addThinnedCopies(std::size_t sectionIndex, const SpatialDataset& dataset, const std::vector<std::int64_t>& observations,
                          std::int64_t firstRow);
    // Training pairs: the training split's rows, then the thinned copies.
    std::int64_t trainingPairs() const { return train_.count + thinned_.count(); }
    std::vector<std::string> trainingBatchLabels() const;
    std::pair<torch::Tensor, torch::Tensor> trainingTensors(const std::vector<std::int64_t>& rows, torch::Device device) const;
    // The spot of each pair of the global batch order[first, first + n) (a
    // copy's is its original's), for the loss to leave siblings out of the
    // negatives; undefined without thinned copies (the loss as before).
    torch::Tensor batchSpots(const std::vector<std::int64_t>& order, std::int64_t first, std::int64_t n) const;
    void buildModel();
    // A forward pass of both encoders over rows [first, last) (in training mode
    // under CalibratedNorms: the batch norms' statistics from those rows).
    void normPass(const PreparedSplit& split, std::int64_t first, std::int64_t last);
    // Rows [first, last) of a split, L2-normalised, appended to `into`.
    void embedRows(const PreparedSplit& split, std::int64_t first, std::int64_t last, PairEmbeddings& into);
    // Reinhard: every prepared patch moved from its section's colour statistics to the training sections' pooled ones.
    void normaliseStains();
    // One section's patches: HEST's own (hestPatches) or cut from its slide through the patch store.
    PatchStoreResult sectionPatches(const SectionInput& section, const SpatialDataset& dataset, const Progress& progress);
    // Both encoders under the run's precision (bf16 autocast on CUDA when
    // asked for); float32 out, for the losses and metrics.
    std::pair<torch::Tensor, torch::Tensor> encode(const torch::Tensor& images, const torch::Tensor& expression);
    // The same for the consecutive pairs [start, start + n) of a split.
    std::pair<torch::Tensor, torch::Tensor> encodeRows(const PreparedSplit& s, std::int64_t start, std::int64_t n,
                                                       torch::Device device);

    // Validation inside train(): on several ranks each evaluates every
    // world-th batch and the sums are combined, so all ranks get the same
    // metrics (and make the same early-stopping decision).
    EvalMetrics evaluateDuringTraining(const std::string& which);
    // Sums over the in-batch evaluation batches first, first + stride, ...
    EvalSums evaluateBatches(const PreparedSplit& split, int first, int stride);

    TrainConfig config_;
    std::shared_ptr<DistributedContext> dist_;
    std::vector<std::string> genes_;
    PreparedSplit train_, validation_, test_, unassigned_;
    ThinnedPairs thinned_;
    std::vector<std::string> skipped_, notes_;
    DonorSplit donors_;
    double target_ = 0;
    BatchAdversary adversary_{nullptr};
    std::map<std::string, LabStatistics> sectionColour_;  // stain normalisation: each section's L*a*b* statistics
    std::vector<std::int64_t> adversaryCodes_;  // per training pair
    int patchStoreReuses_ = 0;
    ClipModel model_{nullptr};
    ContrastiveLoss loss_{nullptr};
};

}  // namespace hescape
