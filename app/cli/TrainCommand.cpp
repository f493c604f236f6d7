// Runs ClipTrainer from a JSON configuration: a progress bar (or one JSON
// object per line with --json), validation after every epoch, the test split
// at the end, the run's HDF5 results (losses, metrics, splits, embeddings)
// and an optional JSON summary, both written atomically. Ctrl+C cancels
// cleanly. Started by torchrun or srun (see docs/distributed.md), it joins a
// data-parallel run: every rank trains, rank 0 alone reports and writes.
#include "app/cli/TrainCommand.h"

#include "core/compute/ThreadBudget.h"
#include "core/io/JsonWriter.h"
#include "app/cli/CompareCommand.h"
#include "app/cli/TerminalProgress.h"
#include "core/eval/EvaluationJob.h"
#include "core/engine/ClipTrainer.h"
#include "core/engine/DistributedContext.h"
#include "core/engine/DistributedEnvironment.h"
#include "core/engine/RunResultsFile.h"
#include "core/engine/TorchRuntime.h"
#include "core/engine/TrainConfigFile.h"
#include "core/engine/TrainingJob.h"

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
    "usage: hescape train CONFIG.json [--json] [--results RUN.h5] [--out SUMMARY.json] [--resume CHECKPOINT]\n"
    "                     [--seeds N]\n\n"
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

struct TrainArgs {
    std::string configPath, outPath, resumePath, resultsPath;
    bool json = false;
    int seeds = 0;  // --seeds N
};

// Returns the exit code when the command ends here (help, a usage error).
std::optional<int> parseTrainArgs(const std::vector<std::string>& args, TrainArgs& t) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "-h" || a == "--help") {
            std::cout << kUsage;
            return 0;
        } else if (a == "--json") {
            t.json = true;
        } else if (a == "--out" && i + 1 < args.size()) {
            t.outPath = args[++i];
        } else if (a == "--results" && i + 1 < args.size()) {
            t.resultsPath = args[++i];
        } else if (a == "--resume" && i + 1 < args.size()) {
            t.resumePath = args[++i];
        } else if (a == "--seeds" && i + 1 < args.size()) {
            try {
                t.seeds = std::stoi(args[++i]);
            } catch (const std::exception&) {
                t.seeds = 0;
            }
            if (t.seeds < 1 || t.seeds > 1000) {
                std::cerr << "hescape train: --seeds needs a number from 1 to 1000\n";
                return 2;
            }
        } else if (!a.empty() && a[0] == '-') {
            std::cerr << "hescape train: unknown option '" << a << "'\n" << kUsage;
            return 2;
        } else if (t.configPath.empty()) {
            t.configPath = a;
        } else {
            std::cerr << kUsage;
            return 2;
        }
    }
    if (t.configPath.empty()) {
        std::cerr << kUsage;
        return 2;
    }
    return std::nullopt;
}

// Forms the process group of a multi-process run (throws what DistributedContext throws).
std::shared_ptr<DistributedContext> joinRun(const DistributedEnvironment& environment, const TrainConfig& config) {
    // The processes of one machine share its cores.
    const int cores = threadBudget();
    const int threads = configureTorchThreads(std::max(1, cores / environment.localWorldSize));
    const bool isMain = environment.rank == 0;
    if (isMain) {
        std::cerr << "distributed: " << environment.worldSize << " ranks (" << environment.launcher << ", master "
                  << environment.masterAddress << ":" << environment.masterPort << "), " << threads
                  << " torch thread(s) per rank, global batch " << environment.worldSize * config.batchSize << "\n";
    }
    auto dist = std::make_shared<DistributedContext>(environment, std::chrono::seconds(config.distributedTimeoutSeconds), config.useCuda);
    if (isMain) std::cerr << "process group formed (" << dist->backendName() << ")\n";
    return dist;
}

// Preparing (and rank 0's embeddings of the untrained model) may take longer
// than a collective's timeout, so the ranks meet first with a longer one.
void meetPeers(const std::shared_ptr<DistributedContext>& dist, ClipTrainer& trainer, const TrainConfig& config) {
    if (!dist) return;
    const auto limit = std::max(std::chrono::seconds(600), std::chrono::seconds(10 * config.distributedTimeoutSeconds));
    dist->waitForAll("data preparation", limit);
    trainer.setDistributed(dist);
}

std::string fileText(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Rank 0's reports: the preparation summary, a progress bar or JSON lines per
// step, each epoch's validation (also kept for the summary file), the test split.
class TerminalTrainingObserver final : public TrainingObserver {
public:
    TerminalTrainingObserver(const TrainArgs& args, const TrainConfig& config, std::shared_ptr<DistributedContext> dist)
        : args_(args), config_(config), dist_(std::move(dist)) {}

    TerminalProgress& preparing() { return preparing_; }
    const std::string& epochs() const { return epochs_; }

    void prepared(ClipTrainer& trainer) override {
        preparing_.done();
        std::cerr << "pairs: train " << trainer.split("train").count << ", validation " << trainer.split("validation").count
                  << ", test " << trainer.split("test").count << "; genes " << trainer.genes().size() << "; skipped spots "
                  << trainer.skipped().size() << "\n";
        for (const auto& s : trainer.skipped()) std::cerr << "  skipped " << s << "\n";
        if (trainer.patchStoreReuses() > 0)
            std::cerr << "patches of " << trainer.patchStoreReuses() << " section(s) read from the patch store " << config_.patchStore << "\n";
        for (const auto& n : trainer.notes()) std::cerr << "note: " << n << "\n";
    }
    void untrained(const EvalMetrics& m) override {
        if (args_.json) std::cout << "{\"untrained_validation\": " << metricsJson(m) << "}\n" << std::flush;
        else std::fprintf(stderr, "before training: validation loss %.3f, in-batch recall@5 %.3f (chance %.3f)\n", m.loss, m.recallAt5, m.chanceAt5);
    }
    void beforeTraining(ClipTrainer& trainer) override {
        meetPeers(dist_, trainer, config_);
        training_ = std::make_unique<TerminalProgress>("training");
    }
    void step(const TrainStep& s) override;
    void finished(const EvalMetrics& test, const std::string& resultsPath) override;

private:
    const TrainArgs& args_;
    const TrainConfig& config_;
    std::shared_ptr<DistributedContext> dist_;
    TerminalProgress preparing_{"preparing"};
    std::unique_ptr<TerminalProgress> training_;
    std::string epochs_;
};

void TerminalTrainingObserver::step(const TrainStep& s) {
    if (s.stoppedEarly) {
        if (args_.json) std::cout << "{\"stopped_early\": true, \"epoch\": " << s.epoch + 1 << "}\n";
        else std::fprintf(stderr, "\nstopping early: validation loss has not improved for %d epoch(s)\n", config_.earlyStoppingPatience);
    }
    if (args_.json) {
        std::cout << "{\"step\": " << s.step << ", \"total\": " << s.totalSteps << ", \"epoch\": " << s.epoch
                  << ", \"loss\": " << jsonNumber(s.loss) << ", \"learning_rate\": " << jsonNumber(s.learningRate)
                  << ", \"temperature\": " << jsonNumber(s.temperature);
        if (s.validation) std::cout << ", \"validation\": " << metricsJson(*s.validation);
        std::cout << "}\n" << std::flush;
    } else {
        training_->progress().update(static_cast<double>(s.step) / s.totalSteps, "loss " + std::to_string(s.loss).substr(0, 6));
        if (s.validation) {
            std::fprintf(stderr, "\nepoch %d: train loss %.3f, validation loss %.3f, in-batch recall@1 %.3f, @5 %.3f (chance %.3f)\n",
                         s.epoch + 1, s.loss, s.validation->loss, s.validation->recallAt1, s.validation->recallAt5, s.validation->chanceAt5);
        }
    }
    if (s.validation) {
        epochs_ += (epochs_.empty() ? "" : ", ") + std::string("{\"epoch\": ") + std::to_string(s.epoch + 1) +
                   ", \"train_loss\": " + jsonNumber(s.loss) + ", \"validation\": " + metricsJson(*s.validation) + "}";
    }
}

void TerminalTrainingObserver::finished(const EvalMetrics& test, const std::string& resultsPath) {
    if (!args_.json) training_->done();
    if (!resultsPath.empty() && !args_.json) std::cerr << "results written to " << resultsPath << "\n";
    if (args_.json) {
        std::cout << "{\"test\": " << metricsJson(test) << "}\n";
    } else if (test.pairs > 0) {
        std::printf("test (%lld pairs): loss %.3f, in-batch recall@1 %.3f, recall@5 %.3f (chance %.3f)\n",
                    static_cast<long long>(test.pairs), test.loss, test.recallAt1, test.recallAt5, test.chanceAt5);
    }
}

void writeSummary(const TrainArgs& args, std::size_t genes, const std::string& epochs, const EvalMetrics& test) {
    const std::string temp = args.outPath + ".partial-" + std::to_string(::getpid());
    {
        std::ofstream out(temp);
        out << "{\n  \"config\": " << jsonString(args.configPath) << ",\n  \"genes\": " << genes << ",\n  \"epochs\": [" << epochs
            << "],\n  \"test\": " << metricsJson(test) << "\n}\n";
        if (!out) throw std::runtime_error(args.outPath + ": cannot write the summary");
    }
    std::filesystem::rename(temp, args.outPath);
}

// Ranks other than 0: prepare, meet, train; they report nothing but errors.
void trainAsPeer(ClipTrainer& trainer, const TrainConfig& config, const std::shared_ptr<DistributedContext>& dist,
                 const std::string& resumePath) {
    Progress quiet;
    quiet.cancel = &gInterrupted;
    trainer.prepare(quiet);
    meetPeers(dist, trainer, config);
    trainer.train({}, &gInterrupted, resumePath);
}

void trainAsMain(ClipTrainer& trainer, const TrainArgs& args, const TrainConfig& config, std::shared_ptr<DistributedContext> dist) {
    TerminalTrainingObserver observer(args, config, std::move(dist));
    TrainingJobOptions o;
    o.prepareProgress = observer.preparing().progress();
    o.prepareProgress.cancel = &gInterrupted;
    o.cancel = &gInterrupted;
    o.resumeFrom = args.resumePath;
    o.resultsPath = args.resultsPath;
    o.configPath = args.configPath;
    o.configText = fileText(args.configPath);
    const EvalMetrics test = runTrainingJob(trainer, o, observer);
    if (!args.outPath.empty()) writeSummary(args, trainer.genes().size(), observer.epochs(), test);
}

// Several seeds: one run per seed, each evaluated and stored, then the table.
int trainSeeds(TrainArgs args, TrainConfig config, const std::vector<std::uint64_t>& seeds) {
    if (!args.resumePath.empty() || !args.outPath.empty()) {
        std::cerr << "hescape train: --resume and --out take one run; with several seeds use the results files\n";
        return 2;
    }
    const std::filesystem::path configPath(args.configPath);
    if (config.method.empty()) config.method = configPath.stem().string();
    const std::filesystem::path base = args.resultsPath.empty() ? configPath.parent_path() / (configPath.stem().string() + ".h5")
                                                                : std::filesystem::path(args.resultsPath);
    std::vector<std::string> files;
    std::vector<RunEvaluation> evaluations;
    for (const auto seed : seeds) {
        TrainConfig c = config;
        c.seed = seed;
        TrainArgs a = args;
        a.resultsPath = (base.parent_path() / (base.stem().string() + "-seed" + std::to_string(seed) + ".h5")).string();
        if (!args.json) std::fprintf(stderr, "== %s, seed %llu -> %s\n", c.method.c_str(), static_cast<unsigned long long>(seed), a.resultsPath.c_str());
        ClipTrainer trainer(c);
        trainAsMain(trainer, a, c, nullptr);
        evaluations.push_back(evaluateRunFile(a.resultsPath, "test"));
        storeRunEvaluation(a.resultsPath, evaluations.back());
        files.push_back(a.resultsPath);
    }
    printComparison(compareEvaluatedMethods(files, evaluations), args.json);
    return 0;
}

}  // namespace

int runTrain(const std::vector<std::string>& argv) {
    TrainArgs args;
    if (const auto exit = parseTrainArgs(argv, args)) return *exit;
    TrainConfig config;
    DistributedEnvironment environment;
    try {
        config = readTrainConfig(args.configPath);
        environment = detectDistributedEnvironment();
    } catch (const std::exception& e) {
        std::cerr << "hescape train: " << e.what() << "\n";
        return 2;
    }
    if (args.resultsPath.empty()) args.resultsPath = config.resultsFile;
    std::vector<std::uint64_t> seeds = config.seeds;
    if (args.seeds > 0) {
        seeds.clear();
        for (int s = 0; s < args.seeds; ++s) seeds.push_back(static_cast<std::uint64_t>(s));
    }
    if (!seeds.empty() && !environment.distributed()) {
        std::signal(SIGINT, onInterrupt);
        try {
            return trainSeeds(args, config, seeds);
        } catch (const CancelledError&) {
            std::cerr << "\nhescape train: cancelled\n";
            return 130;
        } catch (const std::exception& e) {
            std::cerr << "\nhescape train: error: " << e.what() << "\n";
            return 1;
        }
    }
    if (!seeds.empty()) {
        std::cerr << "hescape train: several seeds run one after the other in one process; start them without torchrun/srun\n";
        return 2;
    }
    // Only rank 0 talks and writes; the others print nothing but their errors.
    const bool isMain = environment.rank == 0;
    const std::string who = environment.distributed() ? "hescape train (rank " + std::to_string(environment.rank) + ")" : "hescape train";
    std::shared_ptr<DistributedContext> dist;
    try {
        if (environment.distributed()) dist = joinRun(environment, config);
    } catch (const std::exception& e) {
        std::cerr << who << ": error: " << e.what() << "\n";
        return 1;
    }
    std::signal(SIGINT, onInterrupt);
    try {
        if (!isMain) config.checkpoint.clear();  // rank 0 writes it (ClipTrainer checks too)
        ClipTrainer trainer(config);
        if (isMain) trainAsMain(trainer, args, config, dist);
        else trainAsPeer(trainer, config, dist, args.resumePath);
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
