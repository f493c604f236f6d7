// Least squares via the 3x3 normal equations, solved for the x and y rows
// separately (they share the same design matrix [x y 1]).
#include "core/spatial/LandmarkRegistration.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

namespace hescape {

namespace {

// Solves A v = b for a symmetric 3x3 A by Gaussian elimination with pivoting.
std::array<double, 3> solve3(std::array<std::array<double, 3>, 3> a, std::array<double, 3> b) {
    for (int c = 0; c < 3; ++c) {
        int pivot = c;
        for (int r = c + 1; r < 3; ++r)
            if (std::abs(a[r][c]) > std::abs(a[pivot][c])) pivot = r;
        std::swap(a[c], a[pivot]);
        std::swap(b[c], b[pivot]);
        if (std::abs(a[c][c]) < 1e-12) throw std::invalid_argument("landmarks are collinear: an affine map is not determined");
        for (int r = c + 1; r < 3; ++r) {
            const double f = a[r][c] / a[c][c];
            for (int k = c; k < 3; ++k) a[r][k] -= f * a[c][k];
            b[r] -= f * b[c];
        }
    }
    std::array<double, 3> x{};
    for (int r = 2; r >= 0; --r) {
        double s = b[r];
        for (int k = r + 1; k < 3; ++k) s -= a[r][k] * x[k];
        x[r] = s / a[r][r];
    }
    return x;
}

}  // namespace

AffineFit fitAffine(const std::vector<LandmarkPair>& pairs) {
    if (pairs.size() < 3) throw std::invalid_argument("at least 3 landmark pairs are needed, got " + std::to_string(pairs.size()));
    // Centre and scale the data-set points so the normal equations stay well conditioned.
    double mx = 0, my = 0;
    for (const auto& p : pairs) {
        mx += p.dataset.x;
        my += p.dataset.y;
    }
    mx /= static_cast<double>(pairs.size());
    my /= static_cast<double>(pairs.size());
    double scale = 0;
    for (const auto& p : pairs) scale = std::max({scale, std::abs(p.dataset.x - mx), std::abs(p.dataset.y - my)});
    if (!(scale > 0)) throw std::invalid_argument("landmarks coincide: an affine map is not determined");
    std::array<std::array<double, 3>, 3> ata{};
    std::array<double, 3> atx{}, aty{};
    for (const auto& p : pairs) {
        const std::array<double, 3> row{(p.dataset.x - mx) / scale, (p.dataset.y - my) / scale, 1.0};
        for (int i = 0; i < 3; ++i) {
            for (int j = 0; j < 3; ++j) ata[i][j] += row[i] * row[j];
            atx[i] += row[i] * p.slide.x;
            aty[i] += row[i] * p.slide.y;
        }
    }
    const auto rx = solve3(ata, atx), ry = solve3(ata, aty);
    // Undo the normalisation: u = (x - mx) / s.
    AffineFit fit;
    fit.transform.m = {rx[0] / scale, rx[1] / scale, rx[2] - (rx[0] * mx + rx[1] * my) / scale,
                       ry[0] / scale, ry[1] / scale, ry[2] - (ry[0] * mx + ry[1] * my) / scale};
    double sq = 0;
    for (const auto& p : pairs) {
        double x = 0, y = 0;
        fit.transform.apply(p.dataset.x, p.dataset.y, x, y);
        sq += (x - p.slide.x) * (x - p.slide.x) + (y - p.slide.y) * (y - p.slide.y);
    }
    fit.rmsError = std::sqrt(sq / static_cast<double>(pairs.size()));
    return fit;
}

}  // namespace hescape
