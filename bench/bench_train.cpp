// Training throughput of the C++ engine against the same pipeline in Python
// (bench/train_reference.py: Debian's python3-torch fed by openslide-python),
// on the same configuration, in the same invocation, both on all cores.
// Two phases are timed separately: prepare (read the data sets, select genes,
// extract the training split's patches from the slides) and train (N
// optimisation steps of the small CNN + gene MLP CLIP model). For each the
// table gives wall time, pairs/s and the CPU busy fraction (process CPU
// seconds / (wall seconds x threads)).
#include "core/engine/ClipTrainer.h"
#include "core/engine/TrainConfigFile.h"
#include "core/io/Json.h"

#include <ATen/Parallel.h>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <thread>

namespace {

constexpr const char* kUsage =
    "usage: bench_train CONFIG.json [--steps N] [--threads T] [--rounds R] [--no-reference]\n\n"
    "Times HEScape's engine and bench/train_reference.py (Debian's /usr/bin/python3) on the\n"
    "training split of CONFIG.json: patch extraction + data loading, then N training steps\n"
    "(default 60), taking turns for R rounds (default 2). Prints a table.\n";

using Clock = std::chrono::steady_clock;

double cpuSeconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

struct Phases {
    double pairs = 0, prepareS = 0, prepareBusy = 0, trainSteps = 0, trainS = 0, trainPairsPerS = 0, trainBusy = 0, finalLoss = 0;
};

Phases runOurs(const std::string& configPath, int steps, int threads) {
    hescape::TrainConfig c = hescape::readTrainConfig(configPath);
    c.validation.clear();  // the reference prepares the training split only
    c.test.clear();
    c.patchStore.clear();  // decode the slides every time, as the reference does
    c.checkpoint.clear();
    c.patches.threads = threads;
    at::set_num_threads(threads);
    Phases p;
    auto t0 = Clock::now();
    double c0 = cpuSeconds();
    hescape::ClipTrainer trainer(c);
    trainer.prepare();
    p.prepareS = std::chrono::duration<double>(Clock::now() - t0).count();
    p.prepareBusy = (cpuSeconds() - c0) / (p.prepareS * threads);
    p.pairs = static_cast<double>(trainer.split("train").count);
    // Enough epochs for `steps`; the run is cancelled once they are done.
    const std::int64_t perEpoch = trainer.split("train").count / c.batchSize;
    std::atomic<bool> stop{false};
    int done = 0;
    double loss = 0;
    t0 = Clock::now();
    c0 = cpuSeconds();
    try {
        trainer.train([&](const hescape::TrainStep& s) {
            done = s.step;
            loss = s.loss;
            if (s.step >= steps) stop = true;
        }, &stop);
    } catch (const hescape::CancelledError&) {
    }
    p.trainS = std::chrono::duration<double>(Clock::now() - t0).count();
    p.trainBusy = (cpuSeconds() - c0) / (p.trainS * threads);
    p.trainSteps = done;
    p.trainPairsPerS = done * c.batchSize / p.trainS;
    p.finalLoss = loss;
    if (done < steps) std::cerr << "note: the configuration's epochs allow only " << done << " steps (" << perEpoch << " per epoch)\n";
    return p;
}

Phases runReference(const std::string& configPath, int steps, int threads) {
    const std::string cmd = "/usr/bin/python3 " HESCAPE_BENCH_SOURCE_DIR "/train_reference.py '" + configPath + "' --steps " +
                            std::to_string(steps) + " --threads " + std::to_string(threads);
    FILE* pipe = popen(cmd.c_str(), "r");
    if (!pipe) throw std::runtime_error("cannot run " + cmd);
    std::string out;
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
    if (pclose(pipe) != 0) throw std::runtime_error("the Python reference failed: " + cmd);
    const auto last = out.find_last_of('{');
    const hescape::JsonValue j = hescape::parseJson(out.substr(last == std::string::npos ? 0 : last), "train_reference.py");
    Phases p;
    p.pairs = j.number("pairs").value_or(0);
    p.prepareS = j.number("prepare_s").value_or(0);
    p.prepareBusy = j.number("prepare_cpu_busy").value_or(0);
    p.trainSteps = j.number("train_steps").value_or(0);
    p.trainS = j.number("train_s").value_or(0);
    p.trainPairsPerS = j.number("train_pairs_per_s").value_or(0);
    p.trainBusy = j.number("train_cpu_busy").value_or(0);
    p.finalLoss = j.number("final_loss").value_or(0);
    return p;
}

Phases best(const std::vector<Phases>& runs) {
    Phases b = runs.front();
    for (const auto& r : runs) {
        if (r.prepareS < b.prepareS) {
            b.prepareS = r.prepareS;
            b.prepareBusy = r.prepareBusy;
        }
        if (r.trainPairsPerS > b.trainPairsPerS) {
            b.trainS = r.trainS;
            b.trainPairsPerS = r.trainPairsPerS;
            b.trainBusy = r.trainBusy;
        }
    }
    return b;
}

}  // namespace

int main(int argc, char** argv) {
    std::string config;
    int steps = 60, threads = static_cast<int>(std::thread::hardware_concurrency()), rounds = 2;
    bool reference = true;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "-h" || a == "--help") {
            std::cout << kUsage;
            return 0;
        } else if (a == "--steps" && i + 1 < argc) {
            steps = std::stoi(argv[++i]);
        } else if (a == "--threads" && i + 1 < argc) {
            threads = std::stoi(argv[++i]);
        } else if (a == "--rounds" && i + 1 < argc) {
            rounds = std::stoi(argv[++i]);
        } else if (a == "--no-reference") {
            reference = false;
        } else if (config.empty() && a[0] != '-') {
            config = a;
        } else {
            std::cerr << kUsage;
            return 2;
        }
    }
    if (config.empty()) {
        std::cerr << kUsage;
        return 2;
    }
    std::vector<Phases> ours, ref;
    try {
        for (int r = 0; r < rounds; ++r) {  // taking turns, so that drifting machine state hits both alike
            std::cerr << "round " << r + 1 << "/" << rounds << ": HEScape ...\n";
            ours.push_back(runOurs(config, steps, threads));
            if (reference) {
                std::cerr << "round " << r + 1 << "/" << rounds << ": Python reference ...\n";
                ref.push_back(runReference(config, steps, threads));
            }
        }
    } catch (const std::exception& e) {
        std::cerr << "bench_train: " << e.what() << "\n";
        return 1;
    }
    const Phases o = best(ours);
    const Phases p = reference ? best(ref) : Phases{};
    std::printf("\ntraining throughput, %s, %d threads, %d steps, best of %d rounds\n", config.c_str(), threads, steps, rounds);
    std::printf("| %-34s | %12s | %12s | %7s |\n", "", "HEScape C++", "Python torch", "ratio");
    std::printf("|%s|%s|%s|%s|\n", std::string(36, '-').c_str(), std::string(14, '-').c_str(), std::string(14, '-').c_str(),
                std::string(9, '-').c_str());
    auto row = [&](const char* name, double a, double b, bool higherBetter, const char* fmt) {
        char sa[32], sb[32];
        std::snprintf(sa, sizeof sa, fmt, a);
        std::snprintf(sb, sizeof sb, fmt, b);
        const double ratio = b > 0 && a > 0 ? (higherBetter ? a / b : b / a) : 0;
        std::printf("| %-34s | %12s | %12s | %6.2fx |\n", name, sa, reference ? sb : "-", ratio);
    };
    row("training pairs", o.pairs, p.pairs, true, "%.0f");
    row("prepare: wall s", o.prepareS, p.prepareS, false, "%.2f");
    row("prepare: pairs/s", o.pairs / o.prepareS, p.prepareS > 0 ? p.pairs / p.prepareS : 0, true, "%.0f");
    row("prepare: CPU busy fraction", o.prepareBusy, p.prepareBusy, true, "%.2f");
    row("train: wall s", o.trainS, p.trainS, false, "%.2f");
    row("train: pairs/s", o.trainPairsPerS, p.trainPairsPerS, true, "%.1f");
    row("train: CPU busy fraction", o.trainBusy, p.trainBusy, true, "%.2f");
    const double oursTotal = o.pairs / o.prepareS > 0 ? (o.prepareS + o.trainS) : 0;
    const double refTotal = p.prepareS + p.trainS;
    row("prepare + train: wall s", oursTotal, refTotal, false, "%.2f");
    std::printf("final training loss: HEScape %.3f, Python %.3f (different random streams; same model and data)\n", o.finalLoss,
                p.finalLoss);
    return 0;
}
