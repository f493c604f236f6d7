// Fuzz target: legacy Spatial Transcriptomics TSVs (core/spatial/StReader):
// a folder archive holding counts.tsv and selection.tsv (FuzzInput.h).
#include "core/spatial/StReader.h"
#include "fuzz/FuzzTarget.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const hescape::fuzz::ScratchFolder folder;
    if (!hescape::fuzz::unpackFolderArchive({data, size}, folder)) return 0;
    const hescape::StFiles files{(folder.path() / "counts.tsv").string(), (folder.path() / "selection.tsv").string()};
    hescape::fuzz::expectReadOrError([&] { (void)hescape::readSpatialTranscriptomics(files); });
    return 0;
}
