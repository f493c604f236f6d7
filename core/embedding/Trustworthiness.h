// Trustworthiness of a low-dimensional layout: how far the layout's nearest
// neighbours are from being the data's nearest neighbours (1 = every layout
// neighbour is among the k nearest in the data). Same definition as
// sklearn.manifold.trustworthiness (Venna & Kaski), euclidean in both spaces.
#pragma once

#include "core/common/Progress.h"

#include <cstdint>
#include <vector>

namespace hescape {

// `high` is n x highDim and `low` n x lowDim, both row-major. Needs
// 1 <= k < n / 2 (sklearn's condition) and finite values; throws
// std::invalid_argument otherwise. O(n^2 (highDim + lowDim)) time and
// O(n (highDim + lowDim + k)) memory; `threads` <= 0 uses the thread budget (Progress::report
// is then called from those threads, one call at a time). Distance ties
// rank by index (sklearn's argsort leaves them in unspecified order).
double trustworthiness(const std::vector<float>& high, std::int64_t highDim, const std::vector<float>& low,
                       std::int64_t lowDim, int k = 5, int threads = 0, const Progress& progress = {});

}  // namespace hescape
