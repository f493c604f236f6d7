// TrainingConfig: sections with a split, and every setting the dock offers;
// everything else keeps TrainConfig's defaults (written out in full by
// trainConfigJson, so no reader default is relied on).
#include "app/studio/TrainingConfig.h"

#include "app/studio/TrainingRunner.h"
#include "core/engine/TrainConfigFile.h"

namespace hescape {

TrainConfig trainConfigFor(const TrainingSettings& s) {
    TrainConfig c;
    for (const auto& sec : s.sections) {
        if (sec.split.isEmpty()) continue;
        c.sections.push_back({sec.name.toStdString(), sec.slide.toStdString(), sec.dataset.toStdString(), {}});
        auto& list = sec.split == "train" ? c.train : sec.split == "validation" ? c.validation : c.test;
        list.push_back(sec.name.toStdString());
    }
    c.epochs = s.epochs;
    c.batchSize = s.batchSize;
    c.learningRate = s.learningRate;
    c.patches.outputPixels = s.patchPixels;
    c.patches.sizeMicrons = s.patchMicrons;
    c.expression.highlyVariable = s.genes;
    c.objective = s.siglip ? ContrastiveObjective::Siglip : ContrastiveObjective::Clip;
    c.embedDim = s.embedDim;
    c.geneHidden = s.geneHidden;
    c.seed = static_cast<std::uint64_t>(s.seed);
    c.earlyStoppingPatience = s.earlyStoppingPatience;
    c.patchStore = s.patchStore.toStdString();
    const TrainingRobustness& r = s.robustness;
    c.expression.target = r.normaliseTo;
    c.expression.standardisePerSection = r.genesPerSection;
    c.expression.minCounts = r.minCounts;
    c.robust = r.options;
    c.augmentation.hedJitter = r.hedJitter;
    c.allowSharedDonors = r.allowSharedDonors;
    return c;
}

std::string trainConfigJsonFor(const TrainingSettings& s) { return trainConfigJson(trainConfigFor(s)); }

}  // namespace hescape
