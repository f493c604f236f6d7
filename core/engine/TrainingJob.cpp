// runTrainingJob: the sequence both front ends used to spell out themselves.
#include "core/engine/TrainingJob.h"

#include "core/engine/ClipTrainer.h"
#include "core/engine/ResultsFileLock.h"

namespace hescape {

EvalMetrics runTrainingJob(ClipTrainer& trainer, const TrainingJobOptions& o, TrainingObserver& observer) {
    const ResultsFileLock lock(o.resultsPath);  // before any work: a second run on the same file is refused at once
    trainer.prepare(o.prepareProgress);
    observer.prepared(trainer);
    RunResults results = trainer.startResults();
    results.configPath = o.configPath;
    results.configText = o.configText;
    if (results.untrainedValidation) observer.untrained(*results.untrainedValidation);
    observer.beforeTraining(trainer);
    trainer.train(
        [&](const TrainStep& s) {
            ClipTrainer::recordStep(results, s);
            observer.step(s);
        },
        o.cancel, o.resumeFrom, o.pause);
    const EvalMetrics test = trainer.evaluate("test");
    if (!o.resultsPath.empty()) {
        trainer.finishResults(results);
        writeRunResults(o.resultsPath, results);
    }
    observer.finished(test, o.resultsPath);
    return test;
}

}  // namespace hescape
