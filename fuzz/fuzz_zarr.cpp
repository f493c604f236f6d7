// Fuzz target: AnnData stored as Zarr v2/v3 (core/spatial/AnnDataZarrReader,
// over core/io/Zarr*): the table of a SpatialData store, as a folder archive
// (FuzzInput.h) of its .zgroup/.zarray/.zattrs/zarr.json files and chunks.
#include "core/spatial/AnnDataZarrReader.h"
#include "fuzz/FuzzTarget.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const hescape::fuzz::ScratchFolder folder;
    if (!hescape::fuzz::unpackFolderArchive({data, size}, folder)) return 0;
    const std::string dir = folder.path().string();
    hescape::fuzz::expectReadOrError([&] { (void)hescape::readAnnDataZarr(dir); });
    hescape::fuzz::expectReadOrError([&] { (void)hescape::readSpatialDataTableAttrs(dir); });
    return 0;
}
