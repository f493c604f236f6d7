// Runs a trained model over every section of a configuration (in a split or
// not) and writes the L2-normalised image and gene embeddings with each
// spot's section, observation name and slide position, as HDF5 (atomically).
// Patches come from the patch store when the training run left them there.
#include "app/cli/EmbedCommand.h"

#include "app/cli/TerminalProgress.h"
#include "core/engine/ClipTrainer.h"
#include "core/engine/RunResultsFile.h"
#include "core/engine/TrainConfigFile.h"

#include <csignal>
#include <iostream>

namespace hescape::cli {

namespace {

constexpr const char* kUsage =
    "usage: hescape embed CONFIG.json --checkpoint FILE --out EMBEDDINGS.h5\n\n"
    "Writes the image and gene embeddings (L2-normalised) of every spot of every section\n"
    "in CONFIG.json, using the model saved in FILE by `hescape train` with that configuration.\n"
    "Output groups /embeddings/<split>/{image,gene,section,obs_name,centre_x,centre_y}, where\n"
    "<split> is train, validation, test or unassigned (sections in no split).\n";

std::atomic<bool> gInterrupted{false};
extern "C" void onEmbedInterrupt(int) { gInterrupted.store(true); }

}  // namespace

int runEmbed(const std::vector<std::string>& args) {
    std::string configPath, checkpoint, outPath;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "-h" || a == "--help") {
            std::cout << kUsage;
            return 0;
        } else if (a == "--checkpoint" && i + 1 < args.size()) {
            checkpoint = args[++i];
        } else if (a == "--out" && i + 1 < args.size()) {
            outPath = args[++i];
        } else if (!a.empty() && a[0] == '-') {
            std::cerr << "hescape embed: unknown option '" << a << "'\n" << kUsage;
            return 2;
        } else if (configPath.empty()) {
            configPath = a;
        } else {
            std::cerr << kUsage;
            return 2;
        }
    }
    if (configPath.empty() || checkpoint.empty() || outPath.empty()) {
        std::cerr << kUsage;
        return 2;
    }
    TrainConfig config;
    try {
        config = readTrainConfig(configPath);
    } catch (const std::exception& e) {
        std::cerr << "hescape embed: " << e.what() << "\n";
        return 2;
    }
    config.includeUnassigned = true;
    std::signal(SIGINT, onEmbedInterrupt);
    try {
        ClipTrainer trainer(config);
        {
            TerminalProgress bar("preparing");
            Progress p = bar.progress();
            p.cancel = &gInterrupted;
            trainer.prepare(p);
            bar.done();
        }
        for (const auto& n : trainer.notes()) std::cerr << "note: " << n << "\n";
        trainer.loadWeights(checkpoint);
        std::vector<PairEmbeddings> all;
        std::int64_t spots = 0;
        for (const char* which : {"train", "validation", "test", "unassigned"}) {
            if (trainer.split(which).count == 0) continue;
            all.push_back(trainer.embed(which));
            spots += trainer.split(which).count;
        }
        writeEmbeddings(outPath, trainer.genes(), checkpoint, all);
        std::cerr << "embedded " << spots << " spots (" << trainer.skipped().size() << " skipped) into " << outPath << "\n";
        return 0;
    } catch (const CancelledError&) {
        std::cerr << "\nhescape embed: cancelled\n";
        return 130;
    } catch (const std::exception& e) {
        std::cerr << "hescape embed: error: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace hescape::cli
