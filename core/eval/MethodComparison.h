// The comparison a user needs to choose a method: runs grouped by method
// (the run's "method", else its configuration file's name), each method's
// metrics as mean +- sample sd over its runs (seeds):
// - held-out whole-set recall@5 on the test split, both ways, with chance and
//   the largest permutation p-value over the seeds (RetrievalSignificance);
// - within-donor whole-set recall@5 on the validation split, both ways;
// - batch effects by donor of both embeddings (iLISI median, batch ASW,
//   balanced kNN batch accuracy; all splits pooled);
// - ridge Pearson r from trained and untrained image embeddings (test split);
// - whether every run's split was donor-safe.
// Each run is evaluated by the same EvaluationJob as `hescape eval`.
#pragma once

#include "core/common/Progress.h"
#include "core/eval/EvaluationJob.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hescape {

struct MetricSummary {
    double mean = 0, sd = 0;  // sd: sample (n - 1); NaN for one run
    int runs = 0;             // runs that had the metric
};

struct MethodRow {
    std::string method;
    std::vector<std::string> runFiles;
    std::vector<std::uint64_t> seeds;
    bool donorSafe = true;
    std::vector<MetricSummary> metrics;  // in the order of comparisonMetricNames()
    double worstPValueImageToGene = 1, worstPValueGeneToImage = 1;  // largest over the runs
};

// Column names of MethodRow::metrics.
const std::vector<std::string>& comparisonMetricNames();

// Throws Hdf5Error naming a file that is not a readable run.
std::vector<MethodRow> compareMethods(const std::vector<std::string>& runFiles, const Progress& progress = {});
// The same for runs already evaluated on their test split (evaluations[i] is
// runFiles[i]'s), so that a caller that has just evaluated them need not again.
std::vector<MethodRow> compareEvaluatedMethods(const std::vector<std::string>& runFiles, const std::vector<RunEvaluation>& evaluations);

// A table cell: "mean<plusMinus>sd", the mean alone for one run, "n/a" for none.
std::string formatSummary(const MetricSummary& s, const std::string& plusMinus);

// Mean and sample sd of the finite values.
MetricSummary summarise(const std::vector<double>& values);

}  // namespace hescape
