// Evaluation as one core job, shared by `hescape eval` and anything else that
// evaluates embeddings: what used to be evaluation logic inside the command
// line. Two sources:
// - a run or embeddings file (`hescape train --results`, `hescape embed`):
//   one split's retrieval both ways (whole split and HESCAPE's in-batch
//   protocol, batches of 64), each pair's alignment, expression prediction
//   (trained vs untrained image embeddings) and batch effects by section;
//   storeRunEvaluation writes it under /eval/<split>, atomically;
// - an AnnData file's obsm embeddings (the app's .h5ad export, or another
//   tool's): retrieval and alignment over the observations with finite
//   embeddings, batch effects by an obs column (with cell types), and a
//   linear probe of a label from the image embeddings on held-out batches.
// Errors name the file and the field (std::invalid_argument, Hdf5Error,
// DatasetError); progress is reported per stage and cancellation honoured.
#pragma once

#include "core/common/Progress.h"
#include "core/eval/LabelProbe.h"
#include "core/eval/RetrievalMetrics.h"
#include "core/eval/RetrievalSignificance.h"
#include "core/eval/RunMetrics.h"

#include <optional>
#include <string>
#include <vector>

namespace hescape {

struct RunEvaluation {
    std::string split;
    RetrievalReport whole, inBatch;
    std::vector<float> alignment;  // per pair
    double meanAlignment = 0, medianAlignment = 0;
    // Whole-set recall@5 against chance: permutation tests (999 re-pairings, seed 0).
    RecallSignificance imageToGeneP, geneToImageP;
    PredictionResult prediction;
    BatchResult batches;         // by section
    BatchResult donorBatches;    // by donor (runs that record donors)
};

// `split` empty: test, else validation, else the first split in the file.
RunEvaluation evaluateRunFile(const std::string& path, const std::string& split = {}, const Progress& progress = {});
void storeRunEvaluation(const std::string& path, const RunEvaluation& evaluation);

struct AnnDataEvalOptions {
    std::string imageKey = "X_image_emb", geneKey = "X_gene_emb";
    std::string batchKey;                  // empty: no batch effects
    std::string labelKey;                  // cell types for the batch metrics; the probe's label
    std::vector<std::string> testBatches;  // with labelKey: the probe's held-out batches
};

struct AnnDataEvaluation {
    std::size_t pairs = 0;  // observations with finite embeddings in both
    RetrievalReport whole, inBatch;
    double meanAlignment = 0;
    std::vector<std::string> batchNames;
    std::optional<BatchEffectReport> imageBatch, geneBatch;
    std::optional<LabelProbeReport> probe;
};

AnnDataEvaluation evaluateAnnDataFile(const std::string& path, const AnnDataEvalOptions& options, const Progress& progress = {});

}  // namespace hescape
