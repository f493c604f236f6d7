// One training run from start to written results, the same for the command
// line (`hescape train`) and the app's Training dock: prepare the data, start
// the results (with the untrained baseline), train with a report after every
// step, evaluate the test split, write the results file atomically. Callers
// only say how they report (a TrainingObserver) and where to write.
#pragma once

#include "core/common/Progress.h"

#include <atomic>
#include <string>

namespace hescape {

class ClipTrainer;
struct EvalMetrics;
struct TrainStep;

class TrainingObserver {
public:
    virtual ~TrainingObserver() = default;
    // The data is prepared (splits, genes and skipped spots are known).
    virtual void prepared(ClipTrainer&) {}
    // The model before its first step, on the validation split (when there is one).
    virtual void untrained(const EvalMetrics&) {}
    // Just before the first step (multi-process runs meet their peers here).
    virtual void beforeTraining(ClipTrainer&) {}
    virtual void step(const TrainStep&) {}
    // After the test split is evaluated and the results, if any, are written.
    virtual void finished(const EvalMetrics& test, const std::string& resultsPath) { (void)test, (void)resultsPath; }
};

struct TrainingJobOptions {
    Progress prepareProgress;      // reports and cancels the preparation
    const std::atomic<bool>* cancel = nullptr;
    const std::atomic<bool>* pause = nullptr;
    std::string resumeFrom;        // a checkpoint to continue from
    std::string resultsPath;       // empty: no results file
    std::string configPath;        // stored in the results
    std::string configText;        // the configuration as JSON, stored in the results
};

// Throws what ClipTrainer throws (CancelledError when cancelled); the results
// file is only written when the whole run succeeded.
EvalMetrics runTrainingJob(ClipTrainer& trainer, const TrainingJobOptions& options, TrainingObserver& observer);

}  // namespace hescape
