// Runs ClipTrainer from a JSON configuration: a progress bar (or one JSON
// object per line with --json), validation after every epoch, the test split
// at the end, the run's HDF5 results (losses, metrics, splits, embeddings)
// and an optional JSON summary, both written atomically. Ctrl+C cancels
// cleanly.
#include "app/cli/TrainCommand.h"

#include "app/cli/JsonWriter.h"
#include "app/cli/TerminalProgress.h"
#include "core/engine/ClipTrainer.h"
#include "core/engine/RunResultsFile.h"
#include "core/engine/TrainConfigFile.h"

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace hescape::cli {

namespace {

constexpr const char* kUsage =
    "usage: hescape train CONFIG.json [--json] [--results RUN.h5] [--out SUMMARY.json] [--resume CHECKPOINT]\n\n"
    "Trains the image and gene encoders contrastively (CLIP or SigLIP) on the sections the\n"
    "configuration names, split by section. See docs/training.md for the settings.\n"
    "  --json          one JSON object per line for each step and evaluation (for scripts)\n"
    "  --results FILE  write the run's results as HDF5: configuration, splits, per-step losses,\n"
    "                  metrics per epoch and on the test split, embeddings of every pair\n"
    "                  (default: the configuration's \"results\", if it sets one)\n"
    "  --out FILE      write a summary (metrics per epoch, test metrics) as JSON\n"
    "  --resume FILE   continue the run saved in this checkpoint (written when the\n"
    "                  configuration sets \"checkpoint\"); the result equals an uninterrupted run\n";

// Set from the SIGINT handler; the only state a signal handler may touch.
std::atomic<bool> gInterrupted{false};
extern "C" void onInterrupt(int) { gInterrupted.store(true); }

std::string metricsJson(const EvalMetrics& m) {
    std::ostringstream s;
    s << "{\"loss\": " << jsonNumber(m.loss) << ", \"recall_at_1\": " << jsonNumber(m.recallAt1)
      << ", \"recall_at_5\": " << jsonNumber(m.recallAt5) << ", \"chance_at_5\": " << jsonNumber(m.chanceAt5)
      << ", \"pairs\": " << m.pairs << "}";
    return s.str();
}

}  // namespace

int runTrain(const std::vector<std::string>& args) {
    std::string configPath, outPath, resumePath, resultsPath;
    bool json = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "-h" || a == "--help") {
            std::cout << kUsage;
            return 0;
        } else if (a == "--json") {
            json = true;
        } else if (a == "--out" && i + 1 < args.size()) {
            outPath = args[++i];
        } else if (a == "--results" && i + 1 < args.size()) {
            resultsPath = args[++i];
        } else if (a == "--resume" && i + 1 < args.size()) {
            resumePath = args[++i];
        } else if (!a.empty() && a[0] == '-') {
            std::cerr << "hescape train: unknown option '" << a << "'\n" << kUsage;
            return 2;
        } else if (configPath.empty()) {
            configPath = a;
        } else {
            std::cerr << kUsage;
            return 2;
        }
    }
    if (configPath.empty()) {
        std::cerr << kUsage;
        return 2;
    }
    TrainConfig config;
    try {
        config = readTrainConfig(configPath);
    } catch (const std::exception& e) {
        std::cerr << "hescape train: " << e.what() << "\n";
        return 2;
    }
    if (resultsPath.empty()) resultsPath = config.resultsFile;
    std::signal(SIGINT, onInterrupt);
    Progress prepareProgress;
    prepareProgress.cancel = &gInterrupted;
    std::ostringstream epochs;
    try {
        ClipTrainer trainer(config);
        {
            TerminalProgress bar("preparing");
            Progress p = bar.progress();
            p.cancel = &gInterrupted;
            trainer.prepare(p);
            bar.done();
        }
        const auto& tr = trainer.split("train");
        std::cerr << "pairs: train " << tr.count << ", validation " << trainer.split("validation").count << ", test "
                  << trainer.split("test").count << "; genes " << trainer.genes().size() << "; skipped spots "
                  << trainer.skipped().size() << "\n";
        for (const auto& s : trainer.skipped()) std::cerr << "  skipped " << s << "\n";
        if (trainer.patchStoreReuses() > 0) {
            std::cerr << "patches of " << trainer.patchStoreReuses() << " section(s) read from the patch store " << config.patchStore << "\n";
        }
        for (const auto& n : trainer.notes()) std::cerr << "note: " << n << "\n";
        RunResults results = trainer.startResults();
        results.configPath = configPath;
        {
            std::ifstream in(configPath);
            std::ostringstream text;
            text << in.rdbuf();
            results.configText = text.str();
        }

        bool firstEpoch = true;
        TerminalProgress bar("training");
        trainer.train(
            [&](const TrainStep& s) {
                ClipTrainer::recordStep(results, s);
                if (s.stoppedEarly) {
                    if (json) std::cout << "{\"stopped_early\": true, \"epoch\": " << s.epoch + 1 << "}\n";
                    else std::fprintf(stderr, "\nstopping early: validation loss has not improved for %d epoch(s)\n", config.earlyStoppingPatience);
                }
                if (json) {
                    std::cout << "{\"step\": " << s.step << ", \"total\": " << s.totalSteps << ", \"epoch\": " << s.epoch
                              << ", \"loss\": " << jsonNumber(s.loss) << ", \"learning_rate\": " << jsonNumber(s.learningRate)
                              << ", \"temperature\": " << jsonNumber(s.temperature);
                    if (s.validation) std::cout << ", \"validation\": " << metricsJson(*s.validation);
                    std::cout << "}\n" << std::flush;
                } else {
                    bar.progress().update(static_cast<double>(s.step) / s.totalSteps, "loss " + std::to_string(s.loss).substr(0, 6));
                    if (s.validation) {
                        std::fprintf(stderr, "\nepoch %d: train loss %.3f, validation loss %.3f, in-batch recall@1 %.3f, @5 %.3f (chance %.3f)\n",
                                     s.epoch + 1, s.loss, s.validation->loss, s.validation->recallAt1, s.validation->recallAt5,
                                     s.validation->chanceAt5);
                    }
                }
                if (s.validation) {
                    epochs << (firstEpoch ? "" : ", ") << "{\"epoch\": " << s.epoch + 1 << ", \"train_loss\": " << jsonNumber(s.loss)
                           << ", \"validation\": " << metricsJson(*s.validation) << "}";
                    firstEpoch = false;
                }
            },
            &gInterrupted, resumePath);
        if (!json) bar.done();
        const EvalMetrics test = trainer.evaluate("test");
        if (!resultsPath.empty()) {
            trainer.finishResults(results);
            writeRunResults(resultsPath, results);
            if (!json) std::cerr << "results written to " << resultsPath << "\n";
        }
        if (json) std::cout << "{\"test\": " << metricsJson(test) << "}\n";
        else if (test.pairs > 0) {
            std::printf("test (%lld pairs): loss %.3f, in-batch recall@1 %.3f, recall@5 %.3f (chance %.3f)\n",
                        static_cast<long long>(test.pairs), test.loss, test.recallAt1, test.recallAt5, test.chanceAt5);
        }
        if (!outPath.empty()) {
            const std::string temp = outPath + ".partial-" + std::to_string(::getpid());
            {
                std::ofstream out(temp);
                out << "{\n  \"config\": " << jsonString(configPath) << ",\n  \"genes\": " << trainer.genes().size()
                    << ",\n  \"epochs\": [" << epochs.str() << "],\n  \"test\": " << metricsJson(test) << "\n}\n";
                if (!out) throw std::runtime_error(outPath + ": cannot write the summary");
            }
            std::filesystem::rename(temp, outPath);
        }
        return 0;
    } catch (const CancelledError&) {
        std::cerr << "\nhescape train: cancelled\n";
        return 130;
    } catch (const std::exception& e) {
        std::cerr << "\nhescape train: error: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace hescape::cli
