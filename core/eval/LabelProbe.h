// Label prediction from image embeddings: a linear probe (L2-regularised
// logistic regression) for a categorical label of the spots (mutation
// status, MSI, tumour vs normal, any categorical obs column), fitted on the
// training rows (sections) and scored on the test rows by AUROC per class
// (one-vs-rest), macro AUROC and balanced accuracy. It answers "does the
// image embedding carry this label linearly?", for aligned and un-aligned
// features alike.
//
// The model equals sklearn.linear_model.LogisticRegression(C, penalty='l2',
// solver='lbfgs', multi_class='auto'): with two classes one weight vector and
// a sigmoid (sklearn's binary case), with more a weight vector per class and
// a softmax (multinomial); the objective is
//   sum_i loss_i + 1/(2C) * sum of squared weights,
// the intercepts not penalised. It is minimised with L-BFGS in double to a
// tighter gradient tolerance than sklearn's default, so the result is the
// optimum rather than wherever an optimiser stopped.
//
// Features are standardised by default (training-row mean and population
// standard deviation, sklearn's StandardScaler): C = 1 then means the same
// penalty whatever the scale of the embeddings (HESCAPE's are L2-normalised,
// so raw values are small and a fixed C would over-penalise them).
#pragma once

#include "core/common/EmbeddingView.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hescape {

struct LabelProbeOptions {
    double C = 1.0;  // inverse regularisation strength, as in sklearn
    bool standardize = true;
    // The fit stops when every component of the gradient of the objective
    // divided by the number of training rows is at most this.
    double tolerance = 1e-9;
    int maxIterations = 10000;
};

// A fitted probe. Score o of row x is
//   intercept[o] + sum_j coef[o * features + j] * (x_j - shift[j]) / scale[j]
// with one score (outputs == 1, the positive class 1) for two classes and one
// per class otherwise, like sklearn's coef_ / intercept_ on the scaled data.
struct LogisticModel {
    std::int64_t features = 0;
    std::int64_t classes = 0;
    std::int64_t outputs = 0;
    std::vector<double> shift, scale;  // per feature (0 and 1 when not standardised)
    std::vector<double> coef;          // outputs x features, row-major
    std::vector<double> intercept;     // per output
    int iterations = 0;
    bool converged = false;
    double gradientMax = 0;  // max |gradient| / training rows at the end

    // Class probabilities of the rows where `rows` is true, in row order:
    // (selected rows) x classes, row-major.
    std::vector<double> predictProba(EmbeddingView x, const std::vector<bool>& rows) const;
    // Predicted class of each selected row (the most probable; for two
    // classes class 1 when its score is positive, as sklearn decides).
    std::vector<std::int32_t> predict(EmbeddingView x, const std::vector<bool>& rows) const;
};

// Fits on the rows where trainRows is true and the label is not missing
// (negative codes, as AnnData stores a missing category, are skipped).
// Throws std::invalid_argument naming the argument on bad input: shapes
// that disagree, fewer than 2 classes, a code not below `classes`, no
// training row, a class without training rows, a non-finite feature in a
// training row, C not positive.
LogisticModel fitLogistic(EmbeddingView features, const std::vector<std::int32_t>& labels, std::int64_t classes,
                          const std::vector<bool>& trainRows, const LabelProbeOptions& options = {});

// Area under the ROC curve of `score` for separating positive from negative
// entries, ties counted half (the average-rank Mann-Whitney statistic, equal
// to sklearn.metrics.roc_auc_score). NaN when either group is empty.
double rocAuc(const std::vector<bool>& positive, const std::vector<double>& score);

// sklearn.metrics.balanced_accuracy_score: the mean recall over the classes
// that occur in `truth` (codes 0..classes-1).
double balancedAccuracy(const std::vector<std::int32_t>& truth, const std::vector<std::int32_t>& predicted,
                        std::int64_t classes);

struct LabelProbeClassScore {
    std::string name;
    std::int64_t trainCount = 0, testCount = 0;
    std::int64_t predictedCount = 0;  // test rows predicted as this class
    // One-vs-rest AUROC of this class's probability on the test rows; NaN
    // when the class is absent from the test rows (or is all of them). With
    // two classes both entries equal the usual binary AUROC.
    double auroc = 0;
    double recall = 0;  // NaN when absent from the test rows
};

struct LabelProbeReport {
    std::vector<LabelProbeClassScore> classes;
    double macroAuroc = 0;  // mean over classes with a defined AUROC (NaN if none)
    std::int64_t aurocClasses = 0;  // how many classes that mean covers
    std::vector<std::string> undefinedAurocClasses;
    double balancedAccuracy = 0;  // mean recall over classes present in the test rows
    double accuracy = 0;
    std::int64_t trainRows = 0, testRows = 0;
    std::int64_t unlabelledRows = 0;  // selected rows skipped for a missing label
    bool standardized = false;
    double C = 0;
    bool converged = false;
    int iterations = 0;
};

// The probe: fit on trainRows, score on testRows (a row in both is refused;
// a row in neither is not read). classNames gives the class count and the
// names reported. Throws std::invalid_argument naming the argument on bad
// input, as fitLogistic, and when no test row has a label.
LabelProbeReport runLabelProbe(EmbeddingView features, const std::vector<std::int32_t>& labels,
                               const std::vector<std::string>& classNames, const std::vector<bool>& trainRows,
                               const std::vector<bool>& testRows, const LabelProbeOptions& options = {});

}  // namespace hescape
