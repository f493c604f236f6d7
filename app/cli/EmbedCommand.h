// `hescape embed CONFIG.json --checkpoint FILE --out EMB.h5`: image and gene
// embeddings of every spot of every section the configuration names.
#pragma once

#include <string>
#include <vector>

namespace hescape::cli {
int runEmbed(const std::vector<std::string>& args);
}
