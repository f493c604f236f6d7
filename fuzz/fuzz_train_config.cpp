// Fuzz target: training configuration files (core/engine/TrainConfigFile).
#include "core/engine/TrainConfigFile.h"
#include "fuzz/FuzzTarget.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const hescape::fuzz::ScratchFolder folder;
    const std::string path = folder.write("train.json", {data, size});
    hescape::fuzz::expectReadOrError([&] { (void)hescape::readTrainConfig(path); });
    return 0;
}
