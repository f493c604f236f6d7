// Fuzz target: the JSON parser every JSON reader goes through (core/io/Json:
// scale factors, Zarr metadata, training configs, experiment.xenium).
#include "core/io/Json.h"
#include "fuzz/FuzzTarget.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    hescape::fuzz::expectReadOrError([&] { (void)hescape::parseJson(text, "fuzz-input.json"); });
    return 0;
}
