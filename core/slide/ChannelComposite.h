// The pixel loops shared by the channel-image backends (OME-TIFF, OME-Zarr):
// which part of a region lies on a level, blocks of 8/16-bit samples as the
// files store them (a TIFF tile, one plane of a Zarr chunk), their additive
// composite through a channel's lookup table and colour, and the histogram
// behind the automatic contrast window.
#pragma once

#include "core/slide/ChannelDisplay.h"
#include "core/slide/RgbaImage.h"
#include "core/slide/Slide.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace hescape {

// The part of a readRegion that lies on the level: level pixels [x0, x1) x
// [y0, y1), written at out(x0 - ox, y0 - oy).
struct LevelWindow {
    std::int64_t ox, oy, x0, y0, x1, y1;
    bool empty() const { return x0 >= x1 || y0 >= y1; }
};
// For readRegionInto(level, x, y, out): (x, y) in level-0 pixels, w x h the output size.
LevelWindow levelWindow(const SlideLevel& level, std::int64_t x, std::int64_t y, int w, int h);

// Samples in native byte order covering level pixels [x, x + w) x [y, y + h),
// rows `stride` samples apart (a padded tile or chunk has stride > w).
struct SampleBlock {
    const std::uint8_t* data = nullptr;
    int bits = 8;
    std::size_t stride = 0;
    std::int64_t x = 0, y = 0, w = 0, h = 0;

    std::uint16_t at(std::size_t row, std::size_t col) const {
        const std::size_t i = row * stride + col;
        if (bits == 8) return data[i];
        std::uint16_t v;
        std::memcpy(&v, data + i * 2, 2);
        return v;
    }
};

// Sums tinted channel intensities over a window, then writes them (clamped) as opaque RGBA.
class ChannelComposite {
public:
    explicit ChannelComposite(const LevelWindow& win);
    void add(const SampleBlock& block, const std::vector<std::uint8_t>& lut, const Rgb8& colour);
    void writeTo(RgbaImage& out) const;

private:
    LevelWindow win_;
    std::size_t width_;
    std::vector<std::uint32_t> acc_;
};

// Counts every sample of the block (the histogram has one bin per value).
void addToHistogram(std::vector<std::uint64_t>& histogram, const SampleBlock& block);

}  // namespace hescape
