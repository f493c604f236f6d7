// MethodComparison: one evaluation per run, then plain summaries.
#include "core/eval/MethodComparison.h"

#include "core/eval/EvaluationJob.h"
#include "core/eval/SimilarityMaps.h"
#include "core/io/Hdf5File.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <filesystem>
#include <limits>
#include <map>

namespace hescape {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string methodOf(const Hdf5File& f) {
    if (const auto m = f.attributeString("/", "method"); m && !m->empty()) return *m;
    const std::string config = f.attributeString("/", "config_path").value_or(std::string());
    return config.empty() ? std::filesystem::path(f.path()).stem().string() : std::filesystem::path(config).stem().string();
}

// Whole-set recall@5 both ways on the validation split (NaN when it has none).
std::pair<double, double> withinDonorRecall(const Hdf5File& f) {
    const auto splits = f.children("/embeddings");
    if (std::find(splits.begin(), splits.end(), "validation") == splits.end()) return {kNaN, kNaN};
    const EmbeddingPair p = readEmbeddingPair(f, "validation");
    if (p.rows < 2) return {kNaN, kNaN};
    const RetrievalReport r = wholeSetRetrieval(EmbeddingView(p.image, p.dim), EmbeddingView(p.gene, p.dim));
    return {r.imageToGene.recallAt5, r.geneToImage.recallAt5};
}

std::vector<double> runValues(const Hdf5File& f, const RunEvaluation& e, bool& donorSafe, double& pI2g, double& pG2i) {
    donorSafe = !f.hasAttribute("/", "donor_safe") || f.attributeInt64("/", "donor_safe").at(0) != 0;
    pI2g = e.imageToGeneP.available ? e.imageToGeneP.pValue : kNaN;
    pG2i = e.geneToImageP.available ? e.geneToImageP.pValue : kNaN;
    const auto [vI2g, vG2i] = withinDonorRecall(f);
    const BatchResult& d = e.donorBatches;
    const auto batch = [&](const BatchEffectReport& r, int which) {
        if (!d.available) return kNaN;
        return which == 0 ? r.ilisi.median : which == 1 ? r.batchSilhouette.score : r.knn.balancedAccuracy;
    };
    const auto pred = [&](bool trained) {
        if (!e.prediction.available) return kNaN;
        return trained ? e.prediction.trained.meanPearson : e.prediction.untrained.meanPearson;
    };
    return {e.whole.imageToGene.recallAt5, e.whole.geneToImage.recallAt5, e.whole.imageToGene.chanceAt5, vI2g, vG2i,
            batch(d.image, 0), batch(d.gene, 0), batch(d.image, 1), batch(d.gene, 1), batch(d.image, 2), batch(d.gene, 2),
            pred(true), pred(false)};
}

}  // namespace

const std::vector<std::string>& comparisonMetricNames() {
    static const std::vector<std::string> names = {
        "held-out R@5 image->gene", "held-out R@5 gene->image", "chance@5",
        "within-donor R@5 image->gene", "within-donor R@5 gene->image",
        "donor iLISI image", "donor iLISI gene", "donor ASW image", "donor ASW gene",
        "donor kNN acc image", "donor kNN acc gene", "ridge r trained", "ridge r untrained"};
    return names;
}

MetricSummary summarise(const std::vector<double>& values) {
    MetricSummary s;
    double sum = 0;
    for (const double v : values)
        if (std::isfinite(v)) {
            sum += v;
            ++s.runs;
        }
    if (s.runs == 0) return {kNaN, kNaN, 0};
    s.mean = sum / s.runs;
    double sq = 0;
    for (const double v : values)
        if (std::isfinite(v)) sq += (v - s.mean) * (v - s.mean);
    s.sd = s.runs > 1 ? std::sqrt(sq / (s.runs - 1)) : kNaN;
    return s;
}

std::vector<MethodRow> compareMethods(const std::vector<std::string>& runFiles, const Progress& progress) {
    std::vector<RunEvaluation> evaluations;
    for (std::size_t k = 0; k < runFiles.size(); ++k) {
        progress.throwIfCancelled();
        progress.update(static_cast<double>(k) / static_cast<double>(runFiles.size()), "evaluating " + runFiles[k]);
        evaluations.push_back(evaluateRunFile(runFiles[k], "test"));
    }
    auto rows = compareEvaluatedMethods(runFiles, evaluations);
    progress.update(1.0, "compared");
    return rows;
}

std::vector<MethodRow> compareEvaluatedMethods(const std::vector<std::string>& runFiles, const std::vector<RunEvaluation>& evaluations) {
    if (evaluations.size() != runFiles.size()) throw std::invalid_argument("compareEvaluatedMethods: one evaluation per run file");
    std::vector<MethodRow> rows;
    std::map<std::string, std::vector<std::vector<double>>> values;  // method -> per run
    for (std::size_t k = 0; k < runFiles.size(); ++k) {
        const Hdf5File f(runFiles[k]);
        const std::string method = methodOf(f);
        const std::uint64_t seed = f.hasAttribute("/", "seed") ? static_cast<std::uint64_t>(f.attributeInt64("/", "seed").at(0)) : 0;
        auto it = std::find_if(rows.begin(), rows.end(), [&](const MethodRow& r) { return r.method == method; });
        if (it == rows.end()) it = rows.insert(rows.end(), MethodRow{method, {}, {}, true, {}, 0, 0});
        bool donorSafe = true;
        double pI2g = kNaN, pG2i = kNaN;
        values[method].push_back(runValues(f, evaluations[k], donorSafe, pI2g, pG2i));
        it->runFiles.push_back(runFiles[k]);
        it->seeds.push_back(seed);
        it->donorSafe = it->donorSafe && donorSafe;
        it->worstPValueImageToGene = std::max(it->worstPValueImageToGene, std::isfinite(pI2g) ? pI2g : 1.0);
        it->worstPValueGeneToImage = std::max(it->worstPValueGeneToImage, std::isfinite(pG2i) ? pG2i : 1.0);
    }
    for (auto& row : rows) {
        const auto& runs = values[row.method];
        for (std::size_t m = 0; m < comparisonMetricNames().size(); ++m) {
            std::vector<double> column;
            for (const auto& r : runs) column.push_back(r[m]);
            row.metrics.push_back(summarise(column));
        }
    }
    return rows;
}

std::string formatSummary(const MetricSummary& s, const std::string& plusMinus) {
    if (s.runs == 0) return "n/a";
    char buf[64];
    if (std::isfinite(s.sd)) std::snprintf(buf, sizeof buf, "%.3f%s%.3f", s.mean, plusMinus.c_str(), s.sd);
    else std::snprintf(buf, sizeof buf, "%.3f", s.mean);
    return buf;
}

}  // namespace hescape
