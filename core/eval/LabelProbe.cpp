// Linear probe for a categorical label on image embeddings (see
// LabelProbe.h): L2-regularised logistic regression minimised by L-BFGS in
// double, and its scores (one-vs-rest AUROC, balanced accuracy).
#include "core/eval/LabelProbe.h"

#include "core/eval/ModelInputs.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace hescape {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Rows selected by the mask whose label is present (non-negative).
std::vector<std::int64_t> labelledRows(const std::vector<bool>& mask, const std::vector<std::int32_t>& labels) {
    std::vector<std::int64_t> rows;
    for (std::size_t i = 0; i < mask.size(); ++i)
        if (mask[i] && labels[i] >= 0) rows.push_back(static_cast<std::int64_t>(i));
    return rows;
}

using hescape::dot;  // the pointer form, beside this vector form
double dot(const std::vector<double>& a, const std::vector<double>& b) { return dot(a.data(), b.data(), a.size()); }

// log(1 + exp(s)) without overflow.
double softplus(double s) { return std::max(s, 0.0) + std::log1p(std::exp(-std::abs(s))); }

double sigmoid(double s) {
    if (s >= 0) return 1.0 / (1.0 + std::exp(-s));
    const double e = std::exp(s);
    return e / (1.0 + e);
}

// The objective divided by the number of training rows n (so tolerances do
// not depend on n; the minimiser is the same):
//   (1/n) sum_i loss_i + 1/(2 C n) sum |w_o|^2 [+ 1/(2n) (sum_o b_o)^2].
// Parameters: per output o, d weights then the intercept. The last term
// (multinomial only) pins down the intercepts, which the softmax leaves free
// up to a common shift; it is zero at the solution sklearn's L-BFGS reaches
// from zero (its gradient steps keep the intercepts summing to zero) and does
// not change any probability.
class Objective {
public:
    Objective(EmbeddingView x, const std::vector<std::int64_t>& rows, const std::vector<std::int32_t>& labels,
              std::int64_t outputs, const std::vector<double>& shift, const std::vector<double>& scale, double C)
        : x_(x), rows_(rows), labels_(labels), outputs_(static_cast<std::size_t>(outputs)), shift_(shift),
          scale_(scale), invC_(1.0 / C) {}

    std::size_t parameters() const { return outputs_ * (static_cast<std::size_t>(x_.dim) + 1); }

    double operator()(const std::vector<double>& theta, std::vector<double>& grad) const {
        const auto d = static_cast<std::size_t>(x_.dim);
        const std::size_t stride = d + 1;
        grad.assign(theta.size(), 0.0);
        std::vector<double> z(d), s(outputs_);
        double f = 0;
        for (const std::int64_t r : rows_) {
            const float* p = x_.row(r);
            for (std::size_t j = 0; j < d; ++j) z[j] = (p[j] - shift_[j]) / scale_[j];
            for (std::size_t o = 0; o < outputs_; ++o) s[o] = theta[o * stride + d] + dot(&theta[o * stride], z.data(), d);
            const auto y = static_cast<std::size_t>(labels_[static_cast<std::size_t>(r)]);
            if (outputs_ == 1) {
                // Binary: the score is the log-odds of class 1.
                const double t = y == 1 ? 1.0 : 0.0;
                f += softplus(s[0]) - t * s[0];
                s[0] = sigmoid(s[0]) - t;  // reuse s as the residual
            } else {
                const double m = *std::max_element(s.begin(), s.end());
                double sum = 0;
                for (const double v : s) sum += std::exp(v - m);
                const double lse = m + std::log(sum);
                f += lse - s[y];
                for (std::size_t o = 0; o < outputs_; ++o) s[o] = std::exp(s[o] - lse) - (o == y ? 1.0 : 0.0);
            }
            for (std::size_t o = 0; o < outputs_; ++o) {
                double* g = &grad[o * stride];
                const double res = s[o];
                for (std::size_t j = 0; j < d; ++j) g[j] += res * z[j];
                g[d] += res;
            }
        }
        const auto n = static_cast<double>(rows_.size());
        f /= n;
        for (double& g : grad) g /= n;
        double intercepts = 0;
        for (std::size_t o = 0; o < outputs_; ++o) {
            for (std::size_t j = 0; j < d; ++j) {
                const double w = theta[o * stride + j];
                f += 0.5 * invC_ / n * w * w;
                grad[o * stride + j] += invC_ / n * w;
            }
            intercepts += theta[o * stride + d];
        }
        if (outputs_ > 1) {
            f += 0.5 / n * intercepts * intercepts;
            for (std::size_t o = 0; o < outputs_; ++o) grad[o * stride + d] += intercepts / n;
        }
        return f;
    }

private:
    EmbeddingView x_;
    const std::vector<std::int64_t>& rows_;
    const std::vector<std::int32_t>& labels_;
    std::size_t outputs_;
    const std::vector<double>& shift_;
    const std::vector<double>& scale_;
    double invC_;
};

double maxAbs(const std::vector<double>& v) {
    double m = 0;
    for (const double e : v) m = std::max(m, std::abs(e));
    return m;
}

struct MinimizeResult {
    std::vector<double> theta;
    int iterations = 0;
    bool converged = false;
    double gradientMax = 0;
};

// L-BFGS (10 correction pairs, as scipy's L-BFGS-B) from zero with a
// backtracking line search. Near the optimum the decrease of f falls below
// its rounding error, so a step is also accepted when f has not risen beyond
// that noise and the directional derivative says it did not overshoot (the
// approximate Wolfe condition of Hager and Zhang); for a quadratic that is
// the same test as the sufficient-decrease one.
MinimizeResult minimize(const Objective& objective, double tolerance, int maxIterations) {
    constexpr std::size_t kMemory = 10;
    constexpr double kC1 = 1e-4;
    MinimizeResult out;
    std::vector<double> x(objective.parameters(), 0.0), g, xNew(x.size()), gNew, dir(x.size());
    double f = objective(x, g);
    std::deque<std::vector<double>> sMem, yMem;
    std::deque<double> rhoMem;
    for (out.iterations = 0; out.iterations < maxIterations; ++out.iterations) {
        if (maxAbs(g) <= tolerance) break;
        // Two-loop recursion: dir = -H g.
        dir = g;
        std::vector<double> alphas(sMem.size());
        for (std::size_t k = sMem.size(); k-- > 0;) {
            alphas[k] = rhoMem[k] * dot(sMem[k], dir);
            for (std::size_t i = 0; i < dir.size(); ++i) dir[i] -= alphas[k] * yMem[k][i];
        }
        const double gamma = sMem.empty() ? 1.0 : dot(sMem.back(), yMem.back()) / dot(yMem.back(), yMem.back());
        for (double& e : dir) e *= gamma;
        for (std::size_t k = 0; k < sMem.size(); ++k) {
            const double beta = rhoMem[k] * dot(yMem[k], dir);
            for (std::size_t i = 0; i < dir.size(); ++i) dir[i] += (alphas[k] - beta) * sMem[k][i];
        }
        for (double& e : dir) e = -e;
        double slope = dot(g, dir);
        if (!(slope < 0)) {
            // Not a descent direction (stale curvature pairs): restart from
            // steepest descent.
            sMem.clear();
            yMem.clear();
            rhoMem.clear();
            for (std::size_t i = 0; i < dir.size(); ++i) dir[i] = -g[i];
            slope = -dot(g, g);
        }
        // First step of length 1, as scipy takes it; afterwards the quasi-
        // Newton step itself.
        double t = sMem.empty() ? 1.0 / std::sqrt(dot(dir, dir)) : 1.0;
        const double noise = 1e-10 * std::max(1.0, std::abs(f));
        bool accepted = false;
        double fNew = f;
        for (int tries = 0; tries < 60; ++tries, t *= 0.5) {
            for (std::size_t i = 0; i < x.size(); ++i) xNew[i] = x[i] + t * dir[i];
            fNew = objective(xNew, gNew);
            if (fNew <= f + kC1 * t * slope ||
                (fNew <= f + noise && dot(gNew, dir) <= (2 * kC1 - 1) * slope)) {
                accepted = true;
                break;
            }
        }
        if (!accepted) break;  // no progress possible at this precision
        std::vector<double> s(x.size()), y(x.size());
        for (std::size_t i = 0; i < x.size(); ++i) {
            s[i] = xNew[i] - x[i];
            y[i] = gNew[i] - g[i];
        }
        const double sy = dot(s, y);
        // Keep only pairs with positive curvature, so H stays positive definite.
        if (sy > std::numeric_limits<double>::epsilon() * dot(y, y)) {
            if (sMem.size() == kMemory) {
                sMem.pop_front();
                yMem.pop_front();
                rhoMem.pop_front();
            }
            sMem.push_back(std::move(s));
            yMem.push_back(std::move(y));
            rhoMem.push_back(1.0 / sy);
        }
        x.swap(xNew);
        g.swap(gNew);
        f = fNew;
    }
    out.gradientMax = maxAbs(g);
    out.converged = out.gradientMax <= tolerance;
    out.theta = std::move(x);
    return out;
}

}  // namespace

LogisticModel fitLogistic(EmbeddingView features, const std::vector<std::int32_t>& labels, std::int64_t classes,
                          const std::vector<bool>& trainRows, const LabelProbeOptions& options) {
    if (features.data == nullptr || features.rows <= 0 || features.dim <= 0)
        throw std::invalid_argument("features: empty matrix");
    if (static_cast<std::int64_t>(labels.size()) != features.rows)
        throw std::invalid_argument("labels: " + std::to_string(labels.size()) + " labels for " +
                                    std::to_string(features.rows) + " feature rows");
    if (classes < 2) throw std::invalid_argument("classes: a probe needs at least 2 classes, got " + std::to_string(classes));
    requireMask(trainRows, features.rows, "trainRows");
    if (!(options.C > 0) || !std::isfinite(options.C))
        throw std::invalid_argument("options.C: must be a positive number, got " + std::to_string(options.C));
    if (!(options.tolerance > 0)) throw std::invalid_argument("options.tolerance: must be positive");
    if (options.maxIterations <= 0) throw std::invalid_argument("options.maxIterations: must be positive");
    for (std::size_t i = 0; i < labels.size(); ++i)
        if (labels[i] >= classes)
            throw std::invalid_argument("labels: row " + std::to_string(i) + " has code " + std::to_string(labels[i]) +
                                        ", not below the " + std::to_string(classes) + " classes");
    const std::vector<std::int64_t> rows = labelledRows(trainRows, labels);
    if (rows.empty()) throw std::invalid_argument("trainRows: no selected row has a label");
    std::vector<std::int64_t> counts(static_cast<std::size_t>(classes), 0);
    requireFiniteRows(features, rows, "features");
    for (const std::int64_t r : rows) ++counts[static_cast<std::size_t>(labels[static_cast<std::size_t>(r)])];
    for (std::size_t k = 0; k < counts.size(); ++k)
        if (counts[k] == 0)
            throw std::invalid_argument("labels: class " + std::to_string(k) + " has no training rows");

    const auto d = static_cast<std::size_t>(features.dim);
    LogisticModel model;
    model.features = features.dim;
    model.classes = classes;
    model.outputs = classes == 2 ? 1 : classes;
    model.shift.assign(d, 0.0);
    model.scale.assign(d, 1.0);
    if (options.standardize) {
        // StandardScaler on the training rows.
        std::vector<double> var;
        columnMoments(features, rows, model.shift, var);
        model.scale = standardScale(model.shift, var, rows.size());
    }

    const Objective objective(features, rows, labels, model.outputs, model.shift, model.scale, options.C);
    const MinimizeResult fit = minimize(objective, options.tolerance, options.maxIterations);
    model.iterations = fit.iterations;
    model.converged = fit.converged;
    model.gradientMax = fit.gradientMax;
    for (std::int64_t o = 0; o < model.outputs; ++o) {
        const auto base = static_cast<std::size_t>(o) * (d + 1);
        model.coef.insert(model.coef.end(), fit.theta.begin() + static_cast<std::ptrdiff_t>(base),
                          fit.theta.begin() + static_cast<std::ptrdiff_t>(base + d));
        model.intercept.push_back(fit.theta[base + d]);
    }
    return model;
}

std::vector<double> LogisticModel::predictProba(EmbeddingView x, const std::vector<bool>& rows) const {
    if (x.dim != features)
        throw std::invalid_argument("x: " + std::to_string(x.dim) + " features, the model has " + std::to_string(features));
    requireMask(rows, x.rows, "rows");
    const auto d = static_cast<std::size_t>(features);
    const auto k = static_cast<std::size_t>(classes);
    std::vector<double> out, z(d), s(static_cast<std::size_t>(outputs));
    for (std::size_t r = 0; r < rows.size(); ++r) {
        if (!rows[r]) continue;
        const float* p = x.row(static_cast<std::int64_t>(r));
        for (std::size_t j = 0; j < d; ++j) z[j] = (p[j] - shift[j]) / scale[j];
        for (std::size_t o = 0; o < s.size(); ++o) s[o] = intercept[o] + dot(&coef[o * d], z.data(), d);
        if (outputs == 1) {
            const double p1 = sigmoid(s[0]);
            out.push_back(1.0 - p1);  // sklearn's [1 - p, p]
            out.push_back(p1);
        } else {
            const double m = *std::max_element(s.begin(), s.end());
            double sum = 0;
            for (const double v : s) sum += std::exp(v - m);
            for (std::size_t o = 0; o < k; ++o) out.push_back(std::exp(s[o] - m) / sum);
        }
    }
    return out;
}

std::vector<std::int32_t> LogisticModel::predict(EmbeddingView x, const std::vector<bool>& rows) const {
    if (x.dim != features)
        throw std::invalid_argument("x: " + std::to_string(x.dim) + " features, the model has " + std::to_string(features));
    requireMask(rows, x.rows, "rows");
    const auto d = static_cast<std::size_t>(features);
    std::vector<std::int32_t> out;
    std::vector<double> z(d), s(static_cast<std::size_t>(outputs));
    for (std::size_t r = 0; r < rows.size(); ++r) {
        if (!rows[r]) continue;
        const float* p = x.row(static_cast<std::int64_t>(r));
        for (std::size_t j = 0; j < d; ++j) z[j] = (p[j] - shift[j]) / scale[j];
        for (std::size_t o = 0; o < s.size(); ++o) s[o] = intercept[o] + dot(&coef[o * d], z.data(), d);
        // sklearn decides on the scores, not the probabilities: class 1 when
        // the binary score is positive, else the first highest score.
        out.push_back(outputs == 1 ? (s[0] > 0 ? 1 : 0)
                                   : static_cast<std::int32_t>(std::max_element(s.begin(), s.end()) - s.begin()));
    }
    return out;
}

double rocAuc(const std::vector<bool>& positive, const std::vector<double>& score) {
    if (positive.size() != score.size())
        throw std::invalid_argument("score: " + std::to_string(score.size()) + " scores for " +
                                    std::to_string(positive.size()) + " labels");
    for (const double s : score)
        if (std::isnan(s)) throw std::invalid_argument("score: NaN");
    const auto nPos = static_cast<double>(std::count(positive.begin(), positive.end(), true));
    const double nNeg = static_cast<double>(positive.size()) - nPos;
    if (nPos == 0 || nNeg == 0) return kNaN;
    std::vector<std::size_t> order(score.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return score[a] < score[b]; });
    // Sum of the (1-based, tie-averaged) ranks of the positives: the
    // Mann-Whitney U statistic, in which a tied positive-negative pair
    // counts one half, as the trapezoids of sklearn's ROC curve count it.
    double rankSum = 0;
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j + 1 < order.size() && score[order[j + 1]] == score[order[i]]) ++j;
        const double rank = 0.5 * static_cast<double>(i + j) + 1.0;
        for (std::size_t k = i; k <= j; ++k)
            if (positive[order[k]]) rankSum += rank;
        i = j + 1;
    }
    return (rankSum - nPos * (nPos + 1) / 2) / (nPos * nNeg);
}

double balancedAccuracy(const std::vector<std::int32_t>& truth, const std::vector<std::int32_t>& predicted,
                        std::int64_t classes) {
    if (truth.size() != predicted.size())
        throw std::invalid_argument("predicted: " + std::to_string(predicted.size()) + " predictions for " +
                                    std::to_string(truth.size()) + " labels");
    const auto k = static_cast<std::size_t>(std::max<std::int64_t>(classes, 0));
    std::vector<double> total(k, 0), hit(k, 0);
    for (std::size_t i = 0; i < truth.size(); ++i) {
        if (truth[i] < 0 || truth[i] >= classes || predicted[i] < 0 || predicted[i] >= classes)
            throw std::invalid_argument("truth: code outside 0.." + std::to_string(classes - 1) + " at entry " +
                                        std::to_string(i));
        total[static_cast<std::size_t>(truth[i])] += 1;
        if (truth[i] == predicted[i]) hit[static_cast<std::size_t>(truth[i])] += 1;
    }
    double sum = 0;
    int present = 0;
    for (std::size_t c = 0; c < k; ++c)
        if (total[c] > 0) {
            sum += hit[c] / total[c];
            ++present;
        }
    return present == 0 ? kNaN : sum / present;
}

LabelProbeReport runLabelProbe(EmbeddingView features, const std::vector<std::int32_t>& labels,
                               const std::vector<std::string>& classNames, const std::vector<bool>& trainRows,
                               const std::vector<bool>& testRows, const LabelProbeOptions& options) {
    if (classNames.size() < 2)
        throw std::invalid_argument("classNames: a probe needs at least 2 classes, got " +
                                    std::to_string(classNames.size()));
    if (static_cast<std::int64_t>(labels.size()) != features.rows)
        throw std::invalid_argument("labels: " + std::to_string(labels.size()) + " labels for " +
                                    std::to_string(features.rows) + " feature rows");
    requireMask(trainRows, features.rows, "trainRows");
    requireMask(testRows, features.rows, "testRows");
    const auto k = static_cast<std::int64_t>(classNames.size());
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (testRows[i] && trainRows[i])
            throw std::invalid_argument("testRows: row " + std::to_string(i) + " is also a training row");
        if (labels[i] >= k)
            throw std::invalid_argument("labels: row " + std::to_string(i) + " has code " + std::to_string(labels[i]) +
                                        ", not below the " + std::to_string(k) + " classes");
    }
    const std::vector<std::int64_t> train = labelledRows(trainRows, labels), test = labelledRows(testRows, labels);
    LabelProbeReport report;
    report.classes.resize(classNames.size());
    for (std::size_t c = 0; c < classNames.size(); ++c) report.classes[c].name = classNames[c];
    for (const std::int64_t r : train) ++report.classes[static_cast<std::size_t>(labels[static_cast<std::size_t>(r)])].trainCount;
    for (const std::int64_t r : test) ++report.classes[static_cast<std::size_t>(labels[static_cast<std::size_t>(r)])].testCount;
    if (!train.empty())
        for (const LabelProbeClassScore& c : report.classes)
            if (c.trainCount == 0) throw std::invalid_argument("labels: class '" + c.name + "' has no training rows");
    if (test.empty()) throw std::invalid_argument("testRows: no selected row has a label");
    requireFiniteRows(features, test, "features");

    const LogisticModel model = fitLogistic(features, labels, k, trainRows, options);
    std::vector<bool> testMask(labels.size(), false);
    for (const std::int64_t r : test) testMask[static_cast<std::size_t>(r)] = true;
    const std::vector<double> proba = model.predictProba(features, testMask);
    const std::vector<std::int32_t> predicted = model.predict(features, testMask);
    std::vector<std::int32_t> truth;
    for (const std::int64_t r : test) truth.push_back(labels[static_cast<std::size_t>(r)]);

    std::vector<bool> positive(test.size());
    std::vector<double> score(test.size());
    double aurocSum = 0;
    std::int64_t correct = 0;
    for (std::size_t i = 0; i < truth.size(); ++i) {
        ++report.classes[static_cast<std::size_t>(predicted[i])].predictedCount;
        if (predicted[i] == truth[i]) ++correct;
    }
    for (std::size_t c = 0; c < classNames.size(); ++c) {
        LabelProbeClassScore& cs = report.classes[c];
        std::int64_t hits = 0;
        for (std::size_t i = 0; i < test.size(); ++i) {
            positive[i] = truth[i] == static_cast<std::int32_t>(c);
            score[i] = proba[i * classNames.size() + c];
            if (positive[i] && predicted[i] == truth[i]) ++hits;
        }
        cs.auroc = rocAuc(positive, score);
        cs.recall = cs.testCount > 0 ? static_cast<double>(hits) / static_cast<double>(cs.testCount) : kNaN;
        if (std::isnan(cs.auroc)) {
            report.undefinedAurocClasses.push_back(cs.name);
        } else {
            aurocSum += cs.auroc;
            ++report.aurocClasses;
        }
    }
    report.macroAuroc = report.aurocClasses > 0 ? aurocSum / static_cast<double>(report.aurocClasses) : kNaN;
    report.balancedAccuracy = balancedAccuracy(truth, predicted, k);
    report.accuracy = static_cast<double>(correct) / static_cast<double>(truth.size());
    report.trainRows = static_cast<std::int64_t>(train.size());
    report.testRows = static_cast<std::int64_t>(test.size());
    for (std::size_t i = 0; i < labels.size(); ++i)
        if ((trainRows[i] || testRows[i]) && labels[i] < 0) ++report.unlabelledRows;
    report.standardized = options.standardize;
    report.C = options.C;
    report.converged = model.converged;
    report.iterations = model.iterations;
    return report;
}

}  // namespace hescape
