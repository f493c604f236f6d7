// RunResultsFile: column-wise datasets (one per field) rather than compound
// types, because they read naturally in h5py, pandas and the app alike.
#include "core/engine/RunResultsFile.h"

#include "core/io/Hdf5Writer.h"

namespace hescape {

namespace {

void writeEmbeddingGroups(Hdf5Writer& w, const std::vector<PairEmbeddings>& all) {
    w.createGroup("/embeddings");
    for (const auto& e : all) {
        const std::string g = "/embeddings/" + e.split;
        const auto n = static_cast<std::int64_t>(e.section.size());
        w.writeFloats(g + "/image", e.image.data(), {n, e.dim});
        w.writeFloats(g + "/gene", e.gene.data(), {n, e.dim});
        w.writeStrings(g + "/section", e.section);
        w.writeStrings(g + "/obs_name", e.obsName);
        w.writeDoubles(g + "/centre_x", e.centreX);
        w.writeDoubles(g + "/centre_y", e.centreY);
        if (!e.imageInitial.empty()) w.writeFloats(g + "/image_initial", e.imageInitial.data(), {n, e.dim});
        if (!e.expression.empty()) w.writeFloats(g + "/expression", e.expression.data(), {n, e.genes});
    }
}

void writeMetrics(Hdf5Writer& w, const std::string& group, const EvalMetrics& m) {
    w.createGroup(group);
    w.setAttribute(group, "loss", m.loss);
    w.setAttribute(group, "recall_at_1", m.recallAt1);
    w.setAttribute(group, "recall_at_5", m.recallAt5);
    w.setAttribute(group, "chance_at_5", m.chanceAt5);
    w.setAttribute(group, "pairs", static_cast<double>(m.pairs));
}

}  // namespace

void writeRunResults(const std::string& path, const RunResults& r) {
    Hdf5Writer w(path);
    w.setChecksums(true);  // every read of the run's numbers verifies them
    w.setAttribute("/", "format", "hescape-run");
    w.setAttribute("/", "version", 1.0);
    w.setAttribute("/", "config_path", r.configPath);
    w.setAttribute("/", "config", r.configText);
    w.setAttribute("/", "device", r.device);
    w.setAttribute("/", "precision", r.precision);
    w.setAttribute("/", "checkpoint", r.checkpoint);
    w.setAttribute("/", "stopped_early", r.stoppedEarly ? 1.0 : 0.0);
    w.writeStrings("/genes", r.genes);
    w.writeStrings("/splits/train", r.train);
    w.writeStrings("/splits/validation", r.validation);
    w.writeStrings("/splits/test", r.test);
    std::vector<std::int64_t> step, epoch;
    std::vector<double> loss, lr, temperature;
    for (const auto& s : r.steps) {
        step.push_back(s.step);
        epoch.push_back(s.epoch);
        loss.push_back(s.loss);
        lr.push_back(s.learningRate);
        temperature.push_back(s.temperature);
    }
    w.writeInt64("/steps/step", step);
    w.writeInt64("/steps/epoch", epoch);
    w.writeDoubles("/steps/loss", loss);
    w.writeDoubles("/steps/learning_rate", lr);
    w.writeDoubles("/steps/temperature", temperature);
    std::vector<std::int64_t> ep;
    std::vector<double> trainLoss, vLoss, r1, r5, chance;
    for (const auto& e : r.epochs) {
        ep.push_back(e.epoch);
        trainLoss.push_back(e.trainLoss);
        vLoss.push_back(e.validation.loss);
        r1.push_back(e.validation.recallAt1);
        r5.push_back(e.validation.recallAt5);
        chance.push_back(e.validation.chanceAt5);
    }
    w.writeInt64("/epochs/epoch", ep);
    w.writeDoubles("/epochs/train_loss", trainLoss);
    w.writeDoubles("/epochs/loss", vLoss);
    w.writeDoubles("/epochs/recall_at_1", r1);
    w.writeDoubles("/epochs/recall_at_5", r5);
    w.writeDoubles("/epochs/chance_at_5", chance);
    if (r.testMetrics) writeMetrics(w, "/test", *r.testMetrics);
    if (r.untrainedValidation) writeMetrics(w, "/untrained_validation", *r.untrainedValidation);
    writeEmbeddingGroups(w, r.embeddings);
    w.writeStrings("/skipped", r.skipped);
    w.writeStrings("/notes", r.notes);
    if (!r.sections.empty()) {
        w.writeStrings("/donors/section", r.sections);
        w.writeStrings("/donors/donor", r.donors);
    }
    w.setAttribute("/", "donor_safe", r.donorSafe ? 1.0 : 0.0);
    w.setAttribute("/", "normalisation_target", r.normalisationTarget);
    w.setAttribute("/", "min_counts", r.minCounts);
    w.setAttribute("/", "method", r.method);
    w.setAttribute("/", "seed", static_cast<double>(r.seed));
    w.commit();
}

void writeEmbeddings(const std::string& path, const std::vector<std::string>& genes, const std::string& checkpoint,
                     const std::vector<PairEmbeddings>& embeddings) {
    Hdf5Writer w(path);
    w.setChecksums(true);  // every read of the run's numbers verifies them
    w.setAttribute("/", "format", "hescape-embeddings");
    w.setAttribute("/", "version", 1.0);
    w.setAttribute("/", "checkpoint", checkpoint);
    w.writeStrings("/genes", genes);
    writeEmbeddingGroups(w, embeddings);
    w.commit();
}

}  // namespace hescape
