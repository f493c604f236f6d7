// openSpatialDataset(): recognises a spatial data set by what is on disk and
// calls the right reader — .h5ad (AnnData), a Visium or Xenium output folder
// (or the .h5 inside it), a legacy ST counts table with its selection file.
#pragma once

#include "core/common/Progress.h"
#include "core/spatial/SpatialDataset.h"

#include <string>

namespace hescape {

class Slide;

// What kind of data set `path` looks like ("h5ad", "visium", "visium_hd" for
// a Visium HD output with several bin folders -- it opens the 8 um bins --,
// "xenium", "hest" for a HEST-1k folder -- it opens its first sample --,
// "st"), or empty when none. Cheap: looks at names and files only.
// (A single Visium HD bin folder is "visium"; its reader tells the bins.)
std::string detectDatasetFormat(const std::string& path);

// The dataset -> slide transform for showing `ds` on the slide at
// `slidePath`: an image in ds.toImages (a SpatialData store's images, a
// Visium folder's placed CytAssist image) gets its own map; Visium's
// tissue_hires_image / tissue_lowres_image get their scale factor
// (coordinates are full-resolution pixels); otherwise ds.toSlide.
AffineTransform transformForSlide(const SpatialDataset& ds, const std::string& slidePath);

// The pixel size of an image that records none, from the data folder it
// belongs to (experiment.xenium; Visium's scale factors; a HEST sample's
// metadata, which wins over the TIFF's own). False when none applies; throws
// DatasetError for a HEST sample whose metadata is malformed.
bool applyCompanionPixelSize(Slide& slide);

// Throws DatasetError naming the path when nothing matches or reading fails.
SpatialDataset openSpatialDataset(const std::string& path, const Progress& progress = {});

}  // namespace hescape
