// Fuzz target: AnnData .h5ad files (core/spatial/AnnDataReader).
#include "core/spatial/AnnDataReader.h"
#include "fuzz/FuzzTarget.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const hescape::fuzz::ScratchFolder folder;
    const std::string path = folder.write("input.h5ad", {data, size});
    hescape::fuzz::expectReadOrError([&] { (void)hescape::readAnnData(path); });
    return 0;
}
