// The retrieval and alignment numbers of every split of a run (or embeddings)
// file as flat (split, protocol, metric, value) rows, for tables and CSV.
#pragma once

#include <string>
#include <vector>

namespace hescape {

struct NamedMetric {
    std::string split, protocol, metric;
    double value = 0;
};

// Throws Hdf5Error naming the file and the dataset.
std::vector<NamedMetric> runRetrievalMetrics(const std::string& path);

}  // namespace hescape
