// Values to colour spots by: one gene under a display normalisation, a
// gene-set score, an obs column; plus robust display ranges (percentiles).
#pragma once

#include "core/spatial/SpatialDataset.h"

#include <string>
#include <vector>

namespace hescape {

enum class Normalisation { Raw, Log1p, CountsPer10kLog1p };
std::string normalisationName(Normalisation n);

// `librarySizes` (row sums of the counts) is needed for CountsPer10kLog1p;
// pass the cached result of expression.rowSums().
std::vector<float> geneValues(const SpatialDataset& ds, std::int64_t gene, Normalisation n,
                              const std::vector<double>& librarySizes);

// Mean z-score over genes (each gene normalised, then standardised across
// observations; genes with zero variance contribute 0). Unknown genes throw
// DatasetError listing them.
std::vector<float> geneSetScore(const SpatialDataset& ds, const std::vector<std::string>& genes, Normalisation n,
                                const std::vector<double>& librarySizes);

// What spots are coloured by: one gene (or, with several genes, their
// gene-set score) under a normalisation, or an obs column.
struct ColouringRequest {
    bool byGene = true;
    std::vector<std::string> genes;
    Normalisation normalisation = Normalisation::Log1p;
    std::string annotation;  // when !byGene
};
struct ColouringValues {
    std::vector<float> values;            // per observation
    std::vector<std::string> categories;  // non-empty: values are codes into it (NaN: missing)
};
// A numeric column's values, or a categorical column's codes, or a string
// column's codes into its distinct values (sorted).
ColouringValues obsColumnValues(const ObsColumn& column);
// The values of a request for every observation of `ds`. Throws DatasetError
// naming the data set and the gene or column it lacks.
ColouringValues colouringValues(const SpatialDataset& ds, const ColouringRequest& request, const std::vector<double>& librarySizes);

// Linear-interpolated percentile (numpy's default), ignoring NaN.
double percentile(std::vector<float> values, double p);
// Several percentiles of the same values with one sort (e.g. a display range).
std::vector<double> percentiles(std::vector<float> values, const std::vector<double>& ps);

}  // namespace hescape
