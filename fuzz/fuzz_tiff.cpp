// Fuzz target: TIFF and OME-TIFF slides (core/slide/SlideOpener: OmeTiffSlide
// for OME-XML, OpenSlide, then the plain-image backend), opened and read at
// two corners of every level so that tile decoding is reached too.
#include "core/slide/Slide.h"
#include "fuzz/FuzzTarget.h"

#include <algorithm>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const hescape::fuzz::ScratchFolder folder;
    const std::string path = folder.write("input.ome.tif", {data, size});
    hescape::fuzz::expectReadOrError([&] {
        const std::unique_ptr<hescape::Slide> slide = hescape::openSlide(path);
        for (int level = 0; level < std::min(slide->levelCount(), 4); ++level) {
            const hescape::SlideLevel& l = slide->level(level);
            const auto downsample = static_cast<std::int64_t>(l.downsample);
            (void)slide->readRegion(level, 0, 0, 64, 64);
            (void)slide->readRegion(level, (l.width - 32) * downsample, (l.height - 32) * downsample, 64, 64);
        }
    });
    return 0;
}
