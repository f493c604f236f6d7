// `hescape eval RUN.h5 [--split NAME] [--json]`: evaluation of a trained run.
#pragma once

#include <string>
#include <vector>

namespace hescape::cli {
int runEval(const std::vector<std::string>& args);
}
