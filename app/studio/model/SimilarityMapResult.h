// What the similarity-map choice shows on the open data set, computed without
// any widget: the per-spot values, the legend title and colormap, the status
// message (the query's own rank among the spots), the spots to mark (a
// query's top k), or, when there is nothing to draw, why. The window only
// applies the result; tests run it without a display.
#pragma once

#include "core/eval/SimilarityMaps.h"
#include "core/render/Colormap.h"

#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

namespace hescape {

class SpatialDataset;

struct SimilarityMapRequest {
    SimilarityMapMode mode = SimilarityMapMode::Off;
    std::int64_t queryObs = -1;  // the clicked observation, for the query modes
    int topK = 10;
    QString gene;             // for the gene-direction map
    QString datasetFileName;  // the open data set's file name, for messages
    QString section;          // its section name, for messages
};

struct SimilarityMapResult {
    bool shown = false;  // false: nothing to draw; `message` says why (empty for Off)
    std::vector<float> values;
    QString legendTitle;
    ColormapId colormap = ColormapId::Viridis;
    QString message;
    std::optional<std::vector<std::int64_t>> marked;  // the query modes' top k
};

// `runRows`: each observation's run row or -1 (matchObservations);
// `librarySizes`: the data set's, for the gene map's log1p values.
SimilarityMapResult computeSimilarityMap(const SimilarityMapRequest& request, const RunEmbeddings& run,
                                         const std::vector<std::int64_t>& runRows, const SpatialDataset& dataset,
                                         const std::vector<double>& librarySizes);

}  // namespace hescape
