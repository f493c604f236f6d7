// RunMetrics: each split is scored on its own (its gallery is its pairs), as
// `hescape eval` does for the split it is given.
#include "core/eval/RunMetrics.h"

#include "core/eval/RetrievalMetrics.h"
#include "core/io/Hdf5File.h"

#include <cmath>
#include <numeric>

namespace hescape {

std::vector<NamedMetric> runRetrievalMetrics(const std::string& path) {
    const Hdf5File f(path);
    if (!f.isGroup("/embeddings")) throw Hdf5Error(f.where("/embeddings") + "is missing (not a run or embeddings file)");
    std::vector<NamedMetric> out;
    for (const auto& split : f.children("/embeddings")) {
        const std::string g = "/embeddings/" + split;
        const auto shape = f.shape(g + "/image");
        if (shape.size() != 2 || f.shape(g + "/gene") != shape) throw Hdf5Error(f.where(g) + "image and gene must both be [n, dim]");
        const auto image = f.readFloats(g + "/image"), gene = f.readFloats(g + "/gene");
        for (const auto* v : {&image, &gene})
            for (const float x : *v)
                if (!std::isfinite(x)) throw Hdf5Error(f.where(g) + "holds a value that is not finite");
        const EmbeddingView iv(image, shape[1]), gv(gene, shape[1]);
        if (iv.rows < 2) continue;
        const RetrievalReport whole = wholeSetRetrieval(iv, gv), batch = inBatchRetrieval(iv, gv, 64);
        auto add = [&](const std::string& protocol, const RetrievalScores& s) {
            for (const auto& [name, value] : {std::pair<const char*, double>{"recall@1", s.recallAt1}, {"recall@5", s.recallAt5},
                                              {"recall@10", s.recallAt10}, {"chance@5", s.chanceAt5}, {"mean rank", s.meanRank},
                                              {"median rank", s.medianRank}, {"gallery", static_cast<double>(s.gallery)}})
                out.push_back({split, protocol, name, value});
        };
        add("whole, image->gene", whole.imageToGene);
        add("whole, gene->image", whole.geneToImage);
        add("in-batch 64, image->gene", batch.imageToGene);
        add("in-batch 64, gene->image", batch.geneToImage);
        const auto cosine = pairCosine(iv, gv);
        out.push_back({split, "alignment", "mean cosine", std::accumulate(cosine.begin(), cosine.end(), 0.0) / static_cast<double>(cosine.size())});
        out.push_back({split, "alignment", "pairs", static_cast<double>(cosine.size())});
    }
    return out;
}

}  // namespace hescape
