// The CytAssist image of a Visium or Visium HD output
// (spatial/cytassist_image.tiff, beside tissue_hires_image.png) as a slide:
// the map from the data set's full-resolution (microscope) pixels onto its
// pixels, when it is known. Two rules, nothing else:
// - Visium HD with a feature_slice.h5 at the output root (the folder that
//   holds binned_outputs/; a `<prefix>_feature_slice.h5` counts too, as in
//   spatialdata-io): the root attribute `metadata_json` (JSON text) holds
//   `transform_matrices` with `cytassist_colrow_to_spot_colrow` (A) and
//   `spot_colrow_to_microscope_colrow` (B), each nine numbers, a row-major
//   3 x 3 projective matrix. P = B A / (B A)[2][2] maps a CytAssist pixel
//   (x = col, y = row) to a microscope pixel, as spatialdata-io's visium_hd
//   reader composes them. When P is affine (its last row 0, 0, 1 to 1e-8, the
//   test spatialdata-io applies) the map is P's inverse; a projective P is
//   not offered (our maps are affine; spatialdata-io warps the image).
// - no feature_slice.h5 (a standard Visium run with a CytAssist image only,
//   where Space Ranger takes the CytAssist image itself as the tissue image):
//   the identity, if and only if the CytAssist image's width and height times
//   tissue_hires_scalef are tissue_hires_image.png's to within 1 px (rounding);
//   otherwise not offered.
// A feature_slice.h5 that is there but malformed (no metadata_json, bad JSON,
// a matrix missing, not nine finite numbers, a singular P) is a DatasetError
// naming the file and the field; a missing one is not an error.
#pragma once

#include "core/spatial/AffineTransform.h"

#include <optional>
#include <string>

namespace hescape {

inline constexpr const char* kCytAssistImageName = "cytassist_image.tiff";

struct CytAssistPlacement {
    std::string image;                       // spatial/cytassist_image.tiff; empty when the folder has none
    std::optional<AffineTransform> toImage;  // full-resolution pixels -> CytAssist pixels, when known
    // The CytAssist pixel's side in full-resolution pixels: sqrt(|det|) of P's
    // linear part (1 for the identity); 0 when not placed.
    double pixelScale = 0;
    std::string note;           // how it is placed, or why it is not
    std::string transformFile;  // the feature_slice.h5 the map comes from; empty for the identity
};

// The CytAssist image of a Visium data folder (matrix .h5 + spatial/, or a
// Visium HD bin folder); empty when there is none. Names only.
std::string cytAssistImageOf(const std::string& folder);

// Reads feature_slice.h5 (Visium HD) or the two images' sizes and the scale
// factors (Visium). Throws DatasetError for a malformed feature_slice.h5.
CytAssistPlacement placeCytAssistImage(const std::string& folder);

}  // namespace hescape
