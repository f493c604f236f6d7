// `hescape eval`: parses the command line, runs the evaluation job
// (core/eval/EvaluationJob.h) on a run, embeddings or AnnData file, prints it
// (EvalReport.h) and, for run files, stores it under /eval/<split>.
#include "app/cli/EvalCommand.h"

#include "app/cli/EvalReport.h"
#include "core/eval/EvaluationJob.h"

#include <iostream>
#include <optional>
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

struct EvalArgs {
    std::string path, split;
    bool json = false, write = true;
    AnnDataEvalOptions annData;
};

// The parsed arguments, or the exit code to stop with (0 after --help).
std::optional<int> parseEvalArgs(const std::vector<std::string>& args, EvalArgs& e) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        const bool value = i + 1 < args.size();
        if (a == "-h" || a == "--help") {
            std::cout << kUsage;
            return 0;
        }
        if (a == "--split" && value) e.split = args[++i];
        else if (a == "--json") e.json = true;
        else if (a == "--no-write") e.write = false;
        else if (a == "--image-key" && value) e.annData.imageKey = args[++i];
        else if (a == "--gene-key" && value) e.annData.geneKey = args[++i];
        else if (a == "--batch-key" && value) e.annData.batchKey = args[++i];
        else if (a == "--label-key" && value) e.annData.labelKey = args[++i];
        else if (a == "--test-batches" && value) {
            std::stringstream list(args[++i]);
            for (std::string b; std::getline(list, b, ',');)
                if (!b.empty()) e.annData.testBatches.push_back(b);
        } else if (!a.empty() && a[0] == '-') {
            std::cerr << "hescape eval: unknown option '" << a << "'\n" << kUsage;
            return 2;
        } else if (e.path.empty()) {
            e.path = a;
        } else {
            std::cerr << kUsage;
            return 2;
        }
    }
    if (e.path.empty()) {
        std::cerr << kUsage;
        return 2;
    }
    return std::nullopt;
}

}  // namespace

int runEval(const std::vector<std::string>& args) {
    EvalArgs e;
    if (const auto stop = parseEvalArgs(args, e)) return *stop;
    try {
        if (e.path.size() > 5 && e.path.substr(e.path.size() - 5) == ".h5ad") {
            printAnnDataEvaluation(e.path, evaluateAnnDataFile(e.path, e.annData), e.annData, e.json);
            return 0;
        }
        const RunEvaluation evaluation = evaluateRunFile(e.path, e.split);
        if (e.write) storeRunEvaluation(e.path, evaluation);
        printRunEvaluation(e.path, evaluation, e.json, e.write);
        return 0;
    } catch (const std::exception& ex) {
        std::cerr << "hescape eval: error: " << ex.what() << "\n";
        return 1;
    }
}

}  // namespace hescape::cli
