// Streams decoded rows of a plain image (or bands of an OME-TIFF's level 0,
// RGB or composited as its channels are shown by default) into
// PyramidTiffWriter, applying the crop, so that even ~100-megapixel images
// convert in bounded memory.
#include "core/slide/PyramidTiffConverter.h"

#include "core/slide/ImageDecoder.h"
#include "core/slide/OmeTiffSlide.h"

#include <algorithm>
#include <limits>

namespace hescape {

namespace {

PixelRect clippedCrop(const std::string& input, const PyramidConversion& conversion, int width, int height) {
    PixelRect r{0, 0, width, height};
    if (conversion.crop) {
        const PixelRect& c = *conversion.crop;
        const int x0 = std::clamp(c.x, 0, width), y0 = std::clamp(c.y, 0, height);
        const int x1 = std::clamp(c.x + c.width, 0, width), y1 = std::clamp(c.y + c.height, 0, height);
        if (x1 <= x0 || y1 <= y0) throw SlideError(input + ": the crop rectangle lies outside the image");
        r = {x0, y0, x1 - x0, y1 - y0};
    }
    return r;
}

// Level 0 read in bands of 256 rows: memory stays at one band plus the
// backend's decoded-tile cache whatever the image size.
PixelRect convertOmeTiff(const std::string& input, const std::string& output, PyramidConversion conversion,
                         const Progress& progress) {
    const OmeTiffSlide slide(input);
    if (slide.width() > std::numeric_limits<int>::max() || slide.height() > std::numeric_limits<int>::max())
        throw SlideError(input + ": too large to convert");
    const PixelRect r = clippedCrop(input, conversion, static_cast<int>(slide.width()), static_cast<int>(slide.height()));
    if (!conversion.tiff.mpp) conversion.tiff.mpp = slide.micronsPerPixel();
    PyramidTiffWriter writer(output, r.width, r.height, conversion.tiff);
    constexpr int kBand = 256;
    for (int y = 0; y < r.height; y += kBand) {
        progress.throwIfCancelled();
        const int rows = std::min(kBand, r.height - y);
        const RgbaImage band = slide.readRegion(0, r.x, r.y + y, r.width, rows);
        for (int k = 0; k < rows; ++k) writer.appendRow(band.pixel(0, k));
        progress.update(0.85 * (y + rows) / r.height, "converting level 0");
    }
    Progress finishProgress;
    finishProgress.cancel = progress.cancel;
    finishProgress.report = [&](double f, const std::string& step) { progress.update(0.85 + f * 0.15, step); };
    writer.finish(finishProgress);
    return r;
}

}  // namespace

PixelRect convertToPyramidTiff(const std::string& input, const std::string& output, const PyramidConversion& conversion,
                               const Progress& progress) {
    if (OmeTiffSlide::canOpen(input)) return convertOmeTiff(input, output, conversion, progress);
    const ImageInfo info = probeImage(input);
    const PixelRect r = clippedCrop(input, conversion, info.width, info.height);
    PyramidTiffWriter writer(output, r.width, r.height, conversion.tiff);
    constexpr double kDecodeShare = 0.85;  // level 0 dominates; the lower levels are the rest
    Progress decodeProgress;
    decodeProgress.cancel = progress.cancel;
    decodeProgress.report = [&](double f, const std::string&) { progress.update(f * kDecodeShare, "converting level 0"); };
    decodeImage(
        input,
        [&](int y, const std::uint8_t* rgba) {
            if (y >= r.y && y < r.y + r.height) writer.appendRow(rgba + static_cast<std::size_t>(r.x) * 4);
        },
        decodeProgress);
    Progress finishProgress;
    finishProgress.cancel = progress.cancel;
    finishProgress.report = [&](double f, const std::string& step) {
        progress.update(kDecodeShare + f * (1 - kDecodeShare), step);
    };
    writer.finish(finishProgress);
    return r;
}

}  // namespace hescape
