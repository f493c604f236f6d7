// CompareCommand: parsing and printing only; the numbers come from
// compareMethods, which evaluates each run as `hescape eval` does.
#include "app/cli/CompareCommand.h"

#include "app/cli/TerminalProgress.h"
#include "core/io/JsonWriter.h"

#include <cstdio>
#include <iostream>

namespace hescape::cli {

namespace {

constexpr const char* kUsage =
    "usage: hescape compare RUN.h5 [RUN.h5 ...] [--json]\n\n"
    "Compares training runs: groups them by method (the configuration's \"method\", else its file\n"
    "name) and prints, per method, the mean +- sample sd over its runs (seeds) of: whole-set\n"
    "recall@5 on the test split both ways (with chance and the largest permutation p-value over\n"
    "the seeds), whole-set recall@5 on the validation split (within donor when validation shares\n"
    "the training donors), batch effects by donor of both embeddings (iLISI median, batch ASW,\n"
    "balanced kNN accuracy), and ridge Pearson r from trained vs untrained image embeddings.\n"
    "Conventions: docs/evaluation.md.\n";

void printJson(const std::vector<MethodRow>& rows) {
    const auto& names = comparisonMetricNames();
    std::cout << "{\"methods\": [";
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const MethodRow& row = rows[r];
        std::cout << (r ? ", " : "") << "{\"method\": " << jsonString(row.method) << ", \"runs\": " << row.runFiles.size()
                  << ", \"donor_safe\": " << (row.donorSafe ? "true" : "false")
                  << ", \"worst_p_image_to_gene\": " << jsonNumber(row.worstPValueImageToGene)
                  << ", \"worst_p_gene_to_image\": " << jsonNumber(row.worstPValueGeneToImage) << ", \"metrics\": {";
        for (std::size_t m = 0; m < names.size(); ++m)
            std::cout << (m ? ", " : "") << jsonString(names[m]) << ": {\"mean\": " << jsonNumber(row.metrics[m].mean)
                      << ", \"sd\": " << jsonNumber(row.metrics[m].sd) << ", \"runs\": " << row.metrics[m].runs << "}";
        std::cout << "}}";
    }
    std::cout << "]}\n";
}

}  // namespace

void printComparison(const std::vector<MethodRow>& rows, bool json) {
    if (json) return printJson(rows);
    const auto& names = comparisonMetricNames();
    std::printf("| metric (mean +- sd over seeds) |");
    for (const auto& r : rows) std::printf(" %s (%zu) |", r.method.c_str(), r.runFiles.size());
    std::printf("\n|--|");
    for (std::size_t i = 0; i < rows.size(); ++i) std::printf("--:|");
    std::printf("\n");
    for (std::size_t m = 0; m < names.size(); ++m) {
        std::printf("| %s |", names[m].c_str());
        for (const auto& r : rows) std::printf(" %s |", formatSummary(r.metrics[m], " +- ").c_str());
        std::printf("\n");
    }
    std::printf("| largest p, held-out R@5 image->gene |");
    for (const auto& r : rows) std::printf(" %.4f |", r.worstPValueImageToGene);
    std::printf("\n| largest p, held-out R@5 gene->image |");
    for (const auto& r : rows) std::printf(" %.4f |", r.worstPValueGeneToImage);
    std::printf("\n| donor-safe split |");
    for (const auto& r : rows) std::printf(" %s |", r.donorSafe ? "yes" : "NO");
    std::printf("\n");
}

int runCompare(const std::vector<std::string>& args) {
    std::vector<std::string> files;
    bool json = false;
    for (const auto& a : args) {
        if (a == "-h" || a == "--help") {
            std::cout << kUsage;
            return 0;
        }
        if (a == "--json") json = true;
        else if (!a.empty() && a[0] == '-') {
            std::cerr << "hescape compare: unknown option '" << a << "'\n" << kUsage;
            return 2;
        } else files.push_back(a);
    }
    if (files.empty()) {
        std::cerr << kUsage;
        return 2;
    }
    try {
        TerminalProgress progress("evaluating");
        const auto rows = compareMethods(files, progress.progress());
        progress.done();
        printComparison(rows, json);
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "\nhescape compare: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace hescape::cli
