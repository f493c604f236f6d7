// Exact principal component analysis of n embeddings for the embedding
// explorer's 2-D/3-D plots, with sklearn's PCA conventions (centred data,
// explained variance with n - 1, svd_flip's signs) so results compare
// directly with sklearn.decomposition.PCA. Computed with LibTorch in double
// (hescape_eval), but this header is torch-free so Qt code can call it.
#pragma once

#include "core/common/Progress.h"

#include <cstdint>
#include <vector>

namespace hescape {

struct PcaResult {
    int nComponents = 0;
    std::vector<float> coordinates;                // n x nComponents, row-major: the centred data on the components
    std::vector<double> components;                // nComponents x dim, row-major, unit rows (sklearn's components_)
    std::vector<double> mean;                      // dim
    std::vector<double> explainedVariance;         // per component, variance with denominator n - 1
    std::vector<double> explainedVarianceRatio;    // per component, of the total variance
};

// `data` is n x dim, row-major. Needs n >= 2, 1 <= nComponents <= min(n, dim)
// and finite values, else std::invalid_argument. With n >= dim it
// eigen-decomposes the dim x dim covariance (accumulated in fixed row groups,
// so results are the same bits for any thread count), else it takes the SVD
// of the centred data. Signs follow sklearn 1.2's svd_flip: on each component
// the point with the largest |coordinate| is positive. CancelledError when
// progress.cancel is set.
PcaResult pcaLayout(const std::vector<float>& data, std::int64_t dim, int nComponents = 2, const Progress& progress = {});

}  // namespace hescape
