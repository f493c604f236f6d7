// 10x Visium and Visium HD (Space Ranger output): the feature-barcode matrix
// .h5, spot or bin positions (tissue_positions.parquet as Space Ranger >= 2
// and every Visium HD output writes it, tissue_positions.csv with a header,
// or tissue_positions_list.csv without), scalefactors_json.json.
// Coordinates are full-resolution image pixels.
// - Visium: round 55 um spots; their diameter in pixels is the scale
//   factors' spot_diameter_fullres, so the pixel size is derived from it
//   (55 um / spot_diameter_fullres) and marked as derived.
// - Visium HD (a binned_outputs/square_NNNum folder; its scale factors carry
//   bin_size_um and microns_per_pixel): square bins of bin_size_um, drawn at
//   their true size and along the grid's own axes (the bins' rows and
//   columns, fitted from their array and pixel positions).
// - spatial/cytassist_image.tiff: placed through feature_slice.h5 or as the
//   full-resolution image itself (VisiumCytAssist.h) into toImages; how, or
//   why not, in imageNotes.
// Scale factors that are there but not positive numbers are errors naming
// the file and the key: a misread scale would put every spot off the image.
#pragma once

#include "core/spatial/SpatialDataset.h"

namespace hescape {

// `path`: the Space Ranger output folder (or its `outs/`), a Visium HD bin
// folder, or the matrix .h5 inside it. filtered_feature_bc_matrix.h5 is
// preferred over raw_.
SpatialDataset readVisium(const std::string& path);

// Visium's spot diameter, which fixes its pixel size.
inline constexpr double kVisiumSpotMicrons = 55.0;
// More bins than this are refused with a message (2 um bins of a full
// capture area are ~11 million: several GB as a data set); 8 and 16 um bins
// of a full capture area (~700,000 and ~175,000) open.
inline constexpr std::int64_t kMaxVisiumHdBins = 3'000'000;

}  // namespace hescape
