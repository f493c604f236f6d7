// Fuzz target: OME-XML (core/slide/OmeXml), the metadata of every OME-TIFF;
// the XML alone, so mutations are not spent on the TIFF around it.
#include "core/slide/OmeXml.h"
#include "fuzz/FuzzTarget.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string xml(reinterpret_cast<const char*>(data), size);
    hescape::fuzz::expectReadOrError([&] { (void)hescape::parseOmeXml(xml, "fuzz-input.ome.tif"); });
    return 0;
}
