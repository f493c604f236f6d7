// Normalisation uses each data set's own library sizes (all genes), so the
// selection of genes does not change the scale of a spot's values.
#include "core/engine/ExpressionPreprocessing.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_set>

namespace hescape {

namespace {

double targetSum(const std::vector<double>& libraries, ExpressionOptions::Target target) {
    if (target == ExpressionOptions::Target::TenThousand || libraries.empty()) return 1e4;
    std::vector<double> v = libraries;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    double median = v[v.size() / 2];
    if (v.size() % 2 == 0) {
        median = (median + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2))) / 2.0;
    }
    return median > 0 ? median : 1e4;
}

}  // namespace

std::vector<std::string> selectGenes(const std::vector<const SpatialDataset*>& datasets, const ExpressionOptions& options) {
    if (datasets.empty()) throw DatasetError("no data sets to select genes from");
    if (!options.genes.empty()) {
        for (const auto* ds : datasets)
            for (const auto& g : options.genes)
                if (!ds->geneIndex(g)) throw DatasetError(ds->source + ": gene " + g + " is not in the data set");
        return options.genes;
    }
    // Genes every data set has, in the first data set's order.
    std::vector<std::string> shared;
    for (const auto& g : datasets.front()->geneNames) {
        bool everywhere = true;
        for (std::size_t k = 1; k < datasets.size() && everywhere; ++k) everywhere = datasets[k]->geneIndex(g).has_value();
        if (everywhere) shared.push_back(g);
    }
    if (shared.empty()) throw DatasetError(datasets.front()->source + ": no gene is shared by all data sets");
    if (options.highlyVariable <= 0 || options.highlyVariable >= static_cast<int>(shared.size())) return shared;

    // Variance of log-normalised values over all observations of all data sets.
    std::vector<double> sum(shared.size(), 0.0), sq(shared.size(), 0.0);
    double n = 0;
    for (const auto* ds : datasets) {
        const auto libs = ds->expression.rowSums();
        const double t = targetSum(libs, options.target);
        for (std::size_t g = 0; g < shared.size(); ++g) {
            const auto col = ds->expression.column(*ds->geneIndex(shared[g]));
            for (std::size_t i = 0; i < col.size(); ++i) {
                const double v = libs[i] > 0 ? std::log1p(col[i] * t / libs[i]) : 0.0;
                sum[g] += v;
                sq[g] += v * v;
            }
        }
        n += static_cast<double>(ds->observationCount());
    }
    std::vector<std::size_t> order(shared.size());
    std::iota(order.begin(), order.end(), 0);
    auto variance = [&](std::size_t g) { return sq[g] / n - (sum[g] / n) * (sum[g] / n); };
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return variance(a) > variance(b); });
    order.resize(static_cast<std::size_t>(options.highlyVariable));
    std::sort(order.begin(), order.end());  // keep the data set's gene order
    std::vector<std::string> out;
    for (const auto g : order) out.push_back(shared[g]);
    return out;
}

std::vector<float> expressionFeatures(const SpatialDataset& ds, const std::vector<std::int64_t>& observations,
                                      const std::vector<std::string>& genes, ExpressionOptions::Target target) {
    const auto libs = ds.expression.rowSums();
    const double t = targetSum(libs, target);
    std::vector<float> out(observations.size() * genes.size());
    for (std::size_t g = 0; g < genes.size(); ++g) {
        const auto idx = ds.geneIndex(genes[g]);
        if (!idx) throw DatasetError(ds.source + ": gene " + genes[g] + " is not in the data set");
        const auto col = ds.expression.column(*idx);
        for (std::size_t r = 0; r < observations.size(); ++r) {
            const auto i = static_cast<std::size_t>(observations[r]);
            out[r * genes.size() + g] = libs[i] > 0 ? static_cast<float>(std::log1p(col[i] * t / libs[i])) : 0.0f;
        }
    }
    return out;
}

}  // namespace hescape
