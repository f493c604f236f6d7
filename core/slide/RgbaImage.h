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

// Writes one premultiplied colour as straight RGBA: colour divided by alpha
// (rounded, clamped); fully transparent pixels become (0, 0, 0, 0).
inline void storeUnpremultiplied(std::uint8_t* dst, std::uint32_t r, std::uint32_t g, std::uint32_t b, std::uint32_t a) {
    if (a == 0) {
        r = g = b = 0;
    } else if (a != 255) {
        r = (r * 255 + a / 2) / a;
        g = (g * 255 + a / 2) / a;
        b = (b * 255 + a / 2) / a;
        r = r > 255 ? 255 : r;
        g = g > 255 ? 255 : g;
        b = b > 255 ? 255 : b;
    }
    dst[0] = static_cast<std::uint8_t>(r);
    dst[1] = static_cast<std::uint8_t>(g);
    dst[2] = static_cast<std::uint8_t>(b);
    dst[3] = static_cast<std::uint8_t>(a);
}

}  // namespace hescape
