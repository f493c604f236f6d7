// Image patches for the cross-modal pairs: a square of a given size in
// micrometres centred on each spot, read from the best pyramid level,
// resampled to the encoder's input size, on worker threads. Spots whose patch
// leaves the slide or is mostly background are skipped and reported, never
// silently dropped. Plain C++ (no torch): the engine turns these into tensors.
#pragma once

#include "core/common/Progress.h"
#include "core/slide/Slide.h"
#include "core/spatial/SpatialDataset.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hescape {

struct PatchOptions {
    double sizeMicrons = 110.0;  // HESCAPE's default field of view
    int outputPixels = 224;
    double maxBackgroundFraction = 0.9;  // skip patches with more glass than this
    int backgroundLevel = 220;           // a pixel is background when R, G and B are all at least this
    int threads = 0;                     // 0: every hardware thread
};

// Area-average resampling of an RGBA region to size x size RGB (alpha is
// composited on white, as transparent areas are glass): how every patch gets
// the encoder's size, whether cut from a slide or taken from HEST's patches.
void resampleToSize(const RgbaImage& src, int size, std::uint8_t* out);

struct SkippedPatch {
    std::int64_t observation = 0;
    std::string reason;
};

struct PatchSet {
    int size = 0;                           // output pixels per side
    std::vector<std::uint8_t> rgb;          // kept patches, each size*size*3, row-major RGB
    std::vector<std::int64_t> observation;  // the data-set row of each kept patch
    std::vector<SkippedPatch> skipped;

    std::size_t count() const { return observation.size(); }
    const std::uint8_t* patch(std::size_t i) const { return rgb.data() + i * static_cast<std::size_t>(size) * size * 3; }
};

// `centres` are level-0 slide pixels, one per observation. Throws SlideError
// when the slide has no microns-per-pixel, CancelledError when cancelled.
PatchSet extractPatches(const Slide& slide, const std::vector<Point2>& centres, const PatchOptions& options,
                        const Progress& progress = {});

}  // namespace hescape
