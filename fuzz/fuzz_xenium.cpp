// Fuzz target: a Xenium output folder (core/spatial/XeniumReader): cells.csv
// or cells.parquet, the H&E alignment CSV, experiment.xenium (JSON) and the
// matrix .h5, as a folder archive (FuzzInput.h).
#include "core/spatial/XeniumReader.h"
#include "fuzz/FuzzTarget.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const hescape::fuzz::ScratchFolder folder;
    if (!hescape::fuzz::unpackFolderArchive({data, size}, folder)) return 0;
    hescape::fuzz::expectReadOrError([&] { (void)hescape::readXenium(folder.path().string()); });
    return 0;
}
