// UMAP layouts of the embedding explorer: core's umapLayout against
// umap-learn 0.5.3 (bench/layout_umap_reference.py) on the same embeddings,
// a seeded mixture of Gaussians in 64-d with unit-length rows (like a run's
// embeddings), at several sizes. Prints wall time and trustworthiness
// (k = 15, core's trustworthiness(), which matches sklearn's) side by side.
#include "core/embedding/Trustworthiness.h"
#include "core/embedding/UmapLayout.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr const char* kUsage =
    "usage: bench_layout [--n N1,N2,...] [--dim D] [--clusters C] [--threads T] [--seed S] [--no-reference]\n\n"
    "Lays out a mixture of C Gaussians (default 20) in D dimensions (default 64, rows scaled to unit length)\n"
    "with core's UMAP and with umap-learn, for each N (default 5000,20000); prints seconds and\n"
    "trustworthiness (k = 15) of both. --no-reference skips umap-learn.\n";

std::vector<float> embeddings(std::int64_t n, std::int64_t dim, int clusters, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> normal;
    std::vector<double> centres(static_cast<std::size_t>(clusters * dim));
    for (auto& c : centres) c = normal(rng);
    std::vector<float> x(static_cast<std::size_t>(n * dim));
    std::vector<double> row(static_cast<std::size_t>(dim));
    for (std::int64_t i = 0; i < n; ++i) {
        const auto c = static_cast<std::int64_t>(rng() % static_cast<std::uint32_t>(clusters));
        double norm = 0;
        for (std::int64_t t = 0; t < dim; ++t) {
            row[static_cast<std::size_t>(t)] = centres[static_cast<std::size_t>(c * dim + t)] + 0.45 * normal(rng);
            norm += row[static_cast<std::size_t>(t)] * row[static_cast<std::size_t>(t)];
        }
        for (std::int64_t t = 0; t < dim; ++t) x[static_cast<std::size_t>(i * dim + t)] = static_cast<float>(row[static_cast<std::size_t>(t)] / std::sqrt(norm));
    }
    return x;
}

double seconds(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

double field(const std::string& json, const std::string& key) {
    const auto at = json.find("\"" + key + "\":");
    return at == std::string::npos ? -1 : std::stod(json.substr(at + key.size() + 3));
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::int64_t> sizes = {5000, 20000};
    std::int64_t dim = 64;
    int clusters = 20, threads = 0;
    std::uint64_t seed = 42;
    bool reference = true;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "-h" || a == "--help") {
            std::cout << kUsage;
            return 0;
        } else if (a == "--n" && i + 1 < argc) {
            sizes.clear();
            std::stringstream list(argv[++i]);
            for (std::string item; std::getline(list, item, ',');) sizes.push_back(std::stoll(item));
        } else if (a == "--dim" && i + 1 < argc) {
            dim = std::stoll(argv[++i]);
        } else if (a == "--clusters" && i + 1 < argc) {
            clusters = std::stoi(argv[++i]);
        } else if (a == "--threads" && i + 1 < argc) {
            threads = std::stoi(argv[++i]);
        } else if (a == "--seed" && i + 1 < argc) {
            seed = std::stoull(argv[++i]);
        } else if (a == "--no-reference") {
            reference = false;
        } else {
            std::cerr << kUsage;
            return 2;
        }
    }
    const auto dir = std::filesystem::temp_directory_path() / ("hescape-bench-layout-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::printf("UMAP (2-D, umap-learn's defaults, seed %llu) of a %d-cluster Gaussian mixture in %lld-d, unit rows; %u hardware threads\n",
                static_cast<unsigned long long>(seed), clusters, static_cast<long long>(dim), std::thread::hardware_concurrency());
    std::printf("| n | ours: seconds | ours: trustworthiness | umap-learn: seconds | umap-learn: trustworthiness | speed-up |\n");
    std::printf("|--:|--:|--:|--:|--:|--:|\n");
    for (const auto n : sizes) {
        const auto x = embeddings(n, dim, clusters, static_cast<std::uint32_t>(seed + static_cast<std::uint64_t>(n)));
        hescape::UmapOptions options;
        options.seed = seed;
        options.threads = threads;
        const auto t0 = std::chrono::steady_clock::now();
        const auto ours = hescape::umapLayout(x, dim, options);
        const double oursSeconds = seconds(t0);
        const double oursTrust = hescape::trustworthiness(x, dim, ours.coordinates, 2, 15, threads);
        std::fprintf(stderr, "n %lld: ours %.1f s (spectral init %d products%s, %lld edges)\n", static_cast<long long>(n), oursSeconds,
                     ours.spectralIterationsRun, ours.spectralConverged ? ", converged" : "", static_cast<long long>(ours.edges));
        double theirSeconds = -1, theirTrust = -1;
        if (reference) {
            const auto xPath = (dir / "x.f32").string(), yPath = (dir / "y.f32").string();
            std::ofstream(xPath, std::ios::binary).write(reinterpret_cast<const char*>(x.data()), static_cast<std::streamsize>(x.size() * sizeof(float)));
            const std::string command = "/usr/bin/python3 " HESCAPE_BENCH_SOURCE_DIR "/layout_umap_reference.py " + xPath + " " +
                                        std::to_string(n) + " " + std::to_string(dim) + " " + yPath + " " + std::to_string(seed);
            std::string out;
            if (FILE* pipe = ::popen(command.c_str(), "r")) {
                char buf[4096];
                while (const auto got = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, got);
                if (::pclose(pipe) != 0) out.clear();
            }
            if (out.empty()) {
                std::cerr << "umap-learn failed: " << command << "\n";
                return 1;
            }
            theirSeconds = field(out, "seconds");
            std::vector<float> theirs(static_cast<std::size_t>(n * 2));
            std::ifstream(yPath, std::ios::binary).read(reinterpret_cast<char*>(theirs.data()), static_cast<std::streamsize>(theirs.size() * sizeof(float)));
            theirTrust = hescape::trustworthiness(x, dim, theirs, 2, 15, threads);
            std::fprintf(stderr, "n %lld: umap-learn %.1f s (warm-up %.1f s)\n", static_cast<long long>(n), theirSeconds, field(out, "warmup_seconds"));
        }
        std::printf("| %lld | %.1f | %.4f | %.1f | %.4f | %.1fx |\n", static_cast<long long>(n), oursSeconds, oursTrust, theirSeconds, theirTrust,
                    theirSeconds > 0 ? theirSeconds / oursSeconds : 0.0);
        std::fflush(stdout);
    }
    std::filesystem::remove_all(dir);
    return 0;
}
