// Reads the embeddings of a run file (written by `hescape train --results`)
// or an embeddings file (`hescape embed`), computes cross-modal retrieval
// both ways (whole set and HESCAPE's in-batch protocol) and the per-pair
// alignment, prints a table (or JSON), and writes everything into the file
// under /eval/<split> (atomically; the rest of the file is kept).
#include "app/cli/EvalCommand.h"

#include "app/cli/JsonWriter.h"
#include "core/eval/RetrievalMetrics.h"
#include "core/io/Hdf5File.h"
#include "core/io/Hdf5Writer.h"

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
    "  --no-write    do not store the results under /eval/<split> in RUN.h5\n";

struct Loaded {
    std::vector<float> image, gene;
    std::int64_t dim = 0;
};

Loaded load(const Hdf5File& f, const std::string& split) {
    const std::string g = "/embeddings/" + split;
    Loaded l;
    const auto shape = f.shape(g + "/image");
    if (shape.size() != 2 || f.shape(g + "/gene") != shape) throw Hdf5Error(f.where(g) + "image and gene must both be [n, dim]");
    l.dim = shape[1];
    l.image = f.readFloats(g + "/image");
    l.gene = f.readFloats(g + "/gene");
    for (const float v : l.image)
        if (!std::isfinite(v)) throw Hdf5Error(f.where(g + "/image") + "holds a value that is not finite");
    for (const float v : l.gene)
        if (!std::isfinite(v)) throw Hdf5Error(f.where(g + "/gene") + "holds a value that is not finite");
    return l;
}

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

}  // namespace

int runEval(const std::vector<std::string>& args) {
    std::string path, split;
    bool json = false, write = true;
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
    try {
        RetrievalReport whole, batch;
        std::vector<float> alignment;
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
            const Loaded l = load(f, split);
            const EmbeddingView image(l.image, l.dim), gene(l.gene, l.dim);
            whole = wholeSetRetrieval(image, gene);
            batch = inBatchRetrieval(image, gene, 64);
            alignment = pairCosine(image, gene);
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
            w.commit();
        }
        if (json) {
            std::cout << "{\"split\": " << jsonString(split) << ", \"pairs\": " << alignment.size()
                      << ", \"whole\": {\"image_to_gene\": " << scoresJson(whole.imageToGene)
                      << ", \"gene_to_image\": " << scoresJson(whole.geneToImage) << "}, \"in_batch\": {\"image_to_gene\": "
                      << scoresJson(batch.imageToGene) << ", \"gene_to_image\": " << scoresJson(batch.geneToImage)
                      << "}, \"alignment\": {\"mean\": " << jsonNumber(meanAlignment) << ", \"median\": " << jsonNumber(medianAlignment)
                      << "}}\n";
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
        if (write) std::printf("written to %s under /eval/%s\n", path.c_str(), split.c_str());
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "hescape eval: error: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace hescape::cli
