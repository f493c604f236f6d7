// Legacy Spatial Transcriptomics (Ståhl et al. 2016), as in the HER2+ breast
// cancer set: a counts table (spots x genes, TSV, gzip allowed; first column
// the spot id "XxY" in array coordinates) and a spot selection file (array x,
// y, pixel_x, pixel_y in the H&E image, selected flag).
#pragma once

#include "core/spatial/SpatialDataset.h"

namespace hescape {

struct StFiles {
    std::string counts;     // <section>_counts.tsv(.gz)
    std::string selection;  // <section>_selection.tsv
};

// Spots in the counts table without a selected row in the selection file are
// an error naming the spot. Coordinates: H&E image pixels; spot diameter 100 um
// at `micronsPerPixel` (0.69 for the HER2+ images), so diameter = 100 / mpp px.
SpatialDataset readSpatialTranscriptomics(const StFiles& files, double micronsPerPixel = 0.69);

}  // namespace hescape
