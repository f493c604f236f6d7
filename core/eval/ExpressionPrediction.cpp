// Ridge regression from image embeddings to gene expression and its Pearson
// scoring (see ExpressionPrediction.h). Dense linear algebra in double:
// the training rows are streamed in blocks into X'X and X'Y, then one
// Cholesky factorisation solves every gene at once.
#include "core/eval/ExpressionPrediction.h"

#include "core/eval/ModelInputs.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace hescape {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Rows per block when accumulating X'X: the block is held transposed so
// that every product is a contiguous dot product, and X'X (up to 8 MB for
// 1024 features) is swept once per block instead of once per row.
constexpr std::int64_t kBlockRows = 256;

void requireMatrix(EmbeddingView m, const char* name) {
    if (m.data == nullptr || m.rows <= 0 || m.dim <= 0)
        throw std::invalid_argument(std::string(name) + ": empty matrix");
}

std::vector<std::int64_t> selectedRows(const std::vector<bool>& mask) {
    std::vector<std::int64_t> rows;
    for (std::size_t i = 0; i < mask.size(); ++i)
        if (mask[i]) rows.push_back(static_cast<std::int64_t>(i));
    return rows;
}

void choleskySolve(std::vector<double>& a, std::vector<double>& b, std::int64_t d, std::int64_t k) {
    const auto at = [d](std::int64_t i, std::int64_t j) { return static_cast<std::size_t>(i * d + j); };
    for (std::int64_t j = 0; j < d; ++j) {
        double diag = a[at(j, j)] - dot(&a[at(j, 0)], &a[at(j, 0)], j);
        if (!(diag > 0))
            throw std::invalid_argument("alpha: the penalised Gram matrix is not positive definite (alpha too small)");
        diag = std::sqrt(diag);
        a[at(j, j)] = diag;
        for (std::int64_t i = j + 1; i < d; ++i) a[at(i, j)] = (a[at(i, j)] - dot(&a[at(i, 0)], &a[at(j, 0)], j)) / diag;
    }
    const auto bt = [k](std::int64_t i, std::int64_t t) { return static_cast<std::size_t>(i * k + t); };
    // Forward substitution L Z = B, then back substitution L' X = Z.
    for (std::int64_t i = 0; i < d; ++i) {
        for (std::int64_t j = 0; j < i; ++j) {
            const double l = a[at(i, j)];
            for (std::int64_t t = 0; t < k; ++t) b[bt(i, t)] -= l * b[bt(j, t)];
        }
        for (std::int64_t t = 0; t < k; ++t) b[bt(i, t)] /= a[at(i, i)];
    }
    for (std::int64_t i = d - 1; i >= 0; --i) {
        for (std::int64_t j = i + 1; j < d; ++j) {
            const double l = a[at(j, i)];
            for (std::int64_t t = 0; t < k; ++t) b[bt(i, t)] -= l * b[bt(j, t)];
        }
        for (std::int64_t t = 0; t < k; ++t) b[bt(i, t)] /= a[at(i, i)];
    }
}

double median(std::vector<double> v) {
    if (v.empty()) return kNaN;
    std::sort(v.begin(), v.end());
    const std::size_t h = v.size() / 2;
    return v.size() % 2 == 1 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}

}  // namespace

RidgeModel fitRidge(EmbeddingView features, EmbeddingView targets, const std::vector<bool>& trainRows, double alpha,
                    bool standardize) {
    requireMatrix(features, "features");
    requireMatrix(targets, "targets");
    if (targets.rows != features.rows)
        throw std::invalid_argument("targets: " + std::to_string(targets.rows) + " rows, features have " +
                                    std::to_string(features.rows));
    requireMask(trainRows, features.rows, "trainRows");
    if (!(alpha > 0) || !std::isfinite(alpha))
        throw std::invalid_argument("alpha: must be a positive number, got " + std::to_string(alpha));
    const std::vector<std::int64_t> rows = selectedRows(trainRows);
    if (rows.empty()) throw std::invalid_argument("trainRows: no row selected");
    requireFiniteRows(features, rows, "features");
    requireFiniteRows(targets, rows, "targets");

    const std::int64_t d = features.dim, g = targets.dim;
    std::vector<double> xMean, xVar, yMean, yVar;
    columnMoments(features, rows, xMean, xVar);
    columnMoments(targets, rows, yMean, yVar);
    const std::vector<double> scale =
        standardize ? standardScale(xMean, xVar, rows.size()) : std::vector<double>(static_cast<std::size_t>(d), 1.0);

    // Gram matrix of the centred (and scaled) features and their products
    // with the centred targets; centring before multiplying, rather than
    // subtracting n * mean * mean' afterwards, avoids cancellation.
    std::vector<double> gram(static_cast<std::size_t>(d * d), 0.0), rhs(static_cast<std::size_t>(d * g), 0.0);
    std::vector<double> xt(static_cast<std::size_t>(d * kBlockRows)), yt(static_cast<std::size_t>(g * kBlockRows));
    for (std::size_t start = 0; start < rows.size(); start += kBlockRows) {
        const auto m = static_cast<std::int64_t>(std::min<std::size_t>(kBlockRows, rows.size() - start));
        for (std::int64_t r = 0; r < m; ++r) {
            const float* x = features.row(rows[start + static_cast<std::size_t>(r)]);
            const float* y = targets.row(rows[start + static_cast<std::size_t>(r)]);
            for (std::int64_t j = 0; j < d; ++j)
                xt[static_cast<std::size_t>(j * kBlockRows + r)] =
                    (x[j] - xMean[static_cast<std::size_t>(j)]) / scale[static_cast<std::size_t>(j)];
            for (std::int64_t t = 0; t < g; ++t)
                yt[static_cast<std::size_t>(t * kBlockRows + r)] = y[t] - yMean[static_cast<std::size_t>(t)];
        }
        for (std::int64_t i = 0; i < d; ++i) {
            const double* xi = &xt[static_cast<std::size_t>(i * kBlockRows)];
            for (std::int64_t j = 0; j <= i; ++j)
                gram[static_cast<std::size_t>(i * d + j)] += dot(xi, &xt[static_cast<std::size_t>(j * kBlockRows)], m);
            for (std::int64_t t = 0; t < g; ++t)
                rhs[static_cast<std::size_t>(i * g + t)] += dot(xi, &yt[static_cast<std::size_t>(t * kBlockRows)], m);
        }
    }
    // The intercept is not penalised: it is the target mean, fitted by the
    // centring, so alpha goes on the feature diagonal only.
    for (std::int64_t i = 0; i < d; ++i) gram[static_cast<std::size_t>(i * d + i)] += alpha;
    choleskySolve(gram, rhs, d, g);

    RidgeModel model;
    model.features = d;
    model.targets = g;
    model.alpha = alpha;
    model.scale = scale;
    model.coef = std::move(rhs);
    if (standardize) {
        // Coefficients live on the standardised features, whose training
        // mean is zero: the intercept is the target mean (sklearn's Ridge on
        // StandardScaler output, up to rounding of that zero mean).
        model.shift = xMean;
        model.intercept = yMean;
    } else {
        // Raw features: sklearn's intercept_ = mean(y) - mean(x) . coef.
        model.shift.assign(static_cast<std::size_t>(d), 0.0);
        model.intercept = yMean;
        for (std::int64_t j = 0; j < d; ++j)
            for (std::int64_t t = 0; t < g; ++t)
                model.intercept[static_cast<std::size_t>(t)] -=
                    xMean[static_cast<std::size_t>(j)] * model.coef[static_cast<std::size_t>(j * g + t)];
    }
    return model;
}

std::vector<double> RidgeModel::predict(EmbeddingView x, const std::vector<bool>& rows) const {
    requireMatrix(x, "x");
    if (x.dim != features)
        throw std::invalid_argument("x: " + std::to_string(x.dim) + " features, the model has " +
                                    std::to_string(features));
    requireMask(rows, x.rows, "rows");
    const std::vector<std::int64_t> selected = selectedRows(rows);
    std::vector<double> out;
    out.reserve(selected.size() * static_cast<std::size_t>(targets));
    std::vector<double> z(static_cast<std::size_t>(features));
    for (const std::int64_t r : selected) {
        const float* p = x.row(r);
        for (std::size_t j = 0; j < z.size(); ++j) z[j] = (p[j] - shift[j]) / scale[j];
        const std::size_t base = out.size();
        out.insert(out.end(), intercept.begin(), intercept.end());
        for (std::int64_t j = 0; j < features; ++j) {
            const double zj = z[static_cast<std::size_t>(j)];
            const double* c = &coef[static_cast<std::size_t>(j * targets)];
            for (std::int64_t t = 0; t < targets; ++t) out[base + static_cast<std::size_t>(t)] += zj * c[t];
        }
    }
    return out;
}

double pearsonR(const std::vector<double>& x, const std::vector<double>& y) {
    if (x.size() != y.size())
        throw std::invalid_argument("y: " + std::to_string(y.size()) + " values, x has " + std::to_string(x.size()));
    if (x.size() < 2) return kNaN;
    // scipy tests for an exactly constant input before centring (a centred
    // constant can be rounding noise rather than zero).
    const auto constant = [](const std::vector<double>& v) {
        return std::all_of(v.begin(), v.end(), [&](double e) { return e == v.front(); });
    };
    if (constant(x) || constant(y)) return kNaN;
    const auto n = static_cast<double>(x.size());
    const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
    const double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
    double sxy = 0, sxx = 0, syy = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double a = x[i] - mx, b = y[i] - my;
        sxy += a * b;
        sxx += a * a;
        syy += b * b;
    }
    return std::clamp(sxy / (std::sqrt(sxx) * std::sqrt(syy)), -1.0, 1.0);
}

ExpressionPredictionReport predictExpression(EmbeddingView features, EmbeddingView targets,
                                             const std::vector<std::string>& geneNames,
                                             const std::vector<bool>& trainRows, const std::vector<bool>& testRows,
                                             const RidgeOptions& options) {
    requireMatrix(features, "features");
    requireMatrix(targets, "targets");
    if (static_cast<std::int64_t>(geneNames.size()) != targets.dim)
        throw std::invalid_argument("geneNames: " + std::to_string(geneNames.size()) + " names for " +
                                    std::to_string(targets.dim) + " target columns");
    requireMask(trainRows, features.rows, "trainRows");
    requireMask(testRows, features.rows, "testRows");
    for (std::size_t i = 0; i < testRows.size(); ++i)
        if (testRows[i] && trainRows[i])
            throw std::invalid_argument("testRows: row " + std::to_string(i) + " is also a training row");
    const std::vector<std::int64_t> test = selectedRows(testRows);
    if (test.empty()) throw std::invalid_argument("testRows: no row selected");
    if (targets.rows == features.rows) requireFiniteRows(targets, test, "targets");

    const double alpha = options.alpha.value_or(100.0 / static_cast<double>(features.dim * targets.dim));
    const RidgeModel model = fitRidge(features, targets, trainRows, alpha, options.standardize);
    requireFiniteRows(features, test, "features");
    const std::vector<double> predicted = model.predict(features, testRows);

    ExpressionPredictionReport report;
    report.genes = geneNames;
    report.trainRows = static_cast<std::int64_t>(std::count(trainRows.begin(), trainRows.end(), true));
    report.testRows = static_cast<std::int64_t>(test.size());
    report.features = features.dim;
    report.alpha = alpha;
    report.standardized = options.standardize;
    const auto g = static_cast<std::size_t>(targets.dim);
    std::vector<double> measured(test.size()), pred(test.size()), defined;
    for (std::size_t t = 0; t < g; ++t) {
        for (std::size_t i = 0; i < test.size(); ++i) {
            measured[i] = targets.row(test[i])[t];
            pred[i] = predicted[i * g + t];
        }
        const double r = pearsonR(measured, pred);
        report.pearson.push_back(r);
        if (std::isnan(r)) {
            report.undefinedGeneNames.push_back(geneNames[t]);
        } else {
            defined.push_back(r);
        }
    }
    report.scoredGenes = static_cast<std::int64_t>(defined.size());
    report.undefinedGenes = static_cast<std::int64_t>(report.undefinedGeneNames.size());
    report.meanPearson =
        defined.empty() ? kNaN : std::accumulate(defined.begin(), defined.end(), 0.0) / static_cast<double>(defined.size());
    report.medianPearson = median(defined);
    return report;
}

std::vector<std::int64_t> topVariableGenes(EmbeddingView expression, const std::vector<bool>& trainRows,
                                           std::int64_t count) {
    requireMatrix(expression, "expression");
    requireMask(trainRows, expression.rows, "trainRows");
    if (count <= 0) throw std::invalid_argument("count: must be positive, got " + std::to_string(count));
    const std::vector<std::int64_t> rows = selectedRows(trainRows);
    if (rows.empty()) throw std::invalid_argument("trainRows: no row selected");
    requireFiniteRows(expression, rows, "expression");
    std::vector<double> mean, var;
    columnMoments(expression, rows, mean, var);
    std::vector<std::int64_t> order(var.size());
    std::iota(order.begin(), order.end(), std::int64_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
        return var[static_cast<std::size_t>(a)] > var[static_cast<std::size_t>(b)];
    });
    order.resize(std::min<std::size_t>(order.size(), static_cast<std::size_t>(count)));
    return order;
}

std::vector<float> selectColumns(EmbeddingView matrix, const std::vector<std::int64_t>& columns) {
    requireMatrix(matrix, "matrix");
    for (const std::int64_t c : columns)
        if (c < 0 || c >= matrix.dim)
            throw std::invalid_argument("columns: index " + std::to_string(c) + " outside 0.." +
                                        std::to_string(matrix.dim - 1));
    std::vector<float> out;
    out.reserve(static_cast<std::size_t>(matrix.rows) * columns.size());
    for (std::int64_t r = 0; r < matrix.rows; ++r) {
        const float* p = matrix.row(r);
        for (const std::int64_t c : columns) out.push_back(p[c]);
    }
    return out;
}

}  // namespace hescape
