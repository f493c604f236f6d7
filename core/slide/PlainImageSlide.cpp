// Decodes a plain image into memory and serves regions from an in-memory
// pyramid; used for images small enough that a pyramid file is not needed.
#include "core/slide/PlainImageSlide.h"

#include "core/slide/ImageDecoder.h"

#include <algorithm>
#include <cstring>

namespace hescape {

RgbaImage downsampleByTwo(const RgbaImage& src) {
    RgbaImage dst((src.width + 1) / 2, (src.height + 1) / 2);
    for (int y = 0; y < dst.height; ++y) {
        const int y0 = 2 * y, y1 = std::min(2 * y + 1, src.height - 1);
        for (int x = 0; x < dst.width; ++x) {
            const int x0 = 2 * x, x1 = std::min(2 * x + 1, src.width - 1);
            const std::uint8_t* p[4] = {src.pixel(x0, y0), src.pixel(x1, y0), src.pixel(x0, y1), src.pixel(x1, y1)};
            std::uint8_t* d = dst.pixel(x, y);
            // Average in premultiplied space so transparent pixels do not darken edges.
            unsigned a = 0, r = 0, g = 0, b = 0;
            for (const auto* q : p) {
                a += q[3];
                r += q[0] * q[3];
                g += q[1] * q[3];
                b += q[2] * q[3];
            }
            d[3] = static_cast<std::uint8_t>((a + 2) / 4);
            if (a > 0) {
                d[0] = static_cast<std::uint8_t>((r + a / 2) / a);
                d[1] = static_cast<std::uint8_t>((g + a / 2) / a);
                d[2] = static_cast<std::uint8_t>((b + a / 2) / a);
            }
        }
    }
    return dst;
}

PlainImageSlide::PlainImageSlide(const std::string& path) : Slide(path) {
    const ImageInfo info = probeImage(path);
    const std::int64_t pixels = static_cast<std::int64_t>(info.width) * info.height;
    if (pixels > kMaxPixels) {
        throw ImageTooLargeError(path + ": " + std::to_string(info.width) + " x " + std::to_string(info.height) +
                                     " pixels is too large to open directly; convert it to a pyramidal TIFF first",
                                 info.width, info.height);
    }
    RgbaImage base(info.width, info.height);
    decodeImage(path, [&](int y, const std::uint8_t* row) {
        std::memcpy(base.pixel(0, y), row, static_cast<std::size_t>(info.width) * 4);
    });
    properties_["plain-image.format"] = info.format;
    properties_["plain-image.width"] = std::to_string(info.width);
    properties_["plain-image.height"] = std::to_string(info.height);

    pyramid_.push_back(std::move(base));
    while (std::max(pyramid_.back().width, pyramid_.back().height) > 512) {
        pyramid_.push_back(downsampleByTwo(pyramid_.back()));
    }
    for (const auto& img : pyramid_) {
        SlideLevel lv;
        lv.width = img.width;
        lv.height = img.height;
        lv.downsample = static_cast<double>(pyramid_.front().width) / img.width;
        levels_.push_back(lv);
    }
}

void PlainImageSlide::readRegionInto(int level, std::int64_t x, std::int64_t y, RgbaImage& out) const {
    const RgbaImage& src = pyramid_[static_cast<std::size_t>(level)];
    const double ds = levels_[static_cast<std::size_t>(level)].downsample;
    const auto lx = static_cast<std::int64_t>(x / ds), ly = static_cast<std::int64_t>(y / ds);
    const std::int64_t sx0 = std::max<std::int64_t>(lx, 0), sy0 = std::max<std::int64_t>(ly, 0);
    const std::int64_t sx1 = std::min<std::int64_t>(lx + out.width, src.width);
    const std::int64_t sy1 = std::min<std::int64_t>(ly + out.height, src.height);
    if (sx1 <= sx0 || sy1 <= sy0) return;
    for (std::int64_t sy = sy0; sy < sy1; ++sy) {
        std::memcpy(out.pixel(static_cast<int>(sx0 - lx), static_cast<int>(sy - ly)),
                    src.pixel(static_cast<int>(sx0), static_cast<int>(sy)), static_cast<std::size_t>(sx1 - sx0) * 4);
    }
}

}  // namespace hescape
