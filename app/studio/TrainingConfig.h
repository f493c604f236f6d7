// The Training dock's settings as the engine's TrainConfig: the one
// translation behind the in-process run (TrainingRunner), the multi-process
// launcher's configuration file and the run file's stored configuration, so
// that `hescape train` on that configuration repeats a run from the dock.
#pragma once

#include <string>

namespace hescape {

struct TrainConfig;
struct TrainingSettings;

TrainConfig trainConfigFor(const TrainingSettings& settings);
// trainConfigJson(trainConfigFor(settings)), for callers that only write it.
std::string trainConfigJsonFor(const TrainingSettings& settings);

}  // namespace hescape
