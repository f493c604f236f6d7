// extractPatches: each worker takes the next spot index from an atomic
// counter, reads its region, resamples it with an area filter and writes into
// its own slot, so results keep the spots' order without locking.
#include "core/engine/PatchExtractor.h"
#include "core/compute/ParallelFor.h"

#include <algorithm>
#include <atomic>
#include <cmath>

namespace hescape {

void resampleToSize(const RgbaImage& src, int size, std::uint8_t* out) {
    const double sx = static_cast<double>(src.width) / size, sy = static_cast<double>(src.height) / size;
    for (int y = 0; y < size; ++y) {
        const double y0 = y * sy, y1 = (y + 1) * sy;
        for (int x = 0; x < size; ++x) {
            const double x0 = x * sx, x1 = (x + 1) * sx;
            double acc[3] = {0, 0, 0}, wsum = 0;
            for (int py = static_cast<int>(y0); py < std::min<int>(src.height, static_cast<int>(std::ceil(y1))); ++py) {
                const double wy = std::min<double>(py + 1, y1) - std::max<double>(py, y0);
                for (int px = static_cast<int>(x0); px < std::min<int>(src.width, static_cast<int>(std::ceil(x1))); ++px) {
                    const double w = wy * (std::min<double>(px + 1, x1) - std::max<double>(px, x0));
                    if (w <= 0) continue;
                    const std::uint8_t* p = src.pixel(px, py);
                    const double a = p[3] / 255.0;
                    for (int c = 0; c < 3; ++c) acc[c] += w * (p[c] * a + 255.0 * (1 - a));
                    wsum += w;
                }
            }
            for (int c = 0; c < 3; ++c) {
                out[(static_cast<std::size_t>(y) * size + x) * 3 + c] =
                    static_cast<std::uint8_t>(std::clamp(std::lround(wsum > 0 ? acc[c] / wsum : 255.0), 0L, 255L));
            }
        }
    }
}

namespace {

// The share of a region's pixels that are transparent or brighter than
// `level` in every channel (glass).
double backgroundFraction(const RgbaImage& region, int level) {
    std::size_t background = 0;
    for (int k = 0; k < region.width * region.height; ++k) {
        const std::uint8_t* p = region.pixels.data() + static_cast<std::size_t>(k) * 4;
        background += p[3] == 0 || (p[0] >= level && p[1] >= level && p[2] >= level);
    }
    return static_cast<double>(background) / (static_cast<double>(region.width) * region.height);
}

}  // namespace

PatchSet extractPatches(const Slide& slide, const std::vector<Point2>& centres, const PatchOptions& options,
                        const Progress& progress) {
    const auto mpp = slide.micronsPerPixel();
    if (!mpp) {
        throw SlideError(slide.path() + ": the slide has no microns per pixel, so a patch of " +
                         std::to_string(options.sizeMicrons) + " um has no size in pixels; set it first");
    }
    if (!(options.sizeMicrons > 0) || options.outputPixels <= 0) throw SlideError(slide.path() + ": patch size must be positive");
    const double sideX = options.sizeMicrons / mpp->x, sideY = options.sizeMicrons / mpp->y;  // level-0 px
    const int level = slide.bestLevelForDownsample(std::min(sideX, sideY) / options.outputPixels);
    const double ds = slide.level(level).downsample;
    const int readW = std::max(1, static_cast<int>(std::lround(sideX / ds)));
    const int readH = std::max(1, static_cast<int>(std::lround(sideY / ds)));
    const std::size_t patchBytes = static_cast<std::size_t>(options.outputPixels) * options.outputPixels * 3;

    const std::size_t n = centres.size();
    std::vector<std::uint8_t> all(n * patchBytes);
    std::vector<std::string> reason(n);
    std::atomic<std::size_t> done{0};
    // One patch per chunk on the thread budget; the first read that fails
    // stops the rest and is thrown here (core/compute/ParallelFor.h).
    forEachChunk(static_cast<std::int64_t>(n), 1, options.threads, progress, [&](std::int64_t chunk, std::int64_t, std::int64_t) {
        const auto i = static_cast<std::size_t>(chunk);
        const double x0 = centres[i].x - sideX / 2, y0 = centres[i].y - sideY / 2;
        if (!std::isfinite(x0) || !std::isfinite(y0) || x0 < 0 || y0 < 0 || x0 + sideX > slide.width() || y0 + sideY > slide.height()) {
            reason[i] = "the patch leaves the slide";
        } else {
            try {
                const RgbaImage region = slide.readRegion(level, std::llround(x0), std::llround(y0), readW, readH);
                const double fraction = backgroundFraction(region, options.backgroundLevel);
                if (fraction > options.maxBackgroundFraction) {
                    reason[i] = "mostly background (" + std::to_string(static_cast<int>(std::lround(fraction * 100))) + " %)";
                } else {
                    resampleToSize(region, options.outputPixels, all.data() + i * patchBytes);
                }
            } catch (const SlideError&) {
                throw;
            } catch (const std::exception& e) {
                throw SlideError(e.what());
            }
        }
        const std::size_t d = ++done;
        if ((d & 15) == 0) progress.update(static_cast<double>(d) / static_cast<double>(n), "extracting patches");
    });
    progress.throwIfCancelled();

    PatchSet out;
    out.size = options.outputPixels;
    for (std::size_t i = 0; i < n; ++i) {
        if (!reason[i].empty()) {
            out.skipped.push_back({static_cast<std::int64_t>(i), reason[i]});
            continue;
        }
        out.observation.push_back(static_cast<std::int64_t>(i));
        out.rgb.insert(out.rgb.end(), all.begin() + static_cast<std::ptrdiff_t>(i * patchBytes),
                       all.begin() + static_cast<std::ptrdiff_t>((i + 1) * patchBytes));
    }
    progress.update(1.0, "patches extracted");
    return out;
}

}  // namespace hescape
