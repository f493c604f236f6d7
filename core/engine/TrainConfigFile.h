// A training configuration (JSON, documented in docs/training.md) read into
// a TrainConfig, with errors that name the file and the field, and written
// back: the one format the CLI, the Training dock, its multi-process
// launcher and run files all use.
#pragma once

#include "core/engine/TrainConfig.h"

#include <stdexcept>
#include <string>

namespace hescape {

class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Relative paths in the file are resolved against the file's folder.
TrainConfig readTrainConfig(const std::string& path);
// Every setting readTrainConfig reads, written out explicitly (no defaults
// relied on), with absolute paths as given: readTrainConfig(written) trains
// the same run. Run files keep it, so a run can be reproduced from its results.
std::string trainConfigJson(const TrainConfig& config);
// $XDG_CACHE_HOME/hescape/patches (or ~/.cache/hescape/patches): where runs
// from configuration files keep their patch store unless told otherwise.
std::string defaultPatchStore();

}  // namespace hescape
