// Format-independent parts of Slide: argument checking, level choice and the
// microns-per-pixel override, so that every backend behaves the same.
#include "core/slide/Slide.h"

#include <cmath>
#include <limits>
#include <sstream>

namespace hescape {

namespace {
// Largest region one call may return (1 GiB of RGBA); bigger asks are bugs.
constexpr std::int64_t kMaxRegionPixels = std::int64_t{1} << 28;
}  // namespace

const SlideLevel& Slide::level(int index) const {
    if (index < 0 || index >= levelCount()) {
        std::ostringstream msg;
        msg << path_ << ": level " << index << " does not exist (the slide has " << levelCount() << " level"
            << (levelCount() == 1 ? "" : "s") << ")";
        throw SlideError(msg.str());
    }
    return levels_[static_cast<std::size_t>(index)];
}

int Slide::bestLevelForDownsample(double downsample) const {
    int best = 0;
    for (int i = 0; i < levelCount(); ++i) {
        // Small tolerance: level downsamples are often 3.99999 rather than 4.
        if (levels_[static_cast<std::size_t>(i)].downsample <= downsample * 1.0001) best = i;
    }
    return best;
}

std::optional<MicronsPerPixel> Slide::micronsPerPixel() const {
    if (userMpp_) return userMpp_;
    return fileMpp_;
}

void Slide::setMicronsPerPixelFrom(MicronsPerPixel mpp, std::string source) {
    fileMpp_ = mpp;
    fileMppSource_ = std::move(source);
}

void Slide::setMicronsPerPixel(std::optional<MicronsPerPixel> mpp) {
    if (mpp && (!(mpp->x > 0.0) || !(mpp->y > 0.0) || !std::isfinite(mpp->x) || !std::isfinite(mpp->y))) {
        throw SlideError(path_ + ": microns per pixel must be positive and finite");
    }
    userMpp_ = mpp;
}

RgbaImage Slide::readAssociatedImage(const std::string& name) const {
    throw SlideError(path_ + ": no associated image named '" + name + "'");
}

RgbaImage Slide::readRegion(int levelIndex, std::int64_t x, std::int64_t y, int w, int h) const {
    level(levelIndex);  // throws for a level that does not exist
    if (w <= 0 || h <= 0) {
        std::ostringstream msg;
        msg << path_ << ": region size " << w << " x " << h << " is empty or negative";
        throw SlideError(msg.str());
    }
    if (static_cast<std::int64_t>(w) * h > kMaxRegionPixels) {
        std::ostringstream msg;
        msg << path_ << ": region " << w << " x " << h << " is larger than one read may return";
        throw SlideError(msg.str());
    }
    RgbaImage out(w, h);
    const auto& lv = levels_[static_cast<std::size_t>(levelIndex)];
    const double ds = lv.downsample;
    // A region entirely outside the slide is legal and simply transparent.
    const bool outside = x >= width() || y >= height() || x + static_cast<std::int64_t>(w * ds) <= 0 ||
                         y + static_cast<std::int64_t>(h * ds) <= 0;
    if (!outside) readRegionInto(levelIndex, x, y, out);
    return out;
}

}  // namespace hescape
