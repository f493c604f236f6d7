// Reading a spatial data set off the GUI thread, with the per-gene column
// index and library sizes prepared there too, so gene switches are instant.
#pragma once

#include "core/spatial/SpatialDataset.h"

#include <QFuture>
#include <QList>
#include <QString>

#include <memory>
#include <vector>

namespace hescape {

struct DatasetLoadResult {
    QString path;
    std::shared_ptr<const SpatialDataset> dataset;
    std::vector<double> librarySizes;
    QString error;  // empty on success
};

QFuture<DatasetLoadResult> loadDatasetAsync(const QString& path);

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
