// Reads the embeddings of a run file (written by `hescape train --results`)
// or an embeddings file (`hescape embed`), computes cross-modal retrieval
// both ways (whole set and HESCAPE's in-batch protocol), the per-pair
// alignment, gene-expression prediction from the image embeddings (ridge to
// the top-50 variable genes, fitted on the train split: trained embeddings vs
// the untrained model's, HESCAPE's central comparison) and batch effects by
// section in each modality's embeddings; prints a table (or JSON), and writes
// everything into the file under /eval/<split> (atomically; the rest of the
// file is kept).
#include "app/cli/EvalCommand.h"

#include "core/io/JsonWriter.h"
#include "core/eval/BatchMetrics.h"
#include "core/eval/ExpressionPrediction.h"
#include "core/eval/RetrievalMetrics.h"
#include "core/eval/RunMetrics.h"
#include "core/eval/SimilarityMaps.h"
#include "core/io/Hdf5File.h"
#include "core/eval/LabelProbe.h"
#include "core/io/Hdf5Writer.h"
#include "core/spatial/AnnDataReader.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <sstream>

namespace hescape::cli {

namespace {

constexpr const char* kUsage =
    "usage: hescape eval RUN.h5 [--split NAME] [--json] [--no-write]\n\n"
    "Evaluates the image and gene embeddings in RUN.h5 (from `hescape train --results` or\n"
    "`hescape embed`): cross-modal retrieval image->gene and gene->image, recall@1/5/10, mean\n"
    "and median rank, over the whole split (gallery = all its pairs) and with HESCAPE's\n"
    "in-batch protocol (batches of 64); and each pair's image-gene cosine (the alignment map).\n"
    "  --split NAME  the split to evaluate (default: test, else validation, else the first there)\n"
    "  --json        print one JSON object instead of a table\n"
    "  --no-write    do not store the results under /eval/<split> in RUN.h5\n\n"
    "usage: hescape eval DATA.h5ad [--image-key K] [--gene-key K] [--batch-key COL]\n"
    "                   [--label-key COL --test-batches A,B,...] [--json]\n\n"
    "Evaluates embeddings stored in an AnnData file's obsm (e.g. written by the app's .h5ad export\n"
    "or by another tool): retrieval both ways and alignment over all observations; with\n"
    "--batch-key, batch effects by that obs column (with --label-key as the cell types); with\n"
    "--label-key and --test-batches, a linear probe of that label from the image embeddings, trained\n"
    "on the other batches and scored (AUROC, balanced accuracy) on these. Nothing is written.\n"
    "  --image-key K   obsm key of the image embeddings (default X_image_emb)\n"
    "  --gene-key K    obsm key of the gene embeddings (default X_gene_emb)\n";

std::string scoresJson(const RetrievalScores& s) {
    std::ostringstream o;
    o << "{\"recall_at_1\": " << jsonNumber(s.recallAt1) << ", \"recall_at_5\": " << jsonNumber(s.recallAt5)
      << ", \"recall_at_10\": " << jsonNumber(s.recallAt10) << ", \"chance_at_1\": " << jsonNumber(s.chanceAt1)
      << ", \"chance_at_5\": " << jsonNumber(s.chanceAt5) << ", \"chance_at_10\": " << jsonNumber(s.chanceAt10)
      << ", \"mean_rank\": " << jsonNumber(s.meanRank) << ", \"median_rank\": " << jsonNumber(s.medianRank)
      << ", \"queries\": " << s.queries << ", \"gallery\": " << s.gallery << "}";
    return o.str();
}

void store(Hdf5Writer& w, const std::string& group, const RetrievalScores& s) {
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

struct AnnDataEvalOptions {
    std::string imageKey = "X_image_emb", geneKey = "X_gene_emb", batchKey, labelKey;
    std::vector<std::string> testBatches;
    bool json = false;
};

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

int evalAnnData(const std::string& path, const AnnDataEvalOptions& o) {
    const SpatialDataset ds = readAnnData(path);
    auto embedding = [&](const std::string& key) -> const Embedding& {
        const auto it = ds.obsm.find(key);
        if (it == ds.obsm.end()) {
            std::string have;
            for (const auto& [k, v] : ds.obsm) have += (have.empty() ? "" : ", ") + k;
            throw std::invalid_argument(path + ": obsm has no '" + key + "' (it has: " + (have.empty() ? "none" : have) + ")");
        }
        return it->second;
    };
    const Embedding& im = embedding(o.imageKey);
    const Embedding& ge = embedding(o.geneKey);
    if (im.rows != ge.rows || im.dims != ge.dims)
        throw std::invalid_argument(path + ": obsm '" + o.imageKey + "' and '" + o.geneKey + "' differ in shape");
    // Rows without embeddings (NaN, as the app's export writes them) are left out.
    std::vector<std::int64_t> keep;
    for (std::int64_t i = 0; i < im.rows; ++i) {
        bool finite = true;
        for (std::int64_t k = 0; k < im.dims && finite; ++k)
            finite = std::isfinite(im.values[static_cast<std::size_t>(i * im.dims + k)]) &&
                     std::isfinite(ge.values[static_cast<std::size_t>(i * im.dims + k)]);
        if (finite) keep.push_back(i);
    }
    if (keep.size() < 2) throw std::invalid_argument(path + ": fewer than two observations have finite embeddings");
    std::vector<float> image, gene;
    for (const auto i : keep) {
        image.insert(image.end(), im.values.begin() + i * im.dims, im.values.begin() + (i + 1) * im.dims);
        gene.insert(gene.end(), ge.values.begin() + i * ge.dims, ge.values.begin() + (i + 1) * ge.dims);
    }
    const EmbeddingView iv(image, im.dims), gv(gene, im.dims);
    const RetrievalReport whole = wholeSetRetrieval(iv, gv), batch = inBatchRetrieval(iv, gv, 64);
    const auto cosine = pairCosine(iv, gv);
    const double meanAlignment = std::accumulate(cosine.begin(), cosine.end(), 0.0) / static_cast<double>(cosine.size());

    std::vector<int> batchCodes, labelCodes;
    std::vector<std::string> batchNames, labelNames;
    auto subset = [&](const std::vector<int>& all) {
        std::vector<int> out;
        for (const auto i : keep) out.push_back(all[static_cast<std::size_t>(i)]);
        return out;
    };
    if (!o.batchKey.empty()) {
        auto [c, n] = obsCodes(ds, o.batchKey);
        batchCodes = subset(c);
        batchNames = n;
    }
    if (!o.labelKey.empty()) {
        auto [c, n] = obsCodes(ds, o.labelKey);
        labelCodes = subset(c);
        labelNames = n;
    }
    std::optional<BatchEffectReport> imageBatch, geneBatch;
    if (!batchCodes.empty()) {
        if (std::count(batchCodes.begin(), batchCodes.end(), -1))
            throw std::invalid_argument(path + ": obs '" + o.batchKey + "' has missing values");
        std::vector<int> types = labelCodes;
        if (std::count(types.begin(), types.end(), -1)) types.clear();  // cell types must be complete
        imageBatch = batchEffectReport(iv, batchCodes, types);
        geneBatch = batchEffectReport(gv, batchCodes, types);
    }
    std::optional<LabelProbeReport> probe;
    if (!labelCodes.empty() && !o.testBatches.empty()) {
        if (batchCodes.empty()) throw std::invalid_argument("--test-batches needs --batch-key");
        std::vector<bool> train(keep.size()), test(keep.size());
        for (const auto& b : o.testBatches)
            if (std::find(batchNames.begin(), batchNames.end(), b) == batchNames.end())
                throw std::invalid_argument(path + ": obs '" + o.batchKey + "' has no value '" + b + "'");
        for (std::size_t i = 0; i < keep.size(); ++i) {
            const std::string& b = batchNames[static_cast<std::size_t>(batchCodes[i])];
            test[i] = std::find(o.testBatches.begin(), o.testBatches.end(), b) != o.testBatches.end();
            train[i] = !test[i];
        }
        std::vector<std::int32_t> labels(labelCodes.begin(), labelCodes.end());
        probe = runLabelProbe(iv, labels, labelNames, train, test);
    }

    if (o.json) {
        std::cout << "{\"file\": " << jsonString(path) << ", \"pairs\": " << keep.size() << ", \"whole\": {\"image_to_gene\": "
                  << scoresJson(whole.imageToGene) << ", \"gene_to_image\": " << scoresJson(whole.geneToImage)
                  << "}, \"in_batch\": {\"image_to_gene\": " << scoresJson(batch.imageToGene)
                  << ", \"gene_to_image\": " << scoresJson(batch.geneToImage) << "}, \"alignment\": {\"mean\": " << jsonNumber(meanAlignment)
                  << "}";
        if (imageBatch) {
            std::cout << ", \"batch_effects\": {\"batch_key\": " << jsonString(o.batchKey);
            for (const auto& [name, rep] : {std::pair{"image", &*imageBatch}, {"gene", &*geneBatch}}) {
                std::cout << ", \"" << name << "\": {\"silhouette_batch\": " << jsonNumber(rep->batchSilhouette.score)
                          << ", \"ilisi_median\": " << jsonNumber(rep->ilisi.median)
                          << ", \"knn_batch_balanced_accuracy\": " << jsonNumber(rep->knn.balancedAccuracy)
                          << ", \"graph_connectivity\": " << jsonNumber(rep->connectivity.score) << "}";
            }
            std::cout << "}";
        }
        if (probe) {
            std::cout << ", \"label_probe\": {\"label\": " << jsonString(o.labelKey) << ", \"macro_auroc\": " << jsonNumber(probe->macroAuroc)
                      << ", \"balanced_accuracy\": " << jsonNumber(probe->balancedAccuracy) << ", \"test_rows\": " << probe->testRows << "}";
        }
        std::cout << "}\n";
        return 0;
    }
    std::printf("%s: %zu observations with both embeddings (obsm %s, %s)\n\n", path.c_str(), keep.size(), o.imageKey.c_str(),
                o.geneKey.c_str());
    std::printf("| retrieval | gallery | R@1 | R@5 | R@10 | chance@5 | mean rank |\n|--|--:|--:|--:|--:|--:|--:|\n");
    for (const auto& [name, sc] : {std::pair{"whole, image->gene", &whole.imageToGene}, {"whole, gene->image", &whole.geneToImage},
                                   {"in-batch 64, image->gene", &batch.imageToGene}, {"in-batch 64, gene->image", &batch.geneToImage}})
        std::printf("| %s | %lld | %.3f | %.3f | %.3f | %.3f | %.1f |\n", name, static_cast<long long>(sc->gallery), sc->recallAt1,
                    sc->recallAt5, sc->recallAt10, sc->chanceAt5, sc->meanRank);
    std::printf("\nmean alignment %.3f\n", meanAlignment);
    if (imageBatch) {
        std::printf("\nbatch effects by %s (%zu batches):\n| embeddings | silhouette batch | iLISI (median) | kNN batch accuracy (balanced) | "
                    "graph connectivity |\n|--|--:|--:|--:|--:|\n",
                    o.batchKey.c_str(), batchNames.size());
        for (const auto& [name, rep] : {std::pair{"image", &*imageBatch}, {"gene", &*geneBatch}})
            std::printf("| %s | %.3f | %.2f | %.3f | %.3f |\n", name, rep->batchSilhouette.score, rep->ilisi.median, rep->knn.balancedAccuracy,
                        rep->connectivity.score);
    }
    if (probe) {
        std::printf("\nlinear probe of %s from image embeddings (test batches held out, %lld test rows): macro AUROC %.3f, "
                    "balanced accuracy %.3f\n",
                    o.labelKey.c_str(), static_cast<long long>(probe->testRows), probe->macroAuroc, probe->balancedAccuracy);
        for (const auto& c : probe->classes)
            std::printf("  %s: AUROC %.3f, recall %.3f (%lld test rows)\n", c.name.c_str(), c.auroc, c.recall, static_cast<long long>(c.testCount));
    }
    return 0;
}

}  // namespace

int runEval(const std::vector<std::string>& args) {
    std::string path, split;
    bool json = false, write = true;
    AnnDataEvalOptions ad;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "-h" || a == "--help") {
            std::cout << kUsage;
            return 0;
        } else if (a == "--split" && i + 1 < args.size()) {
            split = args[++i];
        } else if (a == "--json") {
            json = true;
        } else if (a == "--no-write") {
            write = false;
        } else if (a == "--image-key" && i + 1 < args.size()) {
            ad.imageKey = args[++i];
        } else if (a == "--gene-key" && i + 1 < args.size()) {
            ad.geneKey = args[++i];
        } else if (a == "--batch-key" && i + 1 < args.size()) {
            ad.batchKey = args[++i];
        } else if (a == "--label-key" && i + 1 < args.size()) {
            ad.labelKey = args[++i];
        } else if (a == "--test-batches" && i + 1 < args.size()) {
            std::stringstream list(args[++i]);
            for (std::string b; std::getline(list, b, ',');)
                if (!b.empty()) ad.testBatches.push_back(b);
        } else if (!a.empty() && a[0] == '-') {
            std::cerr << "hescape eval: unknown option '" << a << "'\n" << kUsage;
            return 2;
        } else if (path.empty()) {
            path = a;
        } else {
            std::cerr << kUsage;
            return 2;
        }
    }
    if (path.empty()) {
        std::cerr << kUsage;
        return 2;
    }
    if (path.size() > 5 && path.substr(path.size() - 5) == ".h5ad") {
        ad.json = json;
        try {
            return evalAnnData(path, ad);
        } catch (const std::exception& e) {
            std::cerr << "hescape eval: error: " << e.what() << "\n";
            return 1;
        }
    }
    try {
        RetrievalReport whole, batch;
        std::vector<float> alignment;
        PredictionResult prediction;
        BatchResult batches;
        {
            const Hdf5File f(path);
            if (!f.isGroup("/embeddings")) throw Hdf5Error(f.where("/embeddings") + "is missing (not a run or embeddings file)");
            const auto splits = f.children("/embeddings");
            if (split.empty()) {
                for (const char* s : {"test", "validation"})
                    if (std::count(splits.begin(), splits.end(), s)) {
                        split = s;
                        break;
                    }
                if (split.empty() && !splits.empty()) split = splits.front();
            }
            if (split.empty() || !std::count(splits.begin(), splits.end(), split)) {
                std::string have;
                for (const auto& s : splits) have += (have.empty() ? "" : ", ") + s;
                throw Hdf5Error(f.where("/embeddings/" + split) + "no such split (the file has: " + (have.empty() ? "none" : have) + ")");
            }
            const EmbeddingPair l = readEmbeddingPair(f, split);
            const EmbeddingView image(l.image, l.dim), gene(l.gene, l.dim);
            whole = wholeSetRetrieval(image, gene);
            batch = inBatchRetrieval(image, gene, 64);
            alignment = pairCosine(image, gene);
            prediction = predictFromFile(f, split);
            batches = batchEffectsFromFile(f);
        }
        std::vector<float> sorted = alignment;
        std::sort(sorted.begin(), sorted.end());
        const double meanAlignment = std::accumulate(sorted.begin(), sorted.end(), 0.0) / std::max<std::size_t>(1, sorted.size());
        const double medianAlignment = sorted.empty() ? 0 : sorted[sorted.size() / 2];
        if (write) {
            Hdf5Writer w(path, Hdf5Writer::Mode::Update);
            const std::string g = "/eval/" + split;
            store(w, g + "/retrieval/whole/image_to_gene", whole.imageToGene);
            store(w, g + "/retrieval/whole/gene_to_image", whole.geneToImage);
            store(w, g + "/retrieval/in_batch/image_to_gene", batch.imageToGene);
            store(w, g + "/retrieval/in_batch/gene_to_image", batch.geneToImage);
            w.writeFloats(g + "/alignment", alignment.data(), {static_cast<std::int64_t>(alignment.size())});
            w.setAttribute(g, "mean_alignment", meanAlignment);
            if (prediction.available) {
                for (const auto& [name, rep] : {std::pair{"trained", &prediction.trained}, {"untrained", &prediction.untrained}}) {
                    const std::string p = g + "/expression_prediction/" + name;
                    w.writeStrings(p + "/gene", rep->genes);
                    w.writeDoubles(p + "/pearson", rep->pearson);
                    w.setAttribute(p, "mean_pearson", rep->meanPearson);
                    w.setAttribute(p, "median_pearson", rep->medianPearson);
                    w.setAttribute(p, "alpha", rep->alpha);
                }
            }
            if (batches.available) {
                for (const auto& [name, rep] : {std::pair{"image", &batches.image}, {"gene", &batches.gene}}) {
                    const std::string p = std::string("/eval/batch_effects/") + name;
                    w.createGroup(p);
                    w.setAttribute(p, "batch_key", std::string("section"));
                    w.setAttribute(p, "silhouette_batch", rep->batchSilhouette.score);
                    w.setAttribute(p, "ilisi_median", rep->ilisi.median);
                    w.setAttribute(p, "ilisi_normalised", rep->ilisi.normalised);
                    w.setAttribute(p, "knn_batch_accuracy", rep->knn.accuracy);
                    w.setAttribute(p, "knn_batch_balanced_accuracy", rep->knn.balancedAccuracy);
                }
            }
            w.commit();
        }
        if (json) {
            std::cout << "{\"split\": " << jsonString(split) << ", \"pairs\": " << alignment.size()
                      << ", \"whole\": {\"image_to_gene\": " << scoresJson(whole.imageToGene)
                      << ", \"gene_to_image\": " << scoresJson(whole.geneToImage) << "}, \"in_batch\": {\"image_to_gene\": "
                      << scoresJson(batch.imageToGene) << ", \"gene_to_image\": " << scoresJson(batch.geneToImage)
                      << "}, \"alignment\": {\"mean\": " << jsonNumber(meanAlignment) << ", \"median\": " << jsonNumber(medianAlignment)
                      << "}";
            if (prediction.available) {
                std::cout << ", \"expression_prediction\": {\"genes\": " << prediction.trained.genes.size()
                          << ", \"trained\": {\"mean_pearson\": " << jsonNumber(prediction.trained.meanPearson)
                          << ", \"median_pearson\": " << jsonNumber(prediction.trained.medianPearson)
                          << "}, \"untrained\": {\"mean_pearson\": " << jsonNumber(prediction.untrained.meanPearson)
                          << ", \"median_pearson\": " << jsonNumber(prediction.untrained.medianPearson) << "}}";
            }
            if (batches.available) {
                std::cout << ", \"batch_effects\": {\"batch_key\": \"section\", \"sections\": " << batches.sections.size();
                for (const auto& [name, rep] : {std::pair{"image", &batches.image}, {"gene", &batches.gene}}) {
                    std::cout << ", \"" << name << "\": {\"silhouette_batch\": " << jsonNumber(rep->batchSilhouette.score)
                              << ", \"ilisi_median\": " << jsonNumber(rep->ilisi.median)
                              << ", \"knn_batch_balanced_accuracy\": " << jsonNumber(rep->knn.balancedAccuracy) << "}";
                }
                std::cout << "}";
            }
            std::cout << "}\n";
            return 0;
        }
        std::printf("%s, split %s: %zu pairs\n\n", path.c_str(), split.c_str(), alignment.size());
        std::printf("| retrieval                  | gallery | R@1   | R@5   | R@10  | chance@5 | mean rank | median rank |\n");
        std::printf("|----------------------------|--------:|------:|------:|------:|---------:|----------:|------------:|\n");
        auto row = [](const char* name, const RetrievalScores& s) {
            std::printf("| %-26s | %7lld | %.3f | %.3f | %.3f | %8.3f | %9.1f | %11.1f |\n", name, static_cast<long long>(s.gallery),
                        s.recallAt1, s.recallAt5, s.recallAt10, s.chanceAt5, s.meanRank, s.medianRank);
        };
        row("whole split, image->gene", whole.imageToGene);
        row("whole split, gene->image", whole.geneToImage);
        row("in-batch (64), image->gene", batch.imageToGene);
        row("in-batch (64), gene->image", batch.geneToImage);
        std::printf("\nalignment (cosine of each pair's image and gene embedding): mean %.3f, median %.3f\n", meanAlignment,
                    medianAlignment);
        if (prediction.available) {
            std::printf("\ngene-expression prediction (ridge from image embeddings to the %zu most variable genes, fitted on\n"
                        "train, Pearson r on %s):\n| image embeddings | mean r | median r | genes scored |\n|--|--:|--:|--:|\n",
                        prediction.trained.genes.size(), split.c_str());
            for (const auto& [name, rep] : {std::pair{"after training", &prediction.trained}, {"untrained model", &prediction.untrained}})
                std::printf("| %s | %.3f | %.3f | %lld |\n", name, rep->meanPearson, rep->medianPearson,
                            static_cast<long long>(rep->scoredGenes));
        } else {
            std::printf("\ngene-expression prediction: not computed (%s)\n", prediction.why.c_str());
        }
        if (batches.available) {
            std::printf("\nbatch effects by section (%zu sections, all splits; 1 - |silhouette| and iLISI high = well mixed,\n"
                        "kNN batch accuracy high = sections separable):\n"
                        "| embeddings | silhouette batch | iLISI (median) | iLISI normalised | kNN batch accuracy (balanced) |\n"
                        "|--|--:|--:|--:|--:|\n",
                        batches.sections.size());
            for (const auto& [name, rep] : {std::pair{"image", &batches.image}, {"gene", &batches.gene}})
                std::printf("| %s | %.3f | %.2f | %.3f | %.3f (chance %.3f) |\n", name, rep->batchSilhouette.score, rep->ilisi.median,
                            rep->ilisi.normalised, rep->knn.balancedAccuracy, rep->knn.chanceBalanced);
        }
        if (write) std::printf("written to %s under /eval/%s\n", path.c_str(), split.c_str());
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "hescape eval: error: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace hescape::cli
