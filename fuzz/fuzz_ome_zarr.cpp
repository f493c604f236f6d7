// Fuzz target: OME-Zarr images (core/slide/OmeZarrSlide over core/io/Zarr*),
// a folder archive (FuzzInput.h) opened as a slide and read at two corners.
#include "core/slide/Slide.h"
#include "fuzz/FuzzTarget.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const hescape::fuzz::ScratchFolder folder;
    if (!hescape::fuzz::unpackFolderArchive({data, size}, folder)) return 0;
    hescape::fuzz::expectReadOrError([&] {
        const std::unique_ptr<hescape::Slide> slide = hescape::openSlide(folder.path().string());
        (void)slide->readRegion(0, 0, 0, 64, 64);
        (void)slide->readRegion(0, slide->width() - 32, slide->height() - 32, 64, 64);
    });
    return 0;
}
