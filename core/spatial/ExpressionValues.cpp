// Display normalisations, gene-set scores and obs columns for colouring spots.
#include "core/spatial/ExpressionValues.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace hescape {

std::string normalisationName(Normalisation n) {
    switch (n) {
        case Normalisation::Raw: return "raw";
        case Normalisation::Log1p: return "log1p";
        case Normalisation::CountsPer10kLog1p: return "counts per 10k + log1p";
    }
    return "raw";
}

std::vector<float> geneValues(const SpatialDataset& ds, std::int64_t gene, Normalisation n,
                              const std::vector<double>& librarySizes) {
    std::vector<float> v = ds.expression.column(gene);
    if (n == Normalisation::Log1p) {
        for (auto& x : v) x = std::log1p(x);
    } else if (n == Normalisation::CountsPer10kLog1p) {
        for (std::size_t i = 0; i < v.size(); ++i) {
            const double lib = i < librarySizes.size() ? librarySizes[i] : 0.0;
            v[i] = lib > 0 ? static_cast<float>(std::log1p(v[i] * 1e4 / lib)) : 0.0f;
        }
    }
    return v;
}

std::vector<float> geneSetScore(const SpatialDataset& ds, const std::vector<std::string>& genes, Normalisation n,
                                const std::vector<double>& librarySizes) {
    std::vector<std::int64_t> idx;
    std::string missing;
    for (const auto& g : genes) {
        if (const auto i = ds.geneIndex(g)) idx.push_back(*i);
        else missing += (missing.empty() ? "" : ", ") + g;
    }
    if (!missing.empty()) throw DatasetError(ds.source + ": gene(s) not in the data set: " + missing);
    std::vector<double> score(static_cast<std::size_t>(ds.observationCount()), 0.0);
    for (const auto g : idx) {
        const auto v = geneValues(ds, g, n, librarySizes);
        double mean = 0, sq = 0;
        for (const float x : v) mean += x;
        mean /= static_cast<double>(v.size());
        for (const float x : v) sq += (x - mean) * (x - mean);
        const double sd = std::sqrt(sq / static_cast<double>(v.size()));
        if (sd > 0)
            for (std::size_t i = 0; i < v.size(); ++i) score[i] += (v[i] - mean) / sd;
    }
    std::vector<float> out(score.size());
    for (std::size_t i = 0; i < score.size(); ++i) out[i] = static_cast<float>(idx.empty() ? 0.0 : score[i] / idx.size());
    return out;
}

ColouringValues obsColumnValues(const ObsColumn& column) {
    ColouringValues out;
    out.values.resize(column.size());
    switch (column.kind) {
        case ObsColumn::Kind::Numeric:
            std::transform(column.numbers.begin(), column.numbers.end(), out.values.begin(),
                           [](double v) { return static_cast<float>(v); });
            break;
        case ObsColumn::Kind::Categorical:
            out.categories = column.categories;
            std::transform(column.codes.begin(), column.codes.end(), out.values.begin(), [](std::int32_t c) {
                return c < 0 ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(c);
            });
            break;
        case ObsColumn::Kind::String: {
            std::map<std::string, int> codes;
            for (const auto& s : column.strings) codes.emplace(s, 0);
            int next = 0;
            for (auto& [name, code] : codes) {
                code = next++;
                out.categories.push_back(name);
            }
            for (std::size_t i = 0; i < out.values.size(); ++i) out.values[i] = static_cast<float>(codes[column.strings[i]]);
            break;
        }
    }
    return out;
}

ColouringValues colouringValues(const SpatialDataset& ds, const ColouringRequest& request, const std::vector<double>& librarySizes) {
    if (!request.byGene) {
        const ObsColumn* column = ds.obsColumn(request.annotation);
        if (!column) throw DatasetError("obs column " + request.annotation + " is not in " + ds.source);
        return obsColumnValues(*column);
    }
    if (request.genes.empty()) throw DatasetError("no gene to colour by");
    ColouringValues out;
    if (request.genes.size() == 1) {
        const auto gene = ds.geneIndex(request.genes[0]);
        if (!gene) throw DatasetError("gene " + request.genes[0] + " is not in " + ds.source);
        out.values = geneValues(ds, *gene, request.normalisation, librarySizes);
    } else {
        out.values = geneSetScore(ds, request.genes, request.normalisation, librarySizes);
    }
    return out;
}

std::vector<double> percentiles(std::vector<float> values, const std::vector<double>& ps) {
    values.erase(std::remove_if(values.begin(), values.end(), [](float x) { return std::isnan(x); }), values.end());
    std::vector<double> out(ps.size(), 0.0);
    if (values.empty()) return out;
    std::sort(values.begin(), values.end());
    for (std::size_t k = 0; k < ps.size(); ++k) {
        const double pos = std::clamp(ps[k], 0.0, 100.0) / 100.0 * static_cast<double>(values.size() - 1);
        const auto lo = static_cast<std::size_t>(std::floor(pos));
        const auto hi = std::min(lo + 1, values.size() - 1);
        out[k] = values[lo] + (pos - static_cast<double>(lo)) * (values[hi] - values[lo]);
    }
    return out;
}

double percentile(std::vector<float> values, double p) { return percentiles(std::move(values), {p}).front(); }

}  // namespace hescape
