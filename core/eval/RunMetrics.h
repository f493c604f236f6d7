// The evaluation of a run (or embeddings) file, shared by `hescape eval` and
// the app: retrieval and alignment of every split as flat (split, protocol,
// metric, value) rows for tables and CSV; gene-expression prediction from the
// trained vs the untrained image embeddings; batch effects by section.
#pragma once

#include "core/eval/BatchMetrics.h"
#include "core/eval/ExpressionPrediction.h"

#include <map>
#include <string>
#include <vector>

namespace hescape {

class Hdf5File;

// Ridge from image embeddings to the 50 most variable genes, fitted on the
// train split, scored on `split`; needs each split's expression and
// image_initial (written by `hescape train --results`).
struct PredictionResult {
    bool available = false;
    std::string why;  // when not available
    ExpressionPredictionReport trained, untrained;
};
PredictionResult predictFromFile(const Hdf5File& f, const std::string& split);

// Batch effects by section (or by donor, from the run's /donors) over every
// split's embeddings, per modality. Batches are coded in sorted name order.
struct BatchResult {
    bool available = false;
    std::string why;
    BatchEffectReport image, gene;
    std::vector<std::string> sections;  // the batch names (sections or donors), sorted
};
enum class BatchKey { Section, Donor };
BatchResult batchEffectsFromFile(const Hdf5File& f, BatchKey key = BatchKey::Section);

struct NamedMetric {
    std::string split, protocol, metric;
    double value = 0;
};

// Throws Hdf5Error naming the file and the dataset.
std::vector<NamedMetric> runRetrievalMetrics(const std::string& path);

// Each section's split ("train", "validation", "test") and donor as the run
// file records them (/splits, /donors); sections it does not name are absent,
// and so are donors of runs made before donor-safe splits. Throws Hdf5Error.
struct SectionRole {
    std::string split, donor;
};
std::map<std::string, SectionRole> runSectionRoles(const std::string& path);
// All of it: retrieval and alignment per split, then expression prediction on
// the test (else validation) split and batch effects, where the file allows.
std::vector<NamedMetric> runMetrics(const std::string& path);

}  // namespace hescape
