// `hescape info SLIDE [--json]`: what a slide file holds.
#pragma once

#include <string>
#include <vector>

namespace hescape::cli {
int runInfo(const std::vector<std::string>& args);
}
