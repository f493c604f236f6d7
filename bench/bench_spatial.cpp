// Spatial-data benchmark: (1) loading a large CSR .h5ad with HEScape's reader
// vs anndata.read_h5ad, each in its own process so wall time and peak memory
// (max RSS from wait4) are comparable; (2) gene-switch latency at 1M cells:
// one gene's values through ExpressionMatrix::column, with and without the
// CSR column index. Prints a table.
#include "core/spatial/AnnDataReader.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kHelp =
    "usage: bench_spatial [--obs N] [--vars M] [--density D] [--cells C] [--file PATH]\n"
    "       bench_spatial --load PATH   (internal: load once, print seconds and a checksum)\n\n"
    "Loads a generated N x M CSR .h5ad (default 500000 x 5000, 5% non-zeros) with HEScape and with\n"
    "anndata.read_h5ad (Debian's python3-anndata), each in a fresh process, reporting wall time and peak\n"
    "memory; then measures gene-switch latency on C cells (default 1,000,000) x 500 genes.\n";

struct ChildResult {
    double wall = 0;
    long maxRssKb = 0;
    std::string out;
    int status = -1;
};

ChildResult runChild(const std::vector<std::string>& argv) {
    int pipefd[2];
    if (pipe(pipefd) != 0) return {};
    const auto t0 = Clock::now();
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    close(pipefd[1]);
    ChildResult r;
    char buf[4096];
    ssize_t n;
    while ((n = read(pipefd[0], buf, sizeof buf)) > 0) r.out.append(buf, static_cast<std::size_t>(n));
    close(pipefd[0]);
    rusage ru{};
    int status = 0;
    wait4(pid, &status, 0, &ru);
    r.wall = std::chrono::duration<double>(Clock::now() - t0).count();
    r.maxRssKb = ru.ru_maxrss;
    r.status = status;
    return r;
}

int loadOnce(const std::string& path) {
    const auto t0 = Clock::now();
    const hescape::SpatialDataset ds = hescape::readAnnData(path);
    const double t = std::chrono::duration<double>(Clock::now() - t0).count();
    double sum = 0;
    for (const double s : ds.expression.rowSums()) sum += s;
    std::printf("{\"seconds\": %.6f, \"n_obs\": %lld, \"n_vars\": %lld, \"nnz\": %lld, \"sum\": %.1f}\n", t,
                static_cast<long long>(ds.observationCount()), static_cast<long long>(ds.geneCount()),
                static_cast<long long>(ds.expression.storedValues()), sum);
    return 0;
}

double field(const std::string& json, const std::string& key) {
    const auto p = json.find("\"" + key + "\":");
    return p == std::string::npos ? -1 : std::strtod(json.c_str() + p + key.size() + 3, nullptr);
}

double pct(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(std::min<double>(v.size() - 1, std::ceil(p / 100.0 * v.size()) - 1))];
}

}  // namespace

int main(int argc, char** argv) {
    long long nObs = 500000, nVars = 5000, cells = 1000000;
    double density = 0.05;
    std::string file;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "-h" || a == "--help") {
            std::cout << kHelp;
            return 0;
        } else if (a == "--load") {
            return loadOnce(next());
        } else if (a == "--obs") nObs = std::stoll(next());
        else if (a == "--vars") nVars = std::stoll(next());
        else if (a == "--density") density = std::stod(next());
        else if (a == "--cells") cells = std::stoll(next());
        else if (a == "--file") file = next();
        else {
            std::cerr << "bench_spatial: unknown option " << a << "\n" << kHelp;
            return 2;
        }
    }
    if (file.empty()) {
        file = std::string(HESCAPE_BENCH_DIR) + "/bench_" + std::to_string(nObs) + "x" + std::to_string(nVars) + ".h5ad";
    }
    if (!std::filesystem::exists(file)) {
        std::cerr << "generating " << file << " ...\n";
        const auto r = runChild({"/usr/bin/python3", HESCAPE_BENCH_SOURCE_DIR "/make_bench_h5ad.py", file,
                                 std::to_string(nObs), std::to_string(nVars), std::to_string(density)});
        std::cerr << r.out;
        if (r.status != 0) return 1;
    }
    const std::string self = std::filesystem::canonical("/proc/self/exe").string();
    std::cerr << "HEScape load ...\n";
    const ChildResult ours = runChild({self, "--load", file});
    std::cerr << "anndata load ...\n";
    const ChildResult ref = runChild({"/usr/bin/python3", HESCAPE_BENCH_SOURCE_DIR "/anndata_reference.py", file});
    if (ours.status != 0 || ref.status != 0) {
        std::cerr << "a reader failed:\n" << ours.out << ref.out;
        return 1;
    }
    std::printf("\nLoad %s (%.0f x %.0f, %.0f non-zeros)\n\n", file.c_str(), field(ours.out, "n_obs"),
                field(ours.out, "n_vars"), field(ours.out, "nnz"));
    std::printf("| metric | HEScape readAnnData | anndata.read_h5ad | ratio |\n|:--|--:|--:|--:|\n");
    std::printf("| read time (s, in-process) | %.2f | %.2f | speed-up %.2fx |\n", field(ours.out, "seconds"),
                field(ref.out, "seconds"), field(ref.out, "seconds") / field(ours.out, "seconds"));
    std::printf("| process wall (s, incl. start-up) | %.2f | %.2f | speed-up %.2fx |\n", ours.wall, ref.wall, ref.wall / ours.wall);
    std::printf("| peak memory (MiB, max RSS) | %.0f | %.0f | HEScape uses %.2fx |\n", ours.maxRssKb / 1024.0, ref.maxRssKb / 1024.0,
                static_cast<double>(ours.maxRssKb) / static_cast<double>(ref.maxRssKb));
    std::printf("| checksum (sum of X) | %.0f | %.0f | %s |\n", field(ours.out, "sum"), field(ref.out, "sum"),
                field(ours.out, "sum") == field(ref.out, "sum") ? "equal" : "DIFFERENT");

    // Gene switch at `cells` cells x 500 genes, ~5% non-zeros, CSR.
    const long long genes = 500;
    std::mt19937_64 rng(1);
    std::vector<std::int64_t> indptr{0};
    std::vector<std::int32_t> idx;
    std::vector<float> data;
    std::uniform_int_distribution<int> gene(0, static_cast<int>(genes) - 1);
    for (long long c = 0; c < cells; ++c) {
        std::vector<std::int32_t> row;
        for (int k = 0; k < 25; ++k) row.push_back(gene(rng));
        std::sort(row.begin(), row.end());
        row.erase(std::unique(row.begin(), row.end()), row.end());
        for (const auto g : row) {
            idx.push_back(g);
            data.push_back(1.0f + static_cast<float>(g % 7));
        }
        indptr.push_back(static_cast<std::int64_t>(idx.size()));
    }
    auto m = hescape::ExpressionMatrix::sparse(hescape::MatrixLayout::Csr, cells, genes, std::move(indptr), std::move(idx),
                                               std::move(data));
    auto timeColumns = [&](int n) {
        std::vector<double> ms;
        for (int i = 0; i < n; ++i) {
            const auto t0 = Clock::now();
            const auto v = m.column(gene(rng));
            ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
            if (v.size() != static_cast<std::size_t>(cells)) std::abort();
        }
        return ms;
    };
    const auto scan = timeColumns(10);
    const auto t0 = Clock::now();
    m.buildColumnIndex();
    const double indexMs = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    const auto indexed = timeColumns(200);
    std::printf("\nGene switch at %lld cells x %lld genes (%lld non-zeros, CSR)\n\n", cells, genes,
                static_cast<long long>(m.storedValues()));
    std::printf("| access | p50 (ms) | p95 (ms) |\n|:--|--:|--:|\n");
    std::printf("| column() by scanning CSR (no index) | %.1f | %.1f |\n", pct(scan, 50), pct(scan, 95));
    std::printf("| column() with the column index | %.2f | %.2f |\n", pct(indexed, 50), pct(indexed, 95));
    std::printf("\nbuilding the column index once: %.0f ms\n", indexMs);
    return 0;
}
