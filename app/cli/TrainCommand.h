// `hescape train CONFIG.json`: contrastive pretraining from the command line.
#pragma once

#include <string>
#include <vector>

namespace hescape::cli {
int runTrain(const std::vector<std::string>& args);
}
