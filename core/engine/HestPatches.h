// HEST-1k's own patches as the engine's patch source: patches/<id>.h5 (what
// HEST's dump_patches writes: `img` N x S x S x 3 uint8 at 0.5 um/px -- 224 px,
// 112 um, by default -- with `barcode` N strings and `coords`), joined to the
// data set's observations by barcode. Each patch is cut to the configured
// field of view around its centre and resampled to the encoder's size the
// way PatchExtractor resamples slide regions, so the engine need not read
// the WSI at all. Observations without a patch are skipped and reported.
#pragma once

#include "core/common/Progress.h"
#include "core/engine/PatchExtractor.h"

#include <string>
#include <vector>

namespace hescape {

// HEST's patch resolution (HESTData.dump_patches' target_pixel_size).
inline constexpr double kHestPatchMicronsPerPixel = 0.5;

// Throws SlideError naming the file and the dataset: a shape that is not
// N x S x S x 3 uint8, barcodes that do not match N, more than 4 GiB of
// pixels, or a field of view (options.sizeMicrons) larger than the patches'.
PatchSet hestPatches(const std::string& h5Path, const std::vector<std::string>& obsNames, const PatchOptions& options,
                     const Progress& progress = {});

}  // namespace hescape
