// Expression vectors for the gene encoder, as HESCAPE prepares them but with
// nothing fitted on held-out sections: counts normalised per spot to one
// target sum (by default the median library size of the training sections'
// spots; or 10,000; or, batch-prone and kept for comparison, each section's
// own median), log1p, optionally standardised per gene within each section
// (a per-sample scaling like the library size: no labels, no other section),
// and a gene selection shared by all sections (all genes, the top-N by
// variance over the training sections only, or a given list), restricted to
// genes every section has. Spots with fewer than min_counts counts are left out.
#pragma once

#include "core/spatial/SpatialDataset.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hescape {

struct ExpressionOptions {
    enum class Target { TrainingMedian, SectionMedian, TenThousand };
    Target target = Target::TrainingMedian;
    int highlyVariable = 0;          // > 0: keep the top-N genes by variance of log-normalised values
    std::vector<std::string> genes;  // non-empty: exactly these genes (overrides highlyVariable)
    double minCounts = 10;           // spots with fewer total counts (all genes) are left out
    bool standardisePerSection = false;  // z-score each gene within each section
};

// The target sum every spot is scaled to: the median library size of the
// training sections' spots that pass min_counts (TrainingMedian), 10,000, or
// 0 for SectionMedian (each section its own median, decided per section).
double normalisationTarget(const std::vector<const SpatialDataset*>& training, const ExpressionOptions& options);

// The genes to use, in a fixed order: every gene all data sets in `all`
// have, ranked (when highlyVariable) by variance over the `training` data
// sets' spots only. Throws DatasetError naming the data set when a requested
// gene is missing, or when no gene is shared.
std::vector<std::string> selectGenes(const std::vector<const SpatialDataset*>& training, const std::vector<const SpatialDataset*>& all,
                                     const ExpressionOptions& options, double target);

// The one count filter: a spot with this library size is kept (a spot with no counts never is).
inline bool passesCountFilter(double library, double minCounts) { return library >= minCounts && library > 0; }

// The observations of `ds` that pass the count filter.
std::vector<std::int64_t> observationsWithCounts(const SpatialDataset& ds, double minCounts);

// Rows `observations` of `ds`, normalised to `target` (0: the data set's own
// median library size) and log1p'd, columns = `genes`, row-major
// [observations.size(), genes.size()]; with `standardise`, each column
// z-scored over these rows (a constant column becomes 0).
std::vector<float> expressionFeatures(const SpatialDataset& ds, const std::vector<std::int64_t>& observations,
                                      const std::vector<std::string>& genes, double target, bool standardise = false);

// Some spots' counts of the chosen genes with each spot's library size over
// all genes: what expressionFeatures normalises, and what CountThinning thins.
struct SpotCounts {
    std::size_t genes = 0;
    std::vector<double> counts;   // row-major [spots, genes]
    std::vector<double> library;  // per spot, over every gene of the data set
    std::size_t spots() const { return library.size(); }
};
SpotCounts spotCounts(const SpatialDataset& ds, const std::vector<std::int64_t>& observations, const std::vector<std::string>& genes);

// expressionFeatures' arithmetic on counts already gathered: each spot scaled
// to `target` (> 0) over its library, log1p, optionally z-scored per column.
std::vector<float> normalisedFeatures(const SpotCounts& counts, double target, bool standardise);

// The median of positive library sizes (0 when there is none).
double medianLibrary(const std::vector<double>& libraries);

// The sum spots are scaled to: `target` when > 0, else (section_median) the
// median of these spots' positive library sizes, 10,000 when there is none.
double targetSum(const std::vector<double>& libraries, double target);

}  // namespace hescape
