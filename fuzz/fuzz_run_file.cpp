// Fuzz target: run files' embeddings (HDF5; core/eval/SimilarityMaps
// readRunEmbeddings, the reader behind hescape eval and the app's maps).
#include "core/eval/SimilarityMaps.h"
#include "fuzz/FuzzTarget.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const hescape::fuzz::ScratchFolder folder;
    const std::string path = folder.write("run.h5", {data, size});
    hescape::fuzz::expectReadOrError([&] { (void)hescape::readRunEmbeddings(path); });
    return 0;
}
