// Streams decoded rows of a plain image into PyramidTiffWriter, applying the
// crop, so that even ~100-megapixel JPEGs convert in bounded memory.
#include "core/slide/PyramidTiffConverter.h"

#include "core/slide/ImageDecoder.h"

#include <algorithm>

namespace hescape {

PixelRect convertToPyramidTiff(const std::string& input, const std::string& output, const PyramidConversion& conversion,
                               const Progress& progress) {
    const ImageInfo info = probeImage(input);
    PixelRect r{0, 0, info.width, info.height};
    if (conversion.crop) {
        const PixelRect& c = *conversion.crop;
        const int x0 = std::clamp(c.x, 0, info.width), y0 = std::clamp(c.y, 0, info.height);
        const int x1 = std::clamp(c.x + c.width, 0, info.width), y1 = std::clamp(c.y + c.height, 0, info.height);
        if (x1 <= x0 || y1 <= y0) throw SlideError(input + ": the crop rectangle lies outside the image");
        r = {x0, y0, x1 - x0, y1 - y0};
    }
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
