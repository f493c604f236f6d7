// Reading a spatial data set off the GUI thread, with library sizes, the
// first gene to show and the sorted-rows check of a CSR matrix prepared there
// too, so the GUI thread never scans the matrix. The per-gene column index
// is not built here: the caller builds it in the background once the data set
// is on screen (until then column() binary-searches the rows).
#pragma once

#include "core/spatial/SpatialDataset.h"

#include <QList>
#include <QString>

#include <cstdint>
#include <memory>
#include <vector>

namespace hescape {

struct DatasetLoadResult {
    QString path;
    std::shared_ptr<const SpatialDataset> dataset;
    std::vector<double> librarySizes;
    // The gene to colour by first: ERBB2 (HER2) where it exists, else the gene
    // with the most counts; -1 for a data set with no genes.
    std::int64_t startGene = -1;
    QString error;  // empty on success
};

// Blocking: call it off the GUI thread (DocumentLoader runs it as a task).
DatasetLoadResult loadDataset(const QString& path);

// The data set that belongs to a slide: "<name>.h5ad" beside "<name>.tiff".
QString companionDataset(const QString& slidePath);

// Every slide in `folder` that has a companion data set, sorted by name
// (the demo's six sections, or a user's folder laid out the same way).
struct SlideWithData {
    QString name;  // the slide's base name, e.g. "C3"
    QString slide;
    QString dataset;
};
QList<SlideWithData> slidesWithDataIn(const QString& folder);

}  // namespace hescape
