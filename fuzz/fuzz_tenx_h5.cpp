// Fuzz target: 10x feature-barcode matrices (.h5; core/spatial/TenxMatrixReader).
#include "core/spatial/TenxMatrixReader.h"
#include "fuzz/FuzzTarget.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const hescape::fuzz::ScratchFolder folder;
    const std::string path = folder.write("filtered_feature_bc_matrix.h5", {data, size});
    hescape::fuzz::expectReadOrError([&] { (void)hescape::readTenxMatrix(path); });
    return 0;
}
