// RunMetrics: each split is scored on its own (its gallery is its pairs), as
// `hescape eval` does for the split it is given.
#include "core/eval/RunMetrics.h"

#include "core/eval/RetrievalMetrics.h"
#include "core/eval/SimilarityMaps.h"
#include "core/io/Hdf5File.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace hescape {

std::vector<NamedMetric> runRetrievalMetrics(const std::string& path) {
    const Hdf5File f(path);
    if (!f.isGroup("/embeddings")) throw Hdf5Error(f.where("/embeddings") + "is missing (not a run or embeddings file)");
    std::vector<NamedMetric> out;
    for (const auto& split : f.children("/embeddings")) {
        const EmbeddingPair pair = readEmbeddingPair(f, split);
        const EmbeddingView iv(pair.image, pair.dim), gv(pair.gene, pair.dim);
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

PredictionResult predictFromFile(const Hdf5File& f, const std::string& split) {
    PredictionResult r;
    const std::vector<std::string> parts = {"/embeddings/train", "/embeddings/" + split};
    if (split == "train") {
        r.why = "the evaluated split is the training split";
        return r;
    }
    for (const auto& g : parts) {
        for (const char* d : {"/image", "/image_initial", "/expression"}) {
            if (!f.isDataset(g + d)) {
                r.why = g + d + " is missing (written by `hescape train --results`)";
                return r;
            }
        }
    }
    std::vector<float> trained, untrained, expression;
    std::vector<bool> train, test;
    std::int64_t dim = 0, genes = 0;
    for (std::size_t k = 0; k < parts.size(); ++k) {
        const auto shape = f.shape(parts[k] + "/image");
        const auto eshape = f.shape(parts[k] + "/expression");
        dim = shape[1];
        genes = eshape[1];
        for (const auto& [name, into] : {std::pair{"/image", &trained}, {"/image_initial", &untrained}, {"/expression", &expression}}) {
            const auto v = f.readFloats(parts[k] + name);
            into->insert(into->end(), v.begin(), v.end());
        }
        train.insert(train.end(), static_cast<std::size_t>(shape[0]), k == 0);
        test.insert(test.end(), static_cast<std::size_t>(shape[0]), k == 1);
    }
    const auto geneNames = f.readStrings("/genes");
    const EmbeddingView expr(expression, genes);
    const auto top = topVariableGenes(expr, train, std::min<std::int64_t>(50, genes));
    const auto targets = selectColumns(expr, top);
    std::vector<std::string> names;
    for (const auto c : top) names.push_back(static_cast<std::size_t>(c) < geneNames.size() ? geneNames[static_cast<std::size_t>(c)] : std::to_string(c));
    const EmbeddingView y(targets, static_cast<std::int64_t>(top.size()));
    r.trained = predictExpression(EmbeddingView(trained, dim), y, names, train, test);
    r.untrained = predictExpression(EmbeddingView(untrained, dim), y, names, train, test);
    r.available = true;
    return r;
}

BatchResult batchEffectsFromFile(const Hdf5File& f, BatchKey key) {
    BatchResult r;
    // Every split's pairs with their sections, as the maps read them.
    const RunEmbeddings run = readRunEmbeddings(f.path());
    std::vector<std::string> label = run.section;
    if (key == BatchKey::Donor) {
        if (!f.isDataset("/donors/section") || !f.isDataset("/donors/donor")) {
            r.why = "the run records no donors (made before donor-safe splits)";
            return r;
        }
        const auto sections = f.readStrings("/donors/section"), donors = f.readStrings("/donors/donor");
        if (sections.empty()) {
            r.why = "the run records no donors";
            return r;
        }
        if (sections.size() != donors.size()) throw Hdf5Error(f.where("/donors/donor") + "differs in length from /donors/section");
        for (auto& l : label) {
            const auto it = std::find(sections.begin(), sections.end(), l);
            if (it == sections.end()) throw Hdf5Error(f.where("/donors/section") + "has no entry for section " + l);
            l = donors[static_cast<std::size_t>(it - sections.begin())];
        }
    }
    const std::vector<int> batch = codesInNameOrder(label, &r.sections);
    if (r.sections.size() < 2 || batch.size() < 20) {
        r.why = key == BatchKey::Donor ? "fewer than two donors or twenty spots" : "fewer than two sections or twenty spots";
        return r;
    }
    r.image = batchEffectReport(EmbeddingView(run.image, run.dim), batch);
    r.gene = batchEffectReport(EmbeddingView(run.gene, run.dim), batch);
    r.available = true;
    return r;
}

std::vector<NamedMetric> runMetrics(const std::string& path) {
    std::vector<NamedMetric> out = runRetrievalMetrics(path);
    const Hdf5File f(path);
    const auto splits = f.children("/embeddings");
    std::string split;
    for (const char* s : {"test", "validation"})
        if (split.empty() && std::count(splits.begin(), splits.end(), s)) split = s;
    if (!split.empty()) {
        const PredictionResult p = predictFromFile(f, split);
        if (p.available) {
            for (const auto& [name, rep] : {std::pair{"expression prediction, trained", &p.trained},
                                            {"expression prediction, untrained", &p.untrained}}) {
                out.push_back({split, name, "mean Pearson r", rep->meanPearson});
                out.push_back({split, name, "median Pearson r", rep->medianPearson});
                out.push_back({split, name, "genes scored", static_cast<double>(rep->scoredGenes)});
            }
        }
    }
    const BatchResult b = batchEffectsFromFile(f);
    if (b.available) {
        for (const auto& [name, rep] : {std::pair{"batch by section, image", &b.image}, {"batch by section, gene", &b.gene}}) {
            out.push_back({"all", name, "silhouette batch", rep->batchSilhouette.score});
            out.push_back({"all", name, "iLISI median", rep->ilisi.median});
            out.push_back({"all", name, "kNN batch accuracy (balanced)", rep->knn.balancedAccuracy});
        }
    }
    return out;
}

std::map<std::string, SectionRole> runSectionRoles(const std::string& path) {
    const Hdf5File f(path);
    std::map<std::string, SectionRole> roles;
    for (const char* split : {"train", "validation", "test"}) {
        const std::string at = std::string("/splits/") + split;
        if (f.isDataset(at))
            for (const auto& section : f.readStrings(at)) roles[section].split = split;
    }
    if (f.isDataset("/donors/section") && f.isDataset("/donors/donor")) {
        const auto sections = f.readStrings("/donors/section"), donors = f.readStrings("/donors/donor");
        if (sections.size() != donors.size()) throw Hdf5Error(f.where("/donors/donor") + "differs in length from /donors/section");
        for (std::size_t i = 0; i < sections.size(); ++i) roles[sections[i]].donor = donors[i];
    }
    return roles;
}

}  // namespace hescape
