// A plain 8-bit RGBA raster in straight (not premultiplied) alpha: what
// slides hand out, what caches hold and what views upload as textures.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hescape {

struct RgbaImage {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> pixels;  // row-major, 4 bytes per pixel: R, G, B, A

    RgbaImage() = default;
    RgbaImage(int w, int h) : width(w), height(h), pixels(static_cast<std::size_t>(w) * h * 4, 0) {}

    bool empty() const { return width <= 0 || height <= 0; }
    std::size_t byteSize() const { return pixels.size(); }
    std::uint8_t* pixel(int x, int y) { return pixels.data() + (static_cast<std::size_t>(y) * width + x) * 4; }
    const std::uint8_t* pixel(int x, int y) const {
        return pixels.data() + (static_cast<std::size_t>(y) * width + x) * 4;
    }
};

}  // namespace hescape
