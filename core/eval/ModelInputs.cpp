// ModelInputs: the shared pieces of ExpressionPrediction and LabelProbe.
#include "core/eval/ModelInputs.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace hescape {

void requireMask(const std::vector<bool>& mask, std::int64_t rows, const char* name) {
    if (static_cast<std::int64_t>(mask.size()) != rows)
        throw std::invalid_argument(std::string(name) + ": " + std::to_string(mask.size()) + " entries for " +
                                    std::to_string(rows) + " rows");
}

void requireFiniteRows(EmbeddingView m, const std::vector<std::int64_t>& rows, const char* name) {
    for (const std::int64_t r : rows) {
        const float* p = m.row(r);
        for (std::int64_t j = 0; j < m.dim; ++j)
            if (!std::isfinite(p[j]))
                throw std::invalid_argument(std::string(name) + ": row " + std::to_string(r) + ", column " +
                                            std::to_string(j) + " is not a finite number");
    }
}

void columnMoments(EmbeddingView m, const std::vector<std::int64_t>& rows, std::vector<double>& mean, std::vector<double>& var) {
    const auto d = static_cast<std::size_t>(m.dim);
    mean.assign(d, 0.0);
    var.assign(d, 0.0);
    for (const std::int64_t r : rows) {
        const float* p = m.row(r);
        for (std::size_t j = 0; j < d; ++j) mean[j] += p[j];
    }
    const auto n = static_cast<double>(rows.size());
    for (double& v : mean) v /= n;
    for (const std::int64_t r : rows) {
        const float* p = m.row(r);
        for (std::size_t j = 0; j < d; ++j) {
            const double c = p[j] - mean[j];
            var[j] += c * c;
        }
    }
    for (double& v : var) v /= n;
}

std::vector<double> standardScale(const std::vector<double>& mean, const std::vector<double>& var, std::size_t n) {
    const double nd = static_cast<double>(n);
    const double eps = std::numeric_limits<double>::epsilon();
    std::vector<double> scale(mean.size(), 1.0);
    for (std::size_t j = 0; j < mean.size(); ++j) {
        const double bound = nd * eps * var[j] + (nd * mean[j] * eps) * (nd * mean[j] * eps);
        if (var[j] > bound) scale[j] = std::sqrt(var[j]);
    }
    return scale;
}

double dot(const double* a, const double* b, std::size_t n) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; ++i) s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

}  // namespace hescape
