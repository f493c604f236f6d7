// Converts a plain image (JPEG/PNG/TIFF, any size) into a pyramidal TIFF
// that OpenSlide opens, optionally cropped: how the app opens images too
// large to decode into memory, and how the bundled demo slides were made.
#pragma once

#include "core/common/Progress.h"
#include "core/slide/PyramidTiffWriter.h"

#include <optional>
#include <string>

namespace hescape {

struct PixelRect {
    int x = 0;
    int y = 0;
    int width = 0;
    int height = 0;
};

struct PyramidConversion {
    std::optional<PixelRect> crop;  // in source pixels; clipped to the image
    PyramidTiffOptions tiff;
};

// Returns the size of the written level 0. Throws SlideError, CancelledError.
PixelRect convertToPyramidTiff(const std::string& input, const std::string& output, const PyramidConversion& conversion,
                               const Progress& progress = {});

}  // namespace hescape
