// `hescape convert IMAGE OUT.tiff`: plain image -> pyramidal TIFF.
#pragma once

#include <string>
#include <vector>

namespace hescape::cli {
int runConvert(const std::vector<std::string>& args);
}
