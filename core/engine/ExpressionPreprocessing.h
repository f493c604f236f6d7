// Expression vectors for the gene encoder, as HESCAPE prepares them: counts
// normalised per spot (to a target sum: the median library size or 10,000),
// log1p, and a gene selection shared by all sections (all genes, the top-N
// highly variable ones, or a given list), restricted to genes every section has.
#pragma once

#include "core/spatial/SpatialDataset.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hescape {

struct ExpressionOptions {
    enum class Target { Median, TenThousand };
    Target target = Target::Median;
    int highlyVariable = 0;          // > 0: keep the top-N genes by variance of log-normalised values
    std::vector<std::string> genes;  // non-empty: exactly these genes (overrides highlyVariable)
};

// The genes to use across several data sets, in a fixed order. Throws
// DatasetError when a requested gene is missing from a data set, or when no
// gene is shared.
std::vector<std::string> selectGenes(const std::vector<const SpatialDataset*>& datasets, const ExpressionOptions& options);

// Rows `observations` of `ds`, normalised and log1p'd, columns = `genes`:
// row-major [observations.size(), genes.size()].
std::vector<float> expressionFeatures(const SpatialDataset& ds, const std::vector<std::int64_t>& observations,
                                      const std::vector<std::string>& genes, ExpressionOptions::Target target);

}  // namespace hescape
