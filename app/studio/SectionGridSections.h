// The sections of a folder for the all-sections grid (SectionGridWindow):
// each section's slide read down to a thumbnail, its data set, and its spots
// placed on the thumbnail in micrometres -- in slide pixels for every section
// when one slide has no pixel size, since one scale must hold for all.
// Blocking: run it as a task.
#pragma once

#include "core/common/Progress.h"
#include "core/spatial/SpatialDataset.h"
#include "widgets/spatial/SectionGridView.h"

#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

namespace hescape {

struct GridSection {
    QString name;
    QString datasetPath;
    SectionPanel panel;
    std::shared_ptr<const SpatialDataset> dataset;
    std::vector<double> librarySizes;
};

struct GridSections {
    QString folder;
    std::vector<GridSection> sections;
    bool micrometres = true;
    QStringList notes;  // each section left out, and why; or why the unit is pixels
};

// Every slide with a data set in `folder` (slidesWithDataIn). A section that
// cannot be read is left out with a note naming its file; throws
// CancelledError when cancelled.
GridSections loadGridSections(const QString& folder, const Progress& progress);

}  // namespace hescape
