// Reading a training configuration (JSON, documented in docs/training.md)
// into a TrainConfig, with errors that name the file and the field.
#pragma once

#include "core/engine/ClipTrainer.h"

#include <stdexcept>
#include <string>

namespace hescape {

class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Relative paths in the file are resolved against the file's folder.
TrainConfig readTrainConfig(const std::string& path);
// $XDG_CACHE_HOME/hescape/patches (or ~/.cache/hescape/patches): where runs
// from configuration files keep their patch store unless told otherwise.
std::string defaultPatchStore();

}  // namespace hescape
