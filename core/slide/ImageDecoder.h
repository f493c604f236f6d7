// Streaming decoders for plain raster images (JPEG, PNG, TIFF), identified
// by their magic bytes, delivering straight-alpha RGBA rows top to bottom.
#pragma once

#include "core/common/Progress.h"

#include <cstdint>
#include <functional>
#include <string>

namespace hescape {

struct ImageInfo {
    std::string format;  // "jpeg", "png" or "tiff"
    int width = 0;
    int height = 0;
};

// Reads the header only. Throws SlideError for unknown or unreadable files.
ImageInfo probeImage(const std::string& path);

// Calls sink(y, rgbaRow) for every row y = 0 .. height-1 in order; rgbaRow
// holds width * 4 bytes and is valid only during the call. Throws SlideError
// on corrupt or truncated data, CancelledError when progress.cancel is set.
using RowSink = std::function<void(int y, const std::uint8_t* rgba)>;
void decodeImage(const std::string& path, const RowSink& sink, const Progress& progress = {});

}  // namespace hescape
