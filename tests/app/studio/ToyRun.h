// A toy run file for a demo section: each spot's gene embedding equals its
// image embedding (random unit vectors, fixed seed), so every alignment is 1
// and every spot's best partner is itself; or, with aligned = false, the gene
// embeddings are drawn independently (a run that learned nothing). Shared by
// the main-window tests.
#pragma once

#include "core/engine/RunResultsFile.h"
#include "core/spatial/AnnDataReader.h"

#include <cmath>
#include <random>
#include <string>

inline hescape::PairEmbeddings toyEmbeddings(const hescape::SpatialDataset& section, const std::string& sectionName,
                                             const std::string& split = "test", int dim = 16, bool aligned = true,
                                             unsigned seed = 4) {
    hescape::PairEmbeddings e;
    e.split = split;
    e.dim = dim;
    std::mt19937 rng(seed);
    std::mt19937 unrelated(seed + 95);
    std::normal_distribution<float> normal;
    const auto unit = [&](std::mt19937& g) {
        std::vector<float> v(static_cast<std::size_t>(dim));
        double n = 0;
        for (auto& x : v) {
            x = normal(g);
            n += x * x;
        }
        for (auto& x : v) x = static_cast<float>(x / std::sqrt(n));
        return v;
    };
    for (std::size_t i = 0; i < section.obsNames.size(); ++i) {
        const std::vector<float> v = unit(rng);
        const std::vector<float> g = aligned ? v : unit(unrelated);
        e.image.insert(e.image.end(), v.begin(), v.end());
        e.gene.insert(e.gene.end(), g.begin(), g.end());
        e.section.push_back(sectionName);
        e.obsName.push_back(section.obsNames[i]);
        e.centreX.push_back(0);
        e.centreY.push_back(0);
    }
    return e;
}

inline void writeAlignedToyRun(const std::string& runPath, const hescape::SpatialDataset& section, const std::string& sectionName,
                               int dim = 16, bool aligned = true) {
    hescape::writeEmbeddings(runPath, {}, "none", {toyEmbeddings(section, sectionName, "test", dim, aligned)});
}
