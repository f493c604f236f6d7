// How `hescape eval` shows an evaluation (core/eval/EvaluationJob.h): a
// Markdown table for people, or one JSON object for scripts. Only printing:
// every number comes from the evaluation job.
#include "app/cli/EvalReport.h"

#include "core/io/JsonWriter.h"

#include <cstdio>
#include <iostream>
#include <sstream>

namespace hescape::cli {

namespace {

std::string scoresJson(const RetrievalScores& s) {
    std::ostringstream o;
    o << "{\"recall_at_1\": " << jsonNumber(s.recallAt1) << ", \"recall_at_5\": " << jsonNumber(s.recallAt5)
      << ", \"recall_at_10\": " << jsonNumber(s.recallAt10) << ", \"chance_at_1\": " << jsonNumber(s.chanceAt1)
      << ", \"chance_at_5\": " << jsonNumber(s.chanceAt5) << ", \"chance_at_10\": " << jsonNumber(s.chanceAt10)
      << ", \"mean_rank\": " << jsonNumber(s.meanRank) << ", \"median_rank\": " << jsonNumber(s.medianRank)
      << ", \"queries\": " << s.queries << ", \"gallery\": " << s.gallery << "}";
    return o.str();
}

void printBatchJson(const BatchEffectReport& image, const BatchEffectReport& gene, bool connectivity) {
    for (const auto& [name, rep] : {std::pair{"image", &image}, {"gene", &gene}}) {
        std::cout << ", \"" << name << "\": {\"silhouette_batch\": " << jsonNumber(rep->batchSilhouette.score)
                  << ", \"ilisi_median\": " << jsonNumber(rep->ilisi.median)
                  << ", \"knn_batch_balanced_accuracy\": " << jsonNumber(rep->knn.balancedAccuracy);
        if (connectivity) std::cout << ", \"graph_connectivity\": " << jsonNumber(rep->connectivity.score);
        std::cout << "}";
    }
}

void printRetrievalJson(const RetrievalReport& whole, const RetrievalReport& inBatch) {
    std::cout << ", \"whole\": {\"image_to_gene\": " << scoresJson(whole.imageToGene) << ", \"gene_to_image\": "
              << scoresJson(whole.geneToImage) << "}, \"in_batch\": {\"image_to_gene\": " << scoresJson(inBatch.imageToGene)
              << ", \"gene_to_image\": " << scoresJson(inBatch.geneToImage) << "}";
}

std::string significanceJson(const RecallSignificance& s) {
    if (!s.available) return "null";
    return "{\"p_value\": " + jsonNumber(s.pValue) + ", \"null_mean\": " + jsonNumber(s.nullMean) +
           ", \"permutations\": " + std::to_string(s.permutations) + "}";
}

void printRunJson(const RunEvaluation& e) {
    std::cout << "{\"split\": " << jsonString(e.split) << ", \"pairs\": " << e.alignment.size();
    printRetrievalJson(e.whole, e.inBatch);
    std::cout << ", \"whole_recall_at_5_significance\": {\"image_to_gene\": " << significanceJson(e.imageToGeneP)
              << ", \"gene_to_image\": " << significanceJson(e.geneToImageP) << "}";
    std::cout << ", \"alignment\": {\"mean\": " << jsonNumber(e.meanAlignment) << ", \"median\": " << jsonNumber(e.medianAlignment) << "}";
    if (e.prediction.available) {
        std::cout << ", \"expression_prediction\": {\"genes\": " << e.prediction.trained.genes.size()
                  << ", \"trained\": {\"mean_pearson\": " << jsonNumber(e.prediction.trained.meanPearson)
                  << ", \"median_pearson\": " << jsonNumber(e.prediction.trained.medianPearson)
                  << "}, \"untrained\": {\"mean_pearson\": " << jsonNumber(e.prediction.untrained.meanPearson)
                  << ", \"median_pearson\": " << jsonNumber(e.prediction.untrained.medianPearson) << "}}";
    }
    for (const auto& [key, b] : {std::pair{"section", &e.batches}, {"donor", &e.donorBatches}}) {
        if (!b->available) continue;
        std::cout << ", \"batch_effects" << (std::string(key) == "section" ? "" : "_by_donor") << "\": {\"batch_key\": \"" << key
                  << "\", \"" << key << "s\": " << b->sections.size();
        printBatchJson(b->image, b->gene, false);
        std::cout << "}";
    }
    std::cout << "}\n";
}

void printRunPrediction(const RunEvaluation& e) {
    if (!e.prediction.available) {
        std::printf("\ngene-expression prediction: not computed (%s)\n", e.prediction.why.c_str());
        return;
    }
    std::printf("\ngene-expression prediction (ridge from image embeddings to the %zu most variable genes, fitted on\n"
                "train, Pearson r on %s):\n| image embeddings | mean r | median r | genes scored |\n|--|--:|--:|--:|\n",
                e.prediction.trained.genes.size(), e.split.c_str());
    for (const auto& [name, rep] : {std::pair{"after training", &e.prediction.trained}, {"untrained model", &e.prediction.untrained}})
        std::printf("| %s | %.3f | %.3f | %lld |\n", name, rep->meanPearson, rep->medianPearson, static_cast<long long>(rep->scoredGenes));
}

void printRunBatches(const BatchResult& batches, const char* key) {
    if (!batches.available) return;
    std::printf("\nbatch effects by %s (%zu, all splits; 1 - |silhouette| and iLISI high = well mixed,\n"
                "kNN batch accuracy high = batches separable):\n"
                "| embeddings | silhouette batch | iLISI (median) | iLISI normalised | kNN batch accuracy (balanced) |\n"
                "|--|--:|--:|--:|--:|\n",
                key, batches.sections.size());
    for (const auto& [name, rep] : {std::pair{"image", &batches.image}, {"gene", &batches.gene}})
        std::printf("| %s | %.3f | %.2f | %.3f | %.3f (chance %.3f) |\n", name, rep->batchSilhouette.score, rep->ilisi.median,
                    rep->ilisi.normalised, rep->knn.balancedAccuracy, rep->knn.chanceBalanced);
}

void printAnnDataJson(const std::string& path, const AnnDataEvaluation& e, const AnnDataEvalOptions& o) {
    std::cout << "{\"file\": " << jsonString(path) << ", \"pairs\": " << e.pairs;
    printRetrievalJson(e.whole, e.inBatch);
    std::cout << ", \"alignment\": {\"mean\": " << jsonNumber(e.meanAlignment) << "}";
    if (e.imageBatch) {
        std::cout << ", \"batch_effects\": {\"batch_key\": " << jsonString(o.batchKey);
        printBatchJson(*e.imageBatch, *e.geneBatch, true);
        std::cout << "}";
    }
    if (e.probe) {
        std::cout << ", \"label_probe\": {\"label\": " << jsonString(o.labelKey) << ", \"macro_auroc\": " << jsonNumber(e.probe->macroAuroc)
                  << ", \"balanced_accuracy\": " << jsonNumber(e.probe->balancedAccuracy) << ", \"test_rows\": " << e.probe->testRows << "}";
    }
    std::cout << "}\n";
}

}  // namespace

void printRunEvaluation(const std::string& path, const RunEvaluation& e, bool json, bool written) {
    if (json) return printRunJson(e);
    std::printf("%s, split %s: %zu pairs\n\n", path.c_str(), e.split.c_str(), e.alignment.size());
    std::printf("| retrieval                  | gallery | R@1   | R@5   | R@10  | chance@5 | mean rank | median rank |\n");
    std::printf("|----------------------------|--------:|------:|------:|------:|---------:|----------:|------------:|\n");
    const auto row = [](const char* name, const RetrievalScores& s) {
        std::printf("| %-26s | %7lld | %.3f | %.3f | %.3f | %8.3f | %9.1f | %11.1f |\n", name, static_cast<long long>(s.gallery),
                    s.recallAt1, s.recallAt5, s.recallAt10, s.chanceAt5, s.meanRank, s.medianRank);
    };
    row("whole split, image->gene", e.whole.imageToGene);
    row("whole split, gene->image", e.whole.geneToImage);
    row("in-batch (64), image->gene", e.inBatch.imageToGene);
    row("in-batch (64), gene->image", e.inBatch.geneToImage);
    for (const auto& [name, sig] : {std::pair{"image->gene", &e.imageToGeneP}, {"gene->image", &e.geneToImageP}}) {
        if (sig->available)
            std::printf("whole split %s R@5 vs chance: permutation p = %.4f (%d re-pairings, null mean %.3f)\n", name, sig->pValue,
                        sig->permutations, sig->nullMean);
        else
            std::printf("whole split %s R@5 vs chance: no permutation test (%s)\n", name, sig->why.c_str());
    }
    std::printf("\nalignment (cosine of each pair's image and gene embedding): mean %.3f, median %.3f\n", e.meanAlignment, e.medianAlignment);
    printRunPrediction(e);
    printRunBatches(e.batches, "section");
    printRunBatches(e.donorBatches, "donor");
    if (written) std::printf("written to %s under /eval/%s\n", path.c_str(), e.split.c_str());
}

void printAnnDataEvaluation(const std::string& path, const AnnDataEvaluation& e, const AnnDataEvalOptions& o, bool json) {
    if (json) return printAnnDataJson(path, e, o);
    std::printf("%s: %zu observations with both embeddings (obsm %s, %s)\n\n", path.c_str(), e.pairs, o.imageKey.c_str(), o.geneKey.c_str());
    std::printf("| retrieval | gallery | R@1 | R@5 | R@10 | chance@5 | mean rank |\n|--|--:|--:|--:|--:|--:|--:|\n");
    for (const auto& [name, sc] : {std::pair{"whole, image->gene", &e.whole.imageToGene}, {"whole, gene->image", &e.whole.geneToImage},
                                   {"in-batch 64, image->gene", &e.inBatch.imageToGene}, {"in-batch 64, gene->image", &e.inBatch.geneToImage}})
        std::printf("| %s | %lld | %.3f | %.3f | %.3f | %.3f | %.1f |\n", name, static_cast<long long>(sc->gallery), sc->recallAt1,
                    sc->recallAt5, sc->recallAt10, sc->chanceAt5, sc->meanRank);
    std::printf("\nmean alignment %.3f\n", e.meanAlignment);
    if (e.imageBatch) {
        std::printf("\nbatch effects by %s (%zu batches):\n| embeddings | silhouette batch | iLISI (median) | kNN batch accuracy (balanced) | "
                    "graph connectivity |\n|--|--:|--:|--:|--:|\n",
                    o.batchKey.c_str(), e.batchNames.size());
        for (const auto& [name, rep] : {std::pair{"image", &*e.imageBatch}, {"gene", &*e.geneBatch}})
            std::printf("| %s | %.3f | %.2f | %.3f | %.3f |\n", name, rep->batchSilhouette.score, rep->ilisi.median, rep->knn.balancedAccuracy,
                        rep->connectivity.score);
    }
    if (!e.probe) return;
    std::printf("\nlinear probe of %s from image embeddings (test batches held out, %lld test rows): macro AUROC %.3f, "
                "balanced accuracy %.3f\n",
                o.labelKey.c_str(), static_cast<long long>(e.probe->testRows), e.probe->macroAuroc, e.probe->balancedAccuracy);
    for (const auto& c : e.probe->classes)
        std::printf("  %s: AUROC %.3f, recall %.3f (%lld test rows)\n", c.name.c_str(), c.auroc, c.recall, static_cast<long long>(c.testCount));
}

}  // namespace hescape::cli
