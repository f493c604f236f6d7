// Whole-set cross-modal retrieval at scale: n pairs (default 200,000) of
// dimension d (128), image -> gene ranks over all n candidates, HEScape's
// blocked LibTorch implementation against the same blocked algorithm in numpy
// (bench/retrieval_numpy.py), each in a fresh process on the same embeddings
// (written once to a raw file), reporting seconds and peak resident memory.
#include "core/eval/RetrievalMetrics.h"

#include <ATen/Parallel.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr const char* kUsage =
    "usage: bench_retrieval [--n N] [--dim D] [--block B] [--dir DIR]\n\n"
    "Times whole-set image->gene retrieval of N pairs (default 200000, dimension 128):\n"
    "HEScape (blocks of B x B similarities, default 4096) vs numpy (blocks of 1024 query rows),\n"
    "each in its own process; prints seconds, peak memory and the recall both found.\n";

struct Child {
    std::string out;
    long maxRssKb = 0;
    int status = -1;
};

Child run(const std::vector<std::string>& argv) {
    int fd[2];
    if (pipe(fd) != 0) return {};
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    close(fd[1]);
    Child c;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd[0], buf, sizeof buf)) > 0) c.out.append(buf, static_cast<std::size_t>(n));
    close(fd[0]);
    rusage ru{};
    wait4(pid, &c.status, 0, &ru);
    c.maxRssKb = ru.ru_maxrss;
    return c;
}

double field(const std::string& json, const std::string& key) {
    const auto at = json.find("\"" + key + "\":");
    return at == std::string::npos ? -1 : std::stod(json.substr(at + key.size() + 3));
}

std::vector<float> readRaw(const std::string& path, std::size_t count) {
    std::vector<float> v(count);
    std::ifstream in(path, std::ios::binary);
    in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(count * sizeof(float)));
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    std::int64_t n = 200000, dim = 128, block = 4096;
    std::string dir = (std::filesystem::temp_directory_path() / "hescape-bench-retrieval").string();
    bool ours = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "-h" || a == "--help") {
            std::cout << kUsage;
            return 0;
        } else if (a == "--n" && i + 1 < argc) {
            n = std::stoll(argv[++i]);
        } else if (a == "--dim" && i + 1 < argc) {
            dim = std::stoll(argv[++i]);
        } else if (a == "--block" && i + 1 < argc) {
            block = std::stoll(argv[++i]);
        } else if (a == "--dir" && i + 1 < argc) {
            dir = argv[++i];
        } else if (a == "--ours") {
            ours = true;
        } else {
            std::cerr << kUsage;
            return 2;
        }
    }
    const std::string imgPath = dir + "/image.f32", genePath = dir + "/gene.f32";
    if (ours) {  // the child: load, time, print
        at::set_num_threads(static_cast<int>(std::thread::hardware_concurrency()));
        const auto image = readRaw(imgPath, static_cast<std::size_t>(n * dim)), gene = readRaw(genePath, static_cast<std::size_t>(n * dim));
        const auto t0 = std::chrono::steady_clock::now();
        const auto ranks = hescape::retrievalRanks(hescape::EmbeddingView(image, dim), hescape::EmbeddingView(gene, dim), block);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const auto sc = hescape::scoresFromRanks(ranks, n);
        std::printf("{\"seconds\": %.4f, \"r1\": %.6f, \"r5\": %.6f, \"r10\": %.6f, \"mean_rank\": %.4f}\n", s, sc.recallAt1,
                    sc.recallAt5, sc.recallAt10, sc.meanRank);
        return 0;
    }
    std::filesystem::create_directories(dir);
    {  // partners: gene = image + noise, so recall is neither 0 nor 1
        std::mt19937 rng(3);
        std::normal_distribution<float> normal;
        std::vector<float> image(static_cast<std::size_t>(n * dim)), gene(image.size());
        for (std::size_t i = 0; i < image.size(); ++i) {
            image[i] = normal(rng);
            gene[i] = image[i] + 3.0f * normal(rng);
        }
        std::ofstream(imgPath, std::ios::binary).write(reinterpret_cast<const char*>(image.data()),
                                                       static_cast<std::streamsize>(image.size() * sizeof(float)));
        std::ofstream(genePath, std::ios::binary).write(reinterpret_cast<const char*>(gene.data()),
                                                        static_cast<std::streamsize>(gene.size() * sizeof(float)));
    }
    const std::string self = std::filesystem::canonical("/proc/self/exe").string();
    std::cerr << "HEScape ...\n";
    const Child a = run({self, "--ours", "--n", std::to_string(n), "--dim", std::to_string(dim), "--block", std::to_string(block),
                         "--dir", dir});
    std::cerr << "numpy ...\n";
    const Child b = run({"/usr/bin/python3", HESCAPE_BENCH_SOURCE_DIR "/retrieval_numpy.py", imgPath, genePath, std::to_string(n),
                         std::to_string(dim)});
    std::filesystem::remove_all(dir);
    if (a.status != 0 || b.status != 0) {
        std::cerr << "a run failed:\n" << a.out << b.out;
        return 1;
    }
    const double raw = static_cast<double>(n * dim * 2 * 4) / (1 << 20);
    std::printf("whole-set retrieval, %lld pairs x %lld dims, image->gene (embeddings: %.0f MiB)\n", static_cast<long long>(n),
                static_cast<long long>(dim), raw);
    std::printf("| %-22s | %10s | %14s | %8s | %8s | %10s |\n", "", "seconds", "peak RSS MiB", "R@1", "R@10", "mean rank");
    std::printf("|------------------------|-----------:|---------------:|---------:|---------:|-----------:|\n");
    for (const auto* c : {&a, &b}) {
        std::printf("| %-22s | %10.2f | %14.0f | %8.4f | %8.4f | %10.1f |\n", c == &a ? "HEScape (LibTorch)" : "numpy (OpenBLAS)",
                    field(c->out, "seconds"), static_cast<double>(c->maxRssKb) / 1024, field(c->out, "r1"), field(c->out, "r10"),
                    field(c->out, "mean_rank"));
    }
    std::printf("speed: %.2fx numpy; memory: %.2fx numpy\n", field(b.out, "seconds") / field(a.out, "seconds"),
                static_cast<double>(a.maxRssKb) / static_cast<double>(b.maxRssKb));
    return 0;
}
