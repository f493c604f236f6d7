// Printing an evaluation for `hescape eval`: a Markdown table, or one JSON
// object (--json) whose keys scripts and tests read.
#pragma once

#include "core/eval/EvaluationJob.h"

#include <string>

namespace hescape::cli {

// `written`: the evaluation was stored in the file (said at the end of the table).
void printRunEvaluation(const std::string& path, const RunEvaluation& evaluation, bool json, bool written);
void printAnnDataEvaluation(const std::string& path, const AnnDataEvaluation& evaluation, const AnnDataEvalOptions& options, bool json);

}  // namespace hescape::cli
