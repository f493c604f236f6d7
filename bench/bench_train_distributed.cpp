// Data-parallel scaling on this machine: training pairs/s of the engine in
// one process and in two processes (real Gloo process groups over the
// loopback, started by this program as torchrun would: RANK, WORLD_SIZE,
// MASTER_ADDR, MASTER_PORT), on the training split of a configuration.
// Rows, all with the same global batch 2B: 1 process x 1 torch thread, 1
// process x all cores, 2 processes x (cores / 2) threads (B each), with
// batch norm over the global batch (the default) and per rank. Only training steps are timed, after warm-up steps; patches come
// from the configuration's patch store. Prints a table.
#include "core/engine/ClipTrainer.h"
#include "core/engine/DistributedContext.h"
#include "core/engine/DistributedEnvironment.h"
#include "core/engine/TorchRuntime.h"
#include "core/engine/TrainConfigFile.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr const char* kUsage =
    "usage: bench_train_distributed CONFIG.json [--steps N] [--warmup W] [--batch B] [--rounds R]\n\n"
    "Pairs/s of N timed training steps (default 30, after W = 3 warm-up steps) on CONFIG.json's\n"
    "training split, global batch 2B: one process (1 thread; all cores) and two processes on\n"
    "Gloo over the loopback (batch B each), with batch norm over the global batch and per rank.\n"
    "B defaults to the configuration's batch_size.\n";

using Clock = std::chrono::steady_clock;

double cpuSeconds(int who) {
    rusage ru{};
    getrusage(who, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

int freePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = 0;
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0) ::close(fd);
    return port;
}

struct Timing {
    double pairsPerS = 0, stepS = 0, cpuBusy = 0, loss = 0;
};

// One process's part: prepare, join the group when `env` says so, train and
// time steps warmup+1 .. warmup+steps.
Timing trainAndTime(const std::string& configPath, int batch, int threads, int steps, int warmup, bool syncNorm,
                    const hescape::DistributedEnvironment& env) {
    hescape::TrainConfig c = hescape::readTrainConfig(configPath);
    c.validation.clear();
    c.test.clear();
    c.checkpoint.clear();
    c.batchSize = batch;
    c.syncBatchNorm = syncNorm;
    c.patches.threads = threads;
    hescape::configureTorchThreads(threads);
    hescape::ClipTrainer trainer(c);
    trainer.prepare();
    std::shared_ptr<hescape::DistributedContext> dist;
    if (env.distributed()) {
        dist = std::make_shared<hescape::DistributedContext>(env, std::chrono::seconds(60));
        dist->waitForAll("prepared", std::chrono::seconds(600));
        trainer.setDistributed(dist);
    }
    const int world = env.worldSize;
    std::atomic<bool> stop{false};
    Clock::time_point t0;
    double c0 = 0, loss = 0;
    int timed = 0;
    try {
        trainer.train([&](const hescape::TrainStep& s) {
            if (s.step == warmup) {
                t0 = Clock::now();
                c0 = cpuSeconds(RUSAGE_SELF);
            } else if (s.step > warmup) {
                timed = s.step - warmup;
                loss = s.loss;
            }
            if (s.step >= warmup + steps) stop = true;
        }, &stop);
    } catch (const hescape::CancelledError&) {
    }
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    Timing t;
    t.pairsPerS = static_cast<double>(timed) * batch * world / wall;
    t.stepS = wall / std::max(1, timed);
    t.cpuBusy = (cpuSeconds(RUSAGE_SELF) - c0) / wall;  // cores' worth this process kept busy
    t.loss = loss;
    if (timed < steps) std::cerr << "note: the configuration's epochs allowed only " << timed << " timed steps\n";
    return t;
}

// Starts `world` copies of this program as ranks and returns rank 0's timing
// (and the sum of the ranks' CPU busy fractions).
Timing runRanks(const std::string& self, const std::string& config, int batch, int threads, int steps, int warmup, int world,
                bool syncNorm = true) {
    const int port = freePort();
    char reportTemplate[] = "/tmp/hescape-bench-XXXXXX";
    const int fd = ::mkstemp(reportTemplate);
    if (fd < 0) throw std::runtime_error("cannot create a report file");
    ::close(fd);
    const std::string report = reportTemplate;
    std::vector<pid_t> children;
    for (int r = 0; r < world; ++r) {
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::setenv("RANK", std::to_string(r).c_str(), 1);
            ::setenv("WORLD_SIZE", std::to_string(world).c_str(), 1);
            ::setenv("LOCAL_RANK", std::to_string(r).c_str(), 1);
            ::setenv("LOCAL_WORLD_SIZE", std::to_string(world).c_str(), 1);
            ::setenv("MASTER_ADDR", "127.0.0.1", 1);
            ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
            std::vector<std::string> args = {self,       config, "--rank-report", report, "--steps", std::to_string(steps),
                                             "--warmup", std::to_string(warmup), "--batch", std::to_string(batch),
                                             "--threads", std::to_string(threads)};
            if (!syncNorm) args.push_back("--local-batch-norm");
            std::vector<char*> argv;
            for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            ::execv(self.c_str(), argv.data());
            std::_Exit(127);
        }
        children.push_back(pid);
    }
    bool ok = true;
    for (const pid_t pid : children) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    Timing t;
    std::ifstream in(report);
    double busySum = 0;
    std::vector<Timing> lines;
    Timing line;
    while (in >> line.pairsPerS >> line.stepS >> line.cpuBusy >> line.loss) lines.push_back(line);
    std::remove(report.c_str());
    if (!ok || lines.size() != static_cast<std::size_t>(world)) throw std::runtime_error("a rank failed");
    for (const auto& l : lines) busySum += l.cpuBusy;
    t = lines.front();
    t.cpuBusy = busySum;
    return t;
}

}  // namespace

int main(int argc, char** argv) {
    std::string config, rankReport;
    int steps = 30, warmup = 3, batch = 0, rounds = 2;
    bool syncNorm = true;
    int threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "-h" || a == "--help") {
            std::cout << kUsage;
            return 0;
        } else if (a == "--steps" && i + 1 < argc) {
            steps = std::stoi(argv[++i]);
        } else if (a == "--warmup" && i + 1 < argc) {
            warmup = std::stoi(argv[++i]);
        } else if (a == "--batch" && i + 1 < argc) {
            batch = std::stoi(argv[++i]);
        } else if (a == "--rounds" && i + 1 < argc) {
            rounds = std::stoi(argv[++i]);
        } else if (a == "--threads" && i + 1 < argc) {
            threads = std::stoi(argv[++i]);
        } else if (a == "--local-batch-norm") {
            syncNorm = false;
        } else if (a == "--rank-report" && i + 1 < argc) {
            rankReport = argv[++i];
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
    try {
        if (!rankReport.empty()) {  // started by runRanks as one rank
            const auto env = hescape::detectDistributedEnvironment();
            const Timing t = trainAndTime(config, batch, threads, steps, warmup, syncNorm, env);
            std::ofstream out(rankReport, std::ios::app);
            out << t.pairsPerS << ' ' << t.stepS << ' ' << t.cpuBusy << ' ' << t.loss << '\n';
            return 0;
        }
        if (batch == 0) batch = hescape::readTrainConfig(config).batchSize;
        const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
        const std::string self = "/proc/self/exe";
        char resolved[4096] = {};
        const auto n = ::readlink(self.c_str(), resolved, sizeof resolved - 1);
        const std::string exe = n > 0 ? std::string(resolved, static_cast<std::size_t>(n)) : argv[0];
        // Each row in its own processes, so that torch's thread pool is fresh.
        Timing best1, bestAll, best2, best2Local;
        for (int r = 0; r < rounds; ++r) {
            std::cerr << "round " << r + 1 << "/" << rounds << ": 1 process x 1 thread ...\n";
            const Timing a = runRanks(exe, config, 2 * batch, 1, steps, warmup, 1);
            std::cerr << "round " << r + 1 << "/" << rounds << ": 1 process x " << cores << " threads ...\n";
            const Timing b = runRanks(exe, config, 2 * batch, cores, steps, warmup, 1);
            std::cerr << "round " << r + 1 << "/" << rounds << ": 2 processes x " << std::max(1, cores / 2) << " thread(s) ...\n";
            const Timing c = runRanks(exe, config, batch, std::max(1, cores / 2), steps, warmup, 2);
            std::cerr << "round " << r + 1 << "/" << rounds << ": 2 processes, per-rank batch norm ...\n";
            const Timing d = runRanks(exe, config, batch, std::max(1, cores / 2), steps, warmup, 2, false);
            if (d.pairsPerS > best2Local.pairsPerS) best2Local = d;
            if (a.pairsPerS > best1.pairsPerS) best1 = a;
            if (b.pairsPerS > bestAll.pairsPerS) bestAll = b;
            if (c.pairsPerS > best2.pairsPerS) best2 = c;
        }
        std::printf("\ndata-parallel scaling, %s, %d cores, %d timed steps after %d warm-up, best of %d rounds\n", config.c_str(), cores,
                    steps, warmup, rounds);
        std::printf("| %-36s | %11s | %9s | %9s | %8s | %9s |\n", "", "global batch", "pairs/s", "s/step", "CPU busy", "vs 1x1");
        std::printf("|%s|%s|%s|%s|%s|%s|\n", std::string(38, '-').c_str(), std::string(13, '-').c_str(), std::string(11, '-').c_str(),
                    std::string(11, '-').c_str(), std::string(10, '-').c_str(), std::string(11, '-').c_str());
        auto row = [&](const std::string& name, int global, const Timing& t) {
            std::printf("| %-36s | %11d | %9.1f | %9.3f | %8.2f | %8.2fx |\n", name.c_str(), global, t.pairsPerS, t.stepS, t.cpuBusy,
                        t.pairsPerS / best1.pairsPerS);
        };
        row("1 process x 1 thread", 2 * batch, best1);
        row("1 process x " + std::to_string(cores) + " threads", 2 * batch, bestAll);
        row("2 processes (Gloo) x " + std::to_string(std::max(1, cores / 2)) + " thread(s)", 2 * batch, best2);
        row("  same, per-rank batch norm", 2 * batch, best2Local);
        std::printf("CPU busy: cores' worth of CPU time per wall second, summed over the processes.\n");
        double load[3] = {0, 0, 0};
        if (::getloadavg(load, 3) == 3) std::printf("load average at the end (1/5/15 min): %.2f %.2f %.2f\n", load[0], load[1], load[2]);
    } catch (const std::exception& e) {
        std::cerr << "bench_train_distributed: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
