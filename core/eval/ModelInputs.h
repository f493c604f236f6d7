// What the linear models fitted on embeddings (ridge expression prediction,
// the logistic label probe) share: input checks with messages naming the
// argument, sklearn StandardScaler's statistics, and the unrolled dot
// product their fits spend their time in. All arithmetic in double.
#pragma once

#include "core/common/EmbeddingView.h"

#include <cstdint>
#include <vector>

namespace hescape {

// Throws std::invalid_argument "NAME: N entries for R rows".
void requireMask(const std::vector<bool>& mask, std::int64_t rows, const char* name);
// Throws std::invalid_argument "NAME: row R, column C is not a finite number".
void requireFiniteRows(EmbeddingView m, const std::vector<std::int64_t>& rows, const char* name);

// Per-column mean and population variance over the given rows (two passes,
// as numpy / StandardScaler compute them).
void columnMoments(EmbeddingView m, const std::vector<std::int64_t>& rows, std::vector<double>& mean, std::vector<double>& var);
// StandardScaler's scale: the standard deviation, except 1 for features it
// deems constant (variance within the rounding error of a two-pass
// computation over n rows, sklearn's _is_constant_feature).
std::vector<double> standardScale(const std::vector<double>& mean, const std::vector<double>& var, std::size_t n);

// Four independent partial sums: strict IEEE order forbids the compiler to
// vectorise one running sum, and the dot products are the fits' whole cost.
double dot(const double* a, const double* b, std::size_t n);

}  // namespace hescape
