// Runs ClipTrainer from a JSON configuration: a progress bar (or one JSON
// object per line with --json), validation after every epoch, the test split
// at the end, the run's HDF5 results (losses, metrics, splits, embeddings)
// and an optional JSON summary, both written atomically. Ctrl+C cancels
// cleanly. Started by torchrun or srun (see docs/distributed.md), it joins a
// data-parallel run: every rank trains, rank 0 alone reports and writes.
#include "app/cli/TrainCommand.h"

#include "core/io/JsonWriter.h"
#include "app/cli/TerminalProgress.h"
#include "core/engine/ClipTrainer.h"
#include "core/engine/DistributedContext.h"
#include "core/engine/DistributedEnvironment.h"
#include "core/engine/RunResultsFile.h"
#include "core/engine/TorchRuntime.h"
#include "core/engine/TrainConfigFile.h"

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>
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
    "                  configuration sets \"checkpoint\"); the result equals an uninterrupted run\n"
    "                  (a checkpoint of a run with another number of processes resumes too)\n\n"
    "Several processes (data-parallel, Gloo on CPU; docs/distributed.md): the environment decides.\n"
    "  torchrun --no-python --nproc-per-node N hescape train CONFIG.json   (RANK, WORLD_SIZE, LOCAL_RANK,\n"
    "                  MASTER_ADDR, MASTER_PORT)\n"
    "  srun -n N hescape train CONFIG.json   (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID; master from\n"
    "                  MASTER_ADDR or the first host of SLURM_STEP_NODELIST)\n"
    "  Each rank takes batch_size pairs of every global batch of N x batch_size; the loss is over the\n"
    "  global batch. Rank 0 alone prints progress and writes checkpoints, results and the summary.\n"
    "  A rank that stops makes the others stop within \"distributed_timeout_s\" (default 60).\n"
    "  Without these variables (or with HESCAPE_DISTRIBUTED=off) it is one process.\n";

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
    DistributedEnvironment environment;
    try {
        environment = detectDistributedEnvironment();
    } catch (const DistributedEnvironmentError& e) {
        std::cerr << "hescape train: " << e.what() << "\n";
        return 2;
    }
    // Only rank 0 talks and writes; the others print nothing but their errors.
    const bool isMain = environment.rank == 0;
    const std::string who = environment.distributed() ? "hescape train (rank " + std::to_string(environment.rank) + ")" : "hescape train";
    std::shared_ptr<DistributedContext> dist;
    if (environment.distributed()) {
        // The processes of one machine share its cores.
        const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
        const int threads = configureTorchThreads(std::max(1, cores / environment.localWorldSize));
        if (isMain) {
            std::cerr << "distributed: " << environment.worldSize << " ranks (" << environment.launcher << ", master "
                      << environment.masterAddress << ":" << environment.masterPort << "), " << threads
                      << " torch thread(s) per rank, global batch " << environment.worldSize * config.batchSize << "\n";
        }
        try {
            dist = std::make_shared<DistributedContext>(environment, std::chrono::seconds(config.distributedTimeoutSeconds), config.useCuda);
        } catch (const std::exception& e) {
            std::cerr << who << ": error: " << e.what() << "\n";
            return 1;
        }
        if (isMain) std::cerr << "process group formed (" << dist->backendName() << ")\n";
    }
    std::signal(SIGINT, onInterrupt);
    Progress prepareProgress;
    prepareProgress.cancel = &gInterrupted;
    std::ostringstream epochs;
    try {
        if (!isMain) config.checkpoint.clear();  // rank 0 writes it (ClipTrainer checks too)
        ClipTrainer trainer(config);
        if (isMain) {
            TerminalProgress bar("preparing");
            Progress p = bar.progress();
            p.cancel = &gInterrupted;
            trainer.prepare(p);
            bar.done();
        } else {
            trainer.prepare(prepareProgress);
        }
        // Preparing (and rank 0's embeddings of the untrained model) may take
        // longer than a collective's timeout, so the ranks meet first with a
        // longer one.
        const auto meet = [&] {
            if (!dist) return;
            const auto limit = std::max(std::chrono::seconds(600), std::chrono::seconds(10 * config.distributedTimeoutSeconds));
            dist->waitForAll("data preparation", limit);
            trainer.setDistributed(dist);
        };
        if (!isMain) {
            meet();
            trainer.train({}, &gInterrupted, resumePath);
            return 0;
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

        meet();
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
        std::cerr << "\n" << who << ": cancelled\n";
        return 130;
    } catch (const std::exception& e) {
        std::cerr << "\n" << who << ": error: " << e.what() << "\n";
        if (dist) dist->reportFailure(e.what());  // so that ranks still preparing do not wait it out
        return 1;
    }
}

}  // namespace hescape::cli
