// Slide backend for ordinary PNG/JPEG/TIFF images (e.g. Visium's
// tissue_hires_image.png): decoded once into memory with a box-filtered
// pyramid so views treat them exactly like whole-slide images.
#pragma once

#include "core/slide/Slide.h"

namespace hescape {

// Thrown for plain images too large to hold decoded in memory; they are
// converted once into a pyramidal TIFF instead (see PyramidTiffConverter).
class ImageTooLargeError : public SlideError {
public:
    ImageTooLargeError(const std::string& message, std::int64_t w, std::int64_t h)
        : SlideError(message), width(w), height(h) {}
    std::int64_t width;
    std::int64_t height;
};

class PlainImageSlide final : public Slide {
public:
    // Images with more pixels than this are refused with ImageTooLargeError
    // (the same limit Qt's image reader applies: 256 MiB of RGBA).
    static constexpr std::int64_t kMaxPixels = std::int64_t{64} * 1024 * 1024;

    explicit PlainImageSlide(const std::string& path);
    std::string format() const override { return "plain-image"; }

protected:
    void readRegionInto(int level, std::int64_t x, std::int64_t y, RgbaImage& out) const override;

private:
    std::vector<RgbaImage> pyramid_;
};

// Halves an image with a 2x2 box filter (odd edges replicate the last pixel).
RgbaImage downsampleByTwo(const RgbaImage& src);

}  // namespace hescape
