// `hescape compare RUN.h5 ...`: the methods x metrics table of several runs
// (core/eval/MethodComparison.h), mean +- sd over each method's seeds.
#pragma once

#include "core/eval/MethodComparison.h"

#include <string>
#include <vector>

namespace hescape::cli {

int runCompare(const std::vector<std::string>& args);
// The table (Markdown) or one JSON object; also what `hescape train` prints after several seeds.
void printComparison(const std::vector<MethodRow>& rows, bool json);

}  // namespace hescape::cli
