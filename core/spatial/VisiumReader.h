// 10x Visium (Space Ranger output): the feature-barcode matrix .h5, spot
// positions (tissue_positions.csv with header, or tissue_positions_list.csv
// without), scalefactors_json.json. Coordinates are full-resolution image
// pixels; the spot diameter comes from the scale factors.
#pragma once

#include "core/spatial/SpatialDataset.h"

namespace hescape {

// `path`: the Space Ranger output folder (or its `outs/`), or the matrix
// .h5 inside it. filtered_feature_bc_matrix.h5 is preferred over raw_.
SpatialDataset readVisium(const std::string& path);

}  // namespace hescape
