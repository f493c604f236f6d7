// Normalisation uses each spot's library size over all genes, so the
// selection of genes does not change the scale of a spot's values.
#include "core/engine/ExpressionPreprocessing.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace hescape {

namespace {

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    double m = *mid;
    if (v.size() % 2 == 0) m = (m + *std::max_element(v.begin(), mid)) / 2.0;
    return m;
}

// Library sizes of the spots that pass the filter.
std::vector<double> keptLibraries(const SpatialDataset& ds, double minCounts) {
    std::vector<double> out;
    for (const double l : ds.expression.rowSums())
        if (passesCountFilter(l, minCounts)) out.push_back(l);
    return out;
}


std::int64_t geneColumn(const SpatialDataset& ds, const std::string& gene) {
    const auto idx = ds.geneIndex(gene);
    if (!idx) throw DatasetError(ds.source + ": gene " + gene + " is not in the data set");
    return *idx;
}

// Column g of the [rows, cols] output: count * target / library, log1p (0 for
// an empty spot), then, with `standardise`, z-scored over the rows (a
// constant column becomes 0). The one arithmetic of both feature paths.
template <typename Count, typename Library>
void fillColumn(std::vector<float>& out, std::size_t cols, std::size_t g, std::size_t rows, Count count, Library library, double target,
                bool standardise) {
    double s = 0, s2 = 0;
    for (std::size_t r = 0; r < rows; ++r) {
        const double lib = library(r);
        const double v = lib > 0 ? std::log1p(count(r) * target / lib) : 0.0;
        out[r * cols + g] = static_cast<float>(v);
        s += v;
        s2 += v * v;
    }
    if (!standardise || rows == 0) return;
    const double n = static_cast<double>(rows), mean = s / n;
    const double sd = std::sqrt(std::max(0.0, s2 / n - mean * mean));
    for (std::size_t r = 0; r < rows; ++r) out[r * cols + g] = sd > 1e-12 ? static_cast<float>((out[r * cols + g] - mean) / sd) : 0.f;
}

}  // namespace

double normalisationTarget(const std::vector<const SpatialDataset*>& training, const ExpressionOptions& options) {
    switch (options.target) {
        case ExpressionOptions::Target::TenThousand: return 1e4;
        case ExpressionOptions::Target::SectionMedian: return 0;
        case ExpressionOptions::Target::TrainingMedian: break;
    }
    std::vector<double> all;
    for (const auto* ds : training) {
        const auto libs = keptLibraries(*ds, options.minCounts);
        all.insert(all.end(), libs.begin(), libs.end());
    }
    const double m = median(std::move(all));
    if (!(m > 0)) throw DatasetError("no training spot has at least min_counts (" + std::to_string(options.minCounts) + ") counts");
    return m;
}

std::vector<std::int64_t> observationsWithCounts(const SpatialDataset& ds, double minCounts) {
    std::vector<std::int64_t> out;
    const auto libs = ds.expression.rowSums();
    for (std::size_t i = 0; i < libs.size(); ++i)
        if (passesCountFilter(libs[i], minCounts)) out.push_back(static_cast<std::int64_t>(i));
    return out;
}

std::vector<std::string> selectGenes(const std::vector<const SpatialDataset*>& training, const std::vector<const SpatialDataset*>& all,
                                     const ExpressionOptions& options, double target) {
    if (training.empty() || all.empty()) throw DatasetError("no data sets to select genes from");
    if (!options.genes.empty()) {
        for (const auto* ds : all)
            for (const auto& g : options.genes)
                if (!ds->geneIndex(g)) throw DatasetError(ds->source + ": gene " + g + " is not in the data set");
        return options.genes;
    }
    // Genes every data set has, in the first training data set's order.
    std::vector<std::string> shared;
    for (const auto& g : training.front()->geneNames) {
        const bool everywhere = std::all_of(all.begin(), all.end(), [&](const SpatialDataset* ds) { return ds->geneIndex(g).has_value(); });
        if (everywhere) shared.push_back(g);
    }
    if (shared.empty()) throw DatasetError(training.front()->source + ": no gene is shared by all data sets");
    if (options.highlyVariable <= 0 || options.highlyVariable >= static_cast<int>(shared.size())) return shared;

    // Variance of log-normalised values over the training spots that pass the filter.
    std::vector<double> sum(shared.size(), 0.0), sq(shared.size(), 0.0);
    double n = 0;
    for (const auto* ds : training) {
        const auto rows = observationsWithCounts(*ds, options.minCounts);
        const auto values = expressionFeatures(*ds, rows, shared, target);
        for (std::size_t r = 0; r < rows.size(); ++r)
            for (std::size_t g = 0; g < shared.size(); ++g) {
                const double v = values[r * shared.size() + g];
                sum[g] += v;
                sq[g] += v * v;
            }
        n += static_cast<double>(rows.size());
    }
    if (n == 0) throw DatasetError(training.front()->source + ": no training spot has at least min_counts counts");
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

SpotCounts spotCounts(const SpatialDataset& ds, const std::vector<std::int64_t>& observations, const std::vector<std::string>& genes) {
    const auto libs = ds.expression.rowSums();
    SpotCounts out;
    out.genes = genes.size();
    out.counts.resize(observations.size() * genes.size());
    out.library.reserve(observations.size());
    for (const auto obs : observations) out.library.push_back(libs[static_cast<std::size_t>(obs)]);
    for (std::size_t g = 0; g < genes.size(); ++g) {
        const auto col = ds.expression.column(geneColumn(ds, genes[g]));
        for (std::size_t r = 0; r < observations.size(); ++r) out.counts[r * genes.size() + g] = col[static_cast<std::size_t>(observations[r])];
    }
    return out;
}

std::vector<float> normalisedFeatures(const SpotCounts& counts, double target, bool standardise) {
    std::vector<float> out(counts.spots() * counts.genes);
    for (std::size_t g = 0; g < counts.genes; ++g) {
        fillColumn(out, counts.genes, g, counts.spots(), [&](std::size_t r) { return counts.counts[r * counts.genes + g]; },
                   [&](std::size_t r) { return counts.library[r]; }, target, standardise);
    }
    return out;
}

double medianLibrary(const std::vector<double>& libraries) {
    std::vector<double> positive;
    for (const double l : libraries)
        if (l > 0) positive.push_back(l);
    return median(std::move(positive));
}

double targetSum(const std::vector<double>& libraries, double target) {
    if (target > 0) return target;
    const double m = medianLibrary(libraries);
    return m > 0 ? m : 1e4;
}

// One pass per gene over the data set's column, no spots x genes copy of the
// counts (selectGenes calls this with every shared gene).
std::vector<float> expressionFeatures(const SpatialDataset& ds, const std::vector<std::int64_t>& observations,
                                      const std::vector<std::string>& genes, double target, bool standardise) {
    const auto libs = ds.expression.rowSums();
    const double t = targetSum(libs, target);
    std::vector<float> out(observations.size() * genes.size());
    for (std::size_t g = 0; g < genes.size(); ++g) {
        const auto col = ds.expression.column(geneColumn(ds, genes[g]));
        const auto spot = [&](std::size_t r) { return static_cast<std::size_t>(observations[r]); };
        fillColumn(out, genes.size(), g, observations.size(), [&](std::size_t r) { return static_cast<double>(col[spot(r)]); },
                   [&](std::size_t r) { return libs[spot(r)]; }, t, standardise);
    }
    return out;
}

}  // namespace hescape
