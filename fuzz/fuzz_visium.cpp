// Fuzz target: a Space Ranger output folder (core/spatial/VisiumReader):
// tissue_positions(.csv / _list.csv / .parquet), scalefactors_json.json and
// the matrix .h5, as a folder archive (FuzzInput.h).
#include "core/spatial/VisiumReader.h"
#include "fuzz/FuzzTarget.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const hescape::fuzz::ScratchFolder folder;
    if (!hescape::fuzz::unpackFolderArchive({data, size}, folder)) return 0;
    hescape::fuzz::expectReadOrError([&] { (void)hescape::readVisium(folder.path().string()); });
    return 0;
}
