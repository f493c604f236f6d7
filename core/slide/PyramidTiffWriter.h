// Writes a tiled, JPEG-compressed pyramidal TIFF that OpenSlide opens as
// "generic-tiff": level 0 streamed in row order, lower levels (each 2x or 4x
// smaller, marked reduced-resolution) built on the way, resolution tags set from
// the microns per pixel. The file appears atomically (temp file + rename).
#pragma once

#include "core/common/Progress.h"
#include "core/slide/Slide.h"

#include <cstdint>
#include <memory>
#include <string>

namespace hescape {

struct PyramidTiffOptions {
    int tileSize = 256;  // multiple of 16
    int jpegQuality = 85;
    std::optional<MicronsPerPixel> mpp;
    std::string description;  // ImageDescription of level 0
    int levelStep = 2;        // each level is 2x (or 4x, as Aperio does) smaller than the last
    int smallestLevel = 512;  // stop reducing once both sides are at most this
};

class PyramidTiffWriter {
public:
    // Throws SlideError when the file cannot be created or the options are invalid.
    PyramidTiffWriter(std::string path, int width, int height, PyramidTiffOptions options);
    ~PyramidTiffWriter();  // an unfinished file is removed
    PyramidTiffWriter(const PyramidTiffWriter&) = delete;
    PyramidTiffWriter& operator=(const PyramidTiffWriter&) = delete;

    // One row of level 0, `width` pixels of RGBA (alpha is composited on white).
    void appendRow(const std::uint8_t* rgba);
    // Writes the lower levels and moves the file into place.
    void finish(const Progress& progress = {});

    int rowsWritten() const;
    int levelCount() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hescape
