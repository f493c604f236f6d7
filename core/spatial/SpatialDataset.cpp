// SpatialDataset helpers: lookups, text of obs values, and cross-checking
// that every per-observation array has the same length.
#include "core/spatial/SpatialDataset.h"

#include <string_view>
#include <unordered_map>

#include <cmath>
#include <filesystem>
#include <sstream>

namespace hescape {

std::string imagePathKey(const std::string& path) {
    std::string s = std::filesystem::absolute(path).lexically_normal().string();
    while (s.size() > 1 && s.back() == '/') s.pop_back();
    return s;
}

double AffineTransform::meanScale() const {
    return std::sqrt(std::abs(m[0] * m[4] - m[1] * m[3]));
}

AffineTransform AffineTransform::inverse() const {
    const double det = m[0] * m[4] - m[1] * m[3];
    if (!(std::abs(det) > 1e-300) || !std::isfinite(det)) throw std::domain_error("affine transform is not invertible");
    const double a = m[4] / det, b = -m[1] / det, d = -m[3] / det, e = m[0] / det;
    return {{a, b, -(a * m[2] + b * m[5]), d, e, -(d * m[2] + e * m[5])}};
}

std::size_t ObsColumn::size() const {
    switch (kind) {
        case Kind::Numeric: return numbers.size();
        case Kind::String: return strings.size();
        case Kind::Categorical: return codes.size();
    }
    return 0;
}

std::string ObsColumn::text(std::size_t i) const {
    switch (kind) {
        case Kind::Numeric: {
            if (std::isnan(numbers[i])) return {};
            std::ostringstream s;
            s << numbers[i];
            return s.str();
        }
        case Kind::String: return strings[i];
        case Kind::Categorical:
            return codes[i] < 0 ? std::string() : categories[static_cast<std::size_t>(codes[i])];
    }
    return {};
}

std::optional<std::int64_t> SpatialDataset::geneIndex(const std::string& nameOrId) const {
    if (geneLookup_.empty()) {
        for (std::size_t i = 0; i < geneNames.size(); ++i) geneLookup_.emplace(geneNames[i], static_cast<std::int64_t>(i));
        for (std::size_t i = 0; i < geneIds.size(); ++i) geneLookup_.emplace(geneIds[i], static_cast<std::int64_t>(i));
    }
    const auto it = geneLookup_.find(nameOrId);
    if (it == geneLookup_.end()) return std::nullopt;
    return it->second;
}

const ObsColumn* SpatialDataset::obsColumn(const std::string& name) const {
    for (const auto& c : obs)
        if (c.name == name) return &c;
    return nullptr;
}

void SpatialDataset::validate() const {
    const auto n = static_cast<std::size_t>(observationCount());
    auto fail = [&](const std::string& field, std::size_t got, std::size_t want) {
        throw DatasetError(source + ": " + field + " has " + std::to_string(got) + " entries, expected " +
                           std::to_string(want));
    };
    if (static_cast<std::size_t>(expression.rows()) != n) fail("X (rows)", static_cast<std::size_t>(expression.rows()), n);
    if (static_cast<std::size_t>(expression.cols()) != geneNames.size()) {
        fail("X (columns)", static_cast<std::size_t>(expression.cols()), geneNames.size());
    }
    if (!geneIds.empty() && geneIds.size() != geneNames.size()) fail("gene ids", geneIds.size(), geneNames.size());
    if (!coordinates.empty() && coordinates.size() != n) fail("coordinates", coordinates.size(), n);
    for (const auto& c : obs)
        if (c.size() != n) fail("obs/" + c.name, c.size(), n);
    for (const auto& [name, e] : obsm)
        if (static_cast<std::size_t>(e.rows) != n) fail("obsm/" + name, static_cast<std::size_t>(e.rows), n);
    // NaN or infinite expression would colour, normalise and train as if it were data.
    const auto checkFinite = [&](const ExpressionMatrix& m, const std::string& field) {
        const ExpressionMatrix::ValueSummary v = m.summariseValues();
        if (v.nonFinite == 0) return;
        const auto r = static_cast<std::size_t>(v.nonFiniteRow), c = static_cast<std::size_t>(v.nonFiniteCol);
        throw DatasetError(source + ": " + field + " holds " + std::to_string(v.nonFinite) + " NaN or infinite value" + (v.nonFinite > 1 ? "s" : "") +
                           ", the first at observation " + std::to_string(r) + (r < obsNames.size() ? " ('" + obsNames[r] + "')" : std::string()) +
                           ", gene " + std::to_string(c) + (c < geneNames.size() ? " ('" + geneNames[c] + "')" : std::string()) +
                           "; expression must be finite");
    };
    checkFinite(expression, "X");
    if (rawCounts) checkFinite(*rawCounts, "layers/counts");
    // Observations are matched to runs and sessions by name: two with one name would be confused.
    std::unordered_map<std::string_view, std::size_t> seen;
    seen.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto [at, fresh] = seen.emplace(obsNames[i], i);
        if (!fresh) {
            throw DatasetError(source + ": observation names are not unique: '" + obsNames[i] + "' is observation " + std::to_string(at->second) +
                               " and " + std::to_string(i) + " (make them unique, e.g. anndata's obs_names_make_unique())");
        }
    }
    for (std::size_t i = 0; i < coordinates.size(); ++i) {
        if (!std::isfinite(coordinates[i].x) || !std::isfinite(coordinates[i].y)) {
            throw DatasetError(source + ": coordinates of observation " + std::to_string(i) +
                               (i < obsNames.size() ? " ('" + obsNames[i] + "')" : std::string()) +
                               " are not finite (NaN or infinite)");
        }
    }
}

}  // namespace hescape
