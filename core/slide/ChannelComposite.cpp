// ChannelComposite: the additive composite and histogram loops.
#include "core/slide/ChannelComposite.h"

#include <algorithm>
#include <cmath>

namespace hescape {

LevelWindow levelWindow(const SlideLevel& lv, std::int64_t x, std::int64_t y, int w, int h) {
    const auto ox = static_cast<std::int64_t>(std::floor(static_cast<double>(x) / lv.downsample));
    const auto oy = static_cast<std::int64_t>(std::floor(static_cast<double>(y) / lv.downsample));
    return {ox, oy, std::max<std::int64_t>(ox, 0), std::max<std::int64_t>(oy, 0), std::min<std::int64_t>(ox + w, lv.width),
            std::min<std::int64_t>(oy + h, lv.height)};
}

ChannelComposite::ChannelComposite(const LevelWindow& win)
    : win_(win), width_(static_cast<std::size_t>(win.x1 - win.x0)), acc_(width_ * static_cast<std::size_t>(win.y1 - win.y0) * 3, 0) {}

void ChannelComposite::add(const SampleBlock& b, const std::vector<std::uint8_t>& lut, const Rgb8& colour) {
    const std::int64_t xa = std::max(win_.x0, b.x), xb = std::min(win_.x1, b.x + b.w);
    const std::int64_t ya = std::max(win_.y0, b.y), yb = std::min(win_.y1, b.y + b.h);
    // One loop per sample width, so that the inner loop does not branch on it.
    const auto run = [&]<typename Sample>(Sample) {
        for (std::int64_t y = ya; y < yb; ++y) {
            const std::uint8_t* row = b.data + (static_cast<std::size_t>(y - b.y) * b.stride + static_cast<std::size_t>(xa - b.x)) * sizeof(Sample);
            std::uint32_t* a = acc_.data() + (static_cast<std::size_t>(y - win_.y0) * width_ + static_cast<std::size_t>(xa - win_.x0)) * 3;
            for (std::int64_t x = xa; x < xb; ++x, a += 3, row += sizeof(Sample)) {
                Sample v;
                std::memcpy(&v, row, sizeof v);
                const std::uint32_t t = lut[v];
                a[0] += colour[0] * t;
                a[1] += colour[1] * t;
                a[2] += colour[2] * t;
            }
        }
    };
    if (b.bits == 8) run(std::uint8_t{});
    else run(std::uint16_t{});
}

void ChannelComposite::writeTo(RgbaImage& out) const {
    const std::size_t rows = width_ ? acc_.size() / (width_ * 3) : 0;
    for (std::size_t y = 0; y < rows; ++y) {
        std::uint8_t* dst = out.pixel(static_cast<int>(win_.x0 - win_.ox), static_cast<int>(static_cast<std::int64_t>(y) + win_.y0 - win_.oy));
        const std::uint32_t* a = acc_.data() + y * width_ * 3;
        for (std::size_t x = 0; x < width_; ++x, dst += 4, a += 3) {
            for (int k = 0; k < 3; ++k) dst[k] = static_cast<std::uint8_t>(std::min<std::uint32_t>(255, (a[k] + 127) / 255));
            dst[3] = 255;
        }
    }
}

void addToHistogram(std::vector<std::uint64_t>& histogram, const SampleBlock& b) {
    for (std::int64_t y = 0; y < b.h; ++y)
        for (std::int64_t x = 0; x < b.w; ++x) ++histogram[b.at(static_cast<std::size_t>(y), static_cast<std::size_t>(x))];
}

}  // namespace hescape
