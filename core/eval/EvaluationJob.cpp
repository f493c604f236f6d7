// EvaluationJob: the computations `hescape eval` made inline, unchanged in
// what they compute; the command now only parses and prints.
#include "core/eval/EvaluationJob.h"

#include "core/eval/SimilarityMaps.h"
#include "core/io/Hdf5File.h"
#include "core/io/Hdf5Writer.h"
#include "core/spatial/AnnDataReader.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace hescape {

namespace {

std::string chooseSplit(const Hdf5File& f, std::string split) {
    if (!f.isGroup("/embeddings")) throw Hdf5Error(f.where("/embeddings") + "is missing (not a run or embeddings file)");
    const auto splits = f.children("/embeddings");
    if (split.empty()) {
        for (const char* s : {"test", "validation"})
            if (std::count(splits.begin(), splits.end(), s)) return s;
        if (!splits.empty()) return splits.front();
    }
    if (split.empty() || !std::count(splits.begin(), splits.end(), split)) {
        std::string have;
        for (const auto& s : splits) have += (have.empty() ? "" : ", ") + s;
        throw Hdf5Error(f.where("/embeddings/" + split) + "no such split (the file has: " + (have.empty() ? "none" : have) + ")");
    }
    return split;
}

void storeScores(Hdf5Writer& w, const std::string& group, const RetrievalScores& s) {
    w.createGroup(group);
    w.setAttribute(group, "recall_at_1", s.recallAt1);
    w.setAttribute(group, "recall_at_5", s.recallAt5);
    w.setAttribute(group, "recall_at_10", s.recallAt10);
    w.setAttribute(group, "chance_at_1", s.chanceAt1);
    w.setAttribute(group, "chance_at_5", s.chanceAt5);
    w.setAttribute(group, "chance_at_10", s.chanceAt10);
    w.setAttribute(group, "mean_rank", s.meanRank);
    w.setAttribute(group, "median_rank", s.medianRank);
    w.setAttribute(group, "queries", static_cast<double>(s.queries));
    w.setAttribute(group, "gallery", static_cast<double>(s.gallery));
}

void storePrediction(Hdf5Writer& w, const std::string& group, const PredictionResult& prediction) {
    if (!prediction.available) return;
    for (const auto& [name, rep] : {std::pair{"trained", &prediction.trained}, {"untrained", &prediction.untrained}}) {
        const std::string p = group + "/expression_prediction/" + name;
        w.writeStrings(p + "/gene", rep->genes);
        w.writeDoubles(p + "/pearson", rep->pearson);
        w.setAttribute(p, "mean_pearson", rep->meanPearson);
        w.setAttribute(p, "median_pearson", rep->medianPearson);
        w.setAttribute(p, "alpha", rep->alpha);
    }
}

void storeSignificance(Hdf5Writer& w, const std::string& group, const RecallSignificance& s) {
    if (!s.available) return;
    w.setAttribute(group, "p_value_recall_at_5", s.pValue);
    w.setAttribute(group, "null_mean_recall_at_5", s.nullMean);
    w.setAttribute(group, "permutations", static_cast<double>(s.permutations));
}

void storeBatches(Hdf5Writer& w, const BatchResult& batches, const std::string& key) {
    if (!batches.available) return;
    for (const auto& [name, rep] : {std::pair{"image", &batches.image}, {"gene", &batches.gene}}) {
        const std::string p = (key == "section" ? std::string("/eval/batch_effects/") : "/eval/batch_effects_by_" + key + "/") + name;
        w.createGroup(p);
        w.setAttribute(p, "batch_key", key);
        w.setAttribute(p, "silhouette_batch", rep->batchSilhouette.score);
        w.setAttribute(p, "ilisi_median", rep->ilisi.median);
        w.setAttribute(p, "ilisi_normalised", rep->ilisi.normalised);
        w.setAttribute(p, "knn_batch_accuracy", rep->knn.accuracy);
        w.setAttribute(p, "knn_batch_balanced_accuracy", rep->knn.balancedAccuracy);
    }
}

// Codes of an obs column (categorical, string or whole numbers) and the names of the codes.
std::pair<std::vector<int>, std::vector<std::string>> obsCodes(const SpatialDataset& ds, const std::string& name) {
    const ObsColumn* col = ds.obsColumn(name);
    if (!col) throw std::invalid_argument(ds.source + ": obs has no column '" + name + "'");
    std::vector<int> codes(col->size(), -1);
    std::vector<std::string> names;
    for (std::size_t i = 0; i < col->size(); ++i) {
        const std::string v = col->text(i);
        if (v.empty()) continue;  // missing
        auto it = std::find(names.begin(), names.end(), v);
        if (it == names.end()) it = names.insert(names.end(), v);
        codes[i] = static_cast<int>(it - names.begin());
    }
    return {codes, names};
}

const Embedding& obsmEmbedding(const SpatialDataset& ds, const std::string& path, const std::string& key) {
    const auto it = ds.obsm.find(key);
    if (it != ds.obsm.end()) return it->second;
    std::string have;
    for (const auto& [k, v] : ds.obsm) have += (have.empty() ? "" : ", ") + k;
    throw std::invalid_argument(path + ": obsm has no '" + key + "' (it has: " + (have.empty() ? "none" : have) + ")");
}

// The rows with finite image and gene embeddings (the app's export writes NaN for rows without).
std::vector<std::int64_t> finiteRows(const Embedding& im, const Embedding& ge) {
    std::vector<std::int64_t> keep;
    for (std::int64_t i = 0; i < im.rows; ++i) {
        bool finite = true;
        for (std::int64_t k = 0; k < im.dims && finite; ++k)
            finite = std::isfinite(im.values[static_cast<std::size_t>(i * im.dims + k)]) &&
                     std::isfinite(ge.values[static_cast<std::size_t>(i * im.dims + k)]);
        if (finite) keep.push_back(i);
    }
    return keep;
}

std::vector<float> rowsOf(const Embedding& e, const std::vector<std::int64_t>& rows) {
    std::vector<float> out;
    out.reserve(rows.size() * static_cast<std::size_t>(e.dims));
    for (const auto i : rows) out.insert(out.end(), e.values.begin() + i * e.dims, e.values.begin() + (i + 1) * e.dims);
    return out;
}

// The probe's train/test masks: rows of the test batches are tested, the others train it.
void probeLabel(const AnnDataEvalOptions& o, const std::string& path, EmbeddingView image, const std::vector<int>& batchCodes,
                const std::vector<int>& labelCodes, const std::vector<std::string>& labelNames, AnnDataEvaluation& out) {
    if (batchCodes.empty()) throw std::invalid_argument("--test-batches needs --batch-key");
    for (const auto& b : o.testBatches)
        if (std::find(out.batchNames.begin(), out.batchNames.end(), b) == out.batchNames.end())
            throw std::invalid_argument(path + ": obs '" + o.batchKey + "' has no value '" + b + "'");
    std::vector<bool> train(batchCodes.size()), test(batchCodes.size());
    for (std::size_t i = 0; i < batchCodes.size(); ++i) {
        const std::string& b = out.batchNames[static_cast<std::size_t>(batchCodes[i])];
        test[i] = std::find(o.testBatches.begin(), o.testBatches.end(), b) != o.testBatches.end();
        train[i] = !test[i];
    }
    const std::vector<std::int32_t> labels(labelCodes.begin(), labelCodes.end());
    out.probe = runLabelProbe(image, labels, labelNames, train, test);
}

}  // namespace

RunEvaluation evaluateRunFile(const std::string& path, const std::string& requestedSplit, const Progress& progress) {
    RunEvaluation e;
    const Hdf5File f(path);
    e.split = chooseSplit(f, requestedSplit);
    progress.update(0.0, "retrieval");
    const EmbeddingPair l = readEmbeddingPair(f, e.split);
    const EmbeddingView image(l.image, l.dim), gene(l.gene, l.dim);
    e.whole = wholeSetRetrieval(image, gene);
    e.inBatch = inBatchRetrieval(image, gene, 64);
    e.imageToGeneP = recallPermutationTest(image, gene, 5, 999, 0);
    e.geneToImageP = recallPermutationTest(gene, image, 5, 999, 0);
    e.alignment = pairCosine(image, gene);
    std::vector<float> sorted = e.alignment;
    std::sort(sorted.begin(), sorted.end());
    e.meanAlignment = std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(std::max<std::size_t>(1, sorted.size()));
    e.medianAlignment = sorted.empty() ? 0 : sorted[sorted.size() / 2];
    progress.throwIfCancelled();
    progress.update(0.3, "expression prediction");
    e.prediction = predictFromFile(f, e.split);
    progress.throwIfCancelled();
    progress.update(0.6, "batch effects");
    e.batches = batchEffectsFromFile(f, BatchKey::Section);
    progress.throwIfCancelled();
    e.donorBatches = batchEffectsFromFile(f, BatchKey::Donor);
    progress.update(1.0, "done");
    return e;
}

void storeRunEvaluation(const std::string& path, const RunEvaluation& e) {
    Hdf5Writer w(path, Hdf5Writer::Mode::Update);
    w.setChecksums(true);  // as the run file's own numbers (RunResultsFile)
    const std::string g = "/eval/" + e.split;
    storeScores(w, g + "/retrieval/whole/image_to_gene", e.whole.imageToGene);
    storeScores(w, g + "/retrieval/whole/gene_to_image", e.whole.geneToImage);
    storeSignificance(w, g + "/retrieval/whole/image_to_gene", e.imageToGeneP);
    storeSignificance(w, g + "/retrieval/whole/gene_to_image", e.geneToImageP);
    storeScores(w, g + "/retrieval/in_batch/image_to_gene", e.inBatch.imageToGene);
    storeScores(w, g + "/retrieval/in_batch/gene_to_image", e.inBatch.geneToImage);
    w.writeFloats(g + "/alignment", e.alignment.data(), {static_cast<std::int64_t>(e.alignment.size())});
    w.setAttribute(g, "mean_alignment", e.meanAlignment);
    storePrediction(w, g, e.prediction);
    storeBatches(w, e.batches, "section");
    storeBatches(w, e.donorBatches, "donor");
    w.commit();
}

AnnDataEvaluation evaluateAnnDataFile(const std::string& path, const AnnDataEvalOptions& o, const Progress& progress) {
    const SpatialDataset ds = readAnnData(path);
    const Embedding& im = obsmEmbedding(ds, path, o.imageKey);
    const Embedding& ge = obsmEmbedding(ds, path, o.geneKey);
    if (im.rows != ge.rows || im.dims != ge.dims)
        throw std::invalid_argument(path + ": obsm '" + o.imageKey + "' and '" + o.geneKey + "' differ in shape");
    const std::vector<std::int64_t> keep = finiteRows(im, ge);
    if (keep.size() < 2) throw std::invalid_argument(path + ": fewer than two observations have finite embeddings");
    const std::vector<float> image = rowsOf(im, keep), gene = rowsOf(ge, keep);
    const EmbeddingView iv(image, im.dims), gv(gene, im.dims);
    AnnDataEvaluation out;
    out.pairs = keep.size();
    progress.update(0.0, "retrieval");
    out.whole = wholeSetRetrieval(iv, gv);
    out.inBatch = inBatchRetrieval(iv, gv, 64);
    const auto cosine = pairCosine(iv, gv);
    out.meanAlignment = std::accumulate(cosine.begin(), cosine.end(), 0.0) / static_cast<double>(cosine.size());
    const auto subset = [&](const std::vector<int>& all) {
        std::vector<int> s;
        for (const auto i : keep) s.push_back(all[static_cast<std::size_t>(i)]);
        return s;
    };
    std::vector<int> batchCodes, labelCodes;
    std::vector<std::string> labelNames;
    if (!o.batchKey.empty()) std::tie(batchCodes, out.batchNames) = obsCodes(ds, o.batchKey);
    if (!o.labelKey.empty()) std::tie(labelCodes, labelNames) = obsCodes(ds, o.labelKey);
    batchCodes = batchCodes.empty() ? batchCodes : subset(batchCodes);
    labelCodes = labelCodes.empty() ? labelCodes : subset(labelCodes);
    progress.throwIfCancelled();
    progress.update(0.4, "batch effects");
    if (!batchCodes.empty()) {
        if (std::count(batchCodes.begin(), batchCodes.end(), -1)) throw std::invalid_argument(path + ": obs '" + o.batchKey + "' has missing values");
        std::vector<int> types = labelCodes;
        if (std::count(types.begin(), types.end(), -1)) types.clear();  // cell types must be complete
        out.imageBatch = batchEffectReport(iv, batchCodes, types);
        out.geneBatch = batchEffectReport(gv, batchCodes, types);
    }
    if (!labelCodes.empty() && !o.testBatches.empty()) probeLabel(o, path, iv, batchCodes, labelCodes, labelNames, out);
    progress.update(1.0, "done");
    return out;
}

}  // namespace hescape
