// Gene-expression prediction from image embeddings: the HEST-Benchmark
// recipe that HESCAPE reports. A ridge regression from frozen image features
// to the (log-normalised) expression of the most variable genes is fitted on
// the training rows; on the test rows each gene scores the Pearson r between
// predicted and measured expression, summarised as mean and median over
// genes. The caller runs it once on aligned (trained) image embeddings and
// once on the un-aligned (pre-training) features to see whether contrastive
// training helped, so everything here is a pure function of its inputs.
//
// The fit equals sklearn.linear_model.Ridge(alpha, fit_intercept=True):
// features and targets centred on the training rows, intercept not
// penalised, (Xc'Xc + alpha I) w = Xc'yc solved by Cholesky in double.
//
// How this follows HEST-Benchmark (mahmoodlab/HEST, hest/bench):
// - HEST's benchmark config scales the features with StandardScaler and
//   reduces them with PCA to 256 dimensions before the ridge, which it fits
//   with fit_intercept=False and alpha = 100 / (features x genes).
// - `standardize` (default on) is that StandardScaler step (train-row mean,
//   population standard deviation, constant features left unscaled).
// - No PCA: HESCAPE's embeddings have at most a few hundred dimensions; PCA
//   keeping every component is a rotation, and ridge is rotation invariant.
// - fit_intercept=True here: on HEST's centred PCA features the intercept-free
//   fit has the same coefficients, and its predictions differ only by a
//   constant per gene, which Pearson r ignores; with an intercept the model is
//   also right when features are not centred (standardize off).
// - The default alpha is HEST's 100 / (features x genes).
#pragma once

#include "core/common/EmbeddingView.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hescape {

struct RidgeOptions {
    // Penalty weight; unset = HEST-Benchmark's 100 / (features x genes).
    std::optional<double> alpha;
    // Standardise features on the training rows before the fit (HEST's
    // StandardScaler step).
    bool standardize = true;
};

// A fitted ridge model: target t of row x is
//   intercept[t] + sum_j coef[j * targets + t] * (x_j - shift[j]) / scale[j].
// shift is the training mean and scale the training standard deviation when
// standardised (shift 0, scale 1 otherwise), so coef and intercept are what
// sklearn's Ridge reports on the (scaled) features.
struct RidgeModel {
    std::int64_t features = 0;
    std::int64_t targets = 0;
    double alpha = 0;
    std::vector<double> shift, scale;  // per feature
    std::vector<double> coef;          // features x targets, row-major
    std::vector<double> intercept;     // per target

    // Predictions for the rows where `rows` is true, in row order:
    // (selected rows) x targets, row-major.
    std::vector<double> predict(EmbeddingView x, const std::vector<bool>& rows) const;
};

// Fits on the rows where trainRows is true. Throws std::invalid_argument
// (naming the argument) when shapes disagree, no row is selected, alpha is
// not positive, or a selected row holds a non-finite value.
RidgeModel fitRidge(EmbeddingView features, EmbeddingView targets, const std::vector<bool>& trainRows, double alpha,
                    bool standardize);

// Pearson r of two equally long series as scipy.stats.pearsonr computes it;
// NaN when either is constant (r is undefined there).
double pearsonR(const std::vector<double>& x, const std::vector<double>& y);

struct ExpressionPredictionReport {
    std::vector<std::string> genes;
    // Per gene, on the test rows; NaN where the measured (or predicted)
    // expression is constant on the test rows.
    std::vector<double> pearson;
    // Over the genes with a defined r (NaN when there is none).
    double meanPearson = 0;
    double medianPearson = 0;
    std::int64_t scoredGenes = 0;     // genes with a defined r
    std::int64_t undefinedGenes = 0;  // genes reported as NaN
    std::vector<std::string> undefinedGeneNames;
    std::int64_t trainRows = 0, testRows = 0;
    std::int64_t features = 0;
    double alpha = 0;  // the penalty used (the HEST default when not given)
    bool standardized = false;
};

// Ridge from `features` (rows x dim) to `targets` (rows x genes,
// log-normalised expression) fitted on trainRows, Pearson r per gene on
// testRows. A row may be in neither set (it is not read); one in both is
// refused, as that would score the fit on its own training data. Throws
// std::invalid_argument naming the argument on bad input.
ExpressionPredictionReport predictExpression(EmbeddingView features, EmbeddingView targets,
                                             const std::vector<std::string>& geneNames,
                                             const std::vector<bool>& trainRows, const std::vector<bool>& testRows,
                                             const RidgeOptions& options = {});

// Indices of the `count` columns of `expression` (rows x genes,
// log-normalised) with the largest variance over trainRows, most variable
// first (ties: lower index first); all columns when there are fewer.
// Choosing them on the training rows only keeps the test rows unseen.
std::vector<std::int64_t> topVariableGenes(EmbeddingView expression, const std::vector<bool>& trainRows,
                                           std::int64_t count = 50);

// The given columns of a row-major matrix, as a new rows x columns.size()
// row-major matrix (to pass the chosen genes to predictExpression).
std::vector<float> selectColumns(EmbeddingView matrix, const std::vector<std::int64_t>& columns);

}  // namespace hescape
