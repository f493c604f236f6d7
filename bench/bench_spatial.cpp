// Spatial-data benchmark: (1) loading a large CSR .h5ad with HEScape's reader
// vs anndata.read_h5ad, each in its own process so wall time and peak memory
// (max RSS from wait4) are comparable, alternating for --runs rounds (run-to-
// run noise on a VM is large), for the generated file and for a copy written
// by anndata itself; the floor of copying X into fresh memory; HEScape's load
// plus the CSR column index the app builds after loading; (2) gene-switch
// latency at 1M cells: one gene's values through ExpressionMatrix::column,
// with and without the CSR column index. Prints tables.
#include "core/io/Hdf5File.h"
#include "core/spatial/AnnDataReader.h"
#include "bench/BenchSupport.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace bench;

constexpr const char* kHelp =
    "usage: bench_spatial [--obs N] [--vars M] [--density D] [--cells C] [--file PATH] [--runs R]\n"
    "                     [--no-anndata-copy]\n"
    "       bench_spatial --load PATH [--with-index [--index-threads T]]\n"
    "                                                  (internal: load once, print seconds and a checksum)\n"
    "       bench_spatial --floor PATH BYTES           (internal: pre-fault BYTES and pread them from PATH)\n\n"
    "Loads a generated N x M CSR .h5ad (default 500000 x 5000, 5% non-zeros) with HEScape and with\n"
    "anndata.read_h5ad (Debian's python3-anndata), each in a fresh process, R rounds (default 3) taking\n"
    "turns, reporting the median and range of the times and the largest peak memory; then the same for a\n"
    "copy written by anndata.write_h5ad (anndata's own chunking; skipped with --no-anndata-copy); then the\n"
    "floor of copying X into fresh memory; then the column index (CSR -> CSC) built on 1 thread and on\n"
    "all, next to scipy's X.tocsc() after anndata.read_h5ad, R rounds; then\n"
    "gene-switch latency on C cells (default 1,000,000) x 500 genes.\n";

int loadOnce(const std::string& path, bool withIndex, unsigned indexThreads) {
    const auto t0 = Clock::now();
    hescape::SpatialDataset ds = hescape::readAnnData(path);
    const double t = std::chrono::duration<double>(Clock::now() - t0).count();
    double indexSeconds = 0;
    if (withIndex) {  // what the app does next on its loading thread (DatasetLoadTask)
        const auto t1 = Clock::now();
        ds.expression.buildColumnIndex(indexThreads);
        indexSeconds = std::chrono::duration<double>(Clock::now() - t1).count();
    }
    double sum = 0;
    for (const double s : ds.expression.rowSums()) sum += s;
    std::printf("{\"seconds\": %.6f, \"index_seconds\": %.6f, \"n_obs\": %lld, \"n_vars\": %lld, \"nnz\": %lld, "
                "\"sum\": %.1f}\n",
                t, indexSeconds, static_cast<long long>(ds.observationCount()), static_cast<long long>(ds.geneCount()),
                static_cast<long long>(ds.expression.storedValues()), sum);
    return 0;
}

// The last comparison's number of stored values (for the floor run).
double lastNnz = 0;

// HEScape and anndata loading `file`, each load in a fresh process; prints
// the table. On the VM, whatever runs first after the machine sat idle is
// 2-10x slower (the host takes back idle guest memory; anndata_reference.py
// measured 2.6-4.3 s instead of 1.0 s after 25 s idle), so one untimed load
// of each comes first, and the rounds alternate which reader goes first.
int compareLoads(const std::string& self, const std::string& file, const std::string& what, int runs) {
    std::vector<double> oursRead, refRead, oursWall, refWall, oursCpu, refCpu, oursOther, refOther;
    int noisyRuns = 0;
    long oursRss = 0, refRss = 0;
    std::string oursOut, refOut;
    const std::vector<std::string> oursCmd{self, "--load", file};
    const std::vector<std::string> refCmd{"/usr/bin/python3", HESCAPE_BENCH_SOURCE_DIR "/anndata_reference.py", file};
    std::cerr << "warm-up loads (not counted) ...\n";
    if (runChild(oursCmd).status != 0 || runChild(refCmd).status != 0) {
        std::cerr << "a reader failed in the warm-up\n";
        return 1;
    }
    for (int r = 0; r < runs; ++r) {
        ChildResult ours, ref;
        for (int turn = 0; turn < 2; ++turn) {
            const bool oursNow = (turn == 0) == (r % 2 == 0);
            std::cerr << "round " << r + 1 << "/" << runs << ": " << (oursNow ? "HEScape" : "anndata") << " load ...\n";
            noisyRuns += !waitForQuiet(30);
            (oursNow ? ours : ref) = runChild(oursNow ? oursCmd : refCmd);
        }
        if (ours.status != 0 || ref.status != 0) {
            std::cerr << "a reader failed:\n" << ours.out << ref.out;
            return 1;
        }
        std::cerr << "  HEScape " << field(ours.out, "seconds") << " s, anndata " << field(ref.out, "seconds") << " s\n";
        oursRead.push_back(field(ours.out, "seconds"));
        refRead.push_back(field(ref.out, "seconds"));
        oursWall.push_back(ours.wall);
        refWall.push_back(ref.wall);
        oursCpu.push_back(ours.cpu);
        refCpu.push_back(ref.cpu);
        oursOther.push_back(ours.other);
        refOther.push_back(ref.other);
        oursRss = std::max(oursRss, ours.maxRssKb);
        refRss = std::max(refRss, ref.maxRssKb);
        oursOut = ours.out;
        refOut = ref.out;
    }
    lastNnz = field(oursOut, "nnz");
    const Spread oRead = spread(oursRead), aRead = spread(refRead), oWall = spread(oursWall), aWall = spread(refWall);
    std::printf("\nLoad %s: %s (%.0f x %.0f, %.0f non-zeros), %d rounds: median (min-max)\n\n", what.c_str(),
                file.c_str(), field(oursOut, "n_obs"), field(oursOut, "n_vars"), lastNnz, runs);
    std::printf("| metric | HEScape readAnnData | anndata.read_h5ad | ratio (medians) |\n|:--|--:|--:|--:|\n");
    std::printf("| read time (s, in-process) | %s | %s | speed-up %.2fx |\n", show(oRead, 2).c_str(),
                show(aRead, 2).c_str(), aRead.median / oRead.median);
    std::printf("| process wall (s, incl. start-up) | %s | %s | speed-up %.2fx |\n", show(oWall, 2).c_str(),
                show(aWall, 2).c_str(), aWall.median / oWall.median);
    std::printf("| peak memory (MiB, max RSS, largest run) | %.0f | %.0f | HEScape uses %.2fx |\n", oursRss / 1024.0,
                refRss / 1024.0, static_cast<double>(oursRss) / static_cast<double>(refRss));
    std::printf("| CPU used (s, user + system) | %s | %s | |\n", show(spread(oursCpu), 2).c_str(),
                show(spread(refCpu), 2).c_str());
    std::printf("| other load (CPU s, rest of the machine) | %s | %s | |\n", show(spread(oursOther), 2).c_str(),
                show(spread(refOther), 2).c_str());
    std::printf("| checksum (sum of X) | %.0f | %.0f | %s |\n", field(oursOut, "sum"), field(refOut, "sum"),
                field(oursOut, "sum") == field(refOut, "sum") ? "equal" : "DIFFERENT");
    if (noisyRuns > 0) {
        std::printf("\nwarning: %d of %d runs started while the machine was busy (no quiet half second within 30 s)\n",
                    noisyRuns, 2 * runs);
    }
    std::fflush(stdout);
    return 0;
}

// Child for the floor: `bytes` of fresh memory pre-faulted and filled from
// the start of `path` by the bulk reader's threads, as HEScape's bulk read
// does minus HDF5, the checks and the vector's zero-fill.
int floorOnce(const std::string& path, std::uint64_t bytes) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 1;
    const auto t0 = Clock::now();
    void* mem = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return 1;
    auto* p = static_cast<char*>(mem);
    const unsigned threads = hescape::Hdf5File::bulkThreads();
    const std::uint64_t block = std::uint64_t{4} << 20;
    std::atomic<std::uint64_t> next{0};
    auto work = [&] {
        for (std::uint64_t off; (off = next.fetch_add(block)) < bytes;) {
            const std::uint64_t n = std::min(block, bytes - off);
#ifdef MADV_POPULATE_WRITE
            ::madvise(p + off, n, MADV_POPULATE_WRITE);
#endif
            if (::pread(fd, p + off, n, static_cast<off_t>(off)) < 0) std::abort();
        }
    };
    {
        std::vector<std::jthread> helpers;
        for (unsigned t = 1; t < threads; ++t) helpers.emplace_back(work);
        work();
    }
    const double t = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("{\"seconds\": %.6f}\n", t);
    ::munmap(mem, bytes);
    ::close(fd);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    long long nObs = 500000, nVars = 5000, cells = 1000000;
    int runs = 3;
    double density = 0.05;
    std::string file, loadPath, floorPath;
    std::uint64_t floorBytes = 0;
    bool withIndex = false, anndataCopy = true;
    unsigned indexThreads = 0;  // 0: buildColumnIndex picks (one per hardware thread, at most 8)
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "-h" || a == "--help") {
            std::cout << kHelp;
            return 0;
        } else if (a == "--load") loadPath = next();
        else if (a == "--floor") {
            floorPath = next();
            floorBytes = std::stoull(next());
        } else if (a == "--no-anndata-copy") anndataCopy = false;
        else if (a == "--with-index") withIndex = true;
        else if (a == "--index-threads") indexThreads = static_cast<unsigned>(std::stoul(next()));
        else if (a == "--runs") runs = std::max(1, std::stoi(next()));
        else if (a == "--obs") nObs = std::stoll(next());
        else if (a == "--vars") nVars = std::stoll(next());
        else if (a == "--density") density = std::stod(next());
        else if (a == "--cells") cells = std::stoll(next());
        else if (a == "--file") file = next();
        else {
            std::cerr << "bench_spatial: unknown option " << a << "\n" << kHelp;
            return 2;
        }
    }
    if (!loadPath.empty()) return loadOnce(loadPath, withIndex, indexThreads);
    if (!floorPath.empty()) return floorOnce(floorPath, floorBytes);
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
    if (compareLoads(self, file, "the generated file", runs) != 0) return 1;
    if (anndataCopy) {
        // The same data as anndata itself writes them (its sparse arrays are
        // chunked in ~120 KB pieces, which HEScape reads through H5Dread).
        const std::string copy = file.substr(0, file.size() - 5) + "_anndata.h5ad";
        if (!std::filesystem::exists(copy)) {
            std::cerr << "writing " << copy << " with anndata ...\n";
            const auto r = runChild({"/usr/bin/python3", "-c",
                                     "import sys, anndata as ad; ad.read_h5ad(sys.argv[1]).write_h5ad(sys.argv[2])", file,
                                     copy});
            if (r.status != 0) return 1;
        }
        if (compareLoads(self, copy, "the same data written by anndata.write_h5ad", runs) != 0) return 1;
    }

    // The floor for any reader that copies X into fresh memory: a process
    // that only pre-faults nnz * 8 bytes and preads that many file bytes into
    // them, on the same threads, with no HDF5 and no checks.
    std::vector<double> floorSeconds;
    const auto nnzBytes = static_cast<std::uint64_t>(lastNnz) * 8;
    for (int r = 0; r < runs; ++r) {
        waitForQuiet(30);
        const ChildResult fl = runChild({self, "--floor", file, std::to_string(nnzBytes)});
        if (fl.status != 0) return 1;
        floorSeconds.push_back(field(fl.out, "seconds"));
    }
    std::printf("\nFloor (fresh process: pre-fault %.0f MiB, pread that much of the file into it, %u threads, no "
                "HDF5): %s s\n",
                static_cast<double>(nnzBytes) / 1048576.0, hescape::Hdf5File::bulkThreads(),
                show(spread(floorSeconds), 2).c_str());

    // What the app waits for before gene switching is instant: the load plus
    // the CSR column index (DatasetLoadTask builds it on the loading thread),
    // on one thread and on all, next to scipy's tocsc() of anndata's X.
    std::cerr << "column index: HEScape (1 thread, all threads) and scipy tocsc ...\n";
    const std::string allThreads = std::to_string(std::clamp(std::thread::hardware_concurrency(), 1u, 8u));
    const std::vector<std::pair<std::string, std::vector<std::string>>> indexCmds{
        {"HEScape buildColumnIndex, 1 thread", {self, "--load", file, "--with-index", "--index-threads", "1"}},
        {"HEScape buildColumnIndex, " + allThreads + " threads", {self, "--load", file, "--with-index"}},
        {"scipy X.tocsc() (after anndata.read_h5ad)",
         {"/usr/bin/python3", HESCAPE_BENCH_SOURCE_DIR "/anndata_reference.py", file, "--tocsc"}}};
    std::vector<std::vector<double>> loadS(indexCmds.size()), indexS(indexCmds.size());
    std::vector<long> indexRss(indexCmds.size(), 0);
    std::vector<bool> indexBusy(indexCmds.size(), false);
    for (int r = 0; r < runs; ++r) {
        for (std::size_t i = 0; i < indexCmds.size(); ++i) {
            const std::size_t which = (i + static_cast<std::size_t>(r)) % indexCmds.size();  // take turns going first
            waitForQuiet(30);
            const ChildResult c = runChild(indexCmds[which].second);
            if (c.status != 0 || field(c.out, "index_seconds") < 0) {
                std::cerr << indexCmds[which].first << " failed:\n" << c.out;
                return 1;
            }
            loadS[which].push_back(field(c.out, "seconds"));
            indexS[which].push_back(field(c.out, "index_seconds"));
            indexRss[which] = std::max(indexRss[which], c.maxRssKb);
            if (c.other > 0.5 * c.cpu) indexBusy[which] = true;
        }
    }
    std::printf("\nColumn index of X (CSR -> CSC, %lld values), each after a load in a fresh process, %d rounds:\n\n",
                static_cast<long long>(lastNnz), runs);
    std::printf("| build | index (s) | load + index (s) | peak memory (MiB, largest run) |\n|:--|--:|--:|--:|\n");
    for (std::size_t i = 0; i < indexCmds.size(); ++i) {
        std::vector<double> total;
        for (std::size_t k = 0; k < loadS[i].size(); ++k) total.push_back(loadS[i][k] + indexS[i][k]);
        std::printf("| %s%s | %s | %s | %.0f |\n", indexCmds[i].first.c_str(), indexBusy[i] ? " (busy machine)" : "",
                    show(spread(indexS[i]), 2).c_str(), show(spread(total), 2).c_str(), indexRss[i] / 1024.0);
    }

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
    const auto tSorted = Clock::now();
    m.checkSortedRows();  // what the app's loading thread does; column() then binary-searches rows
    const double sortedMs = std::chrono::duration<double, std::milli>(Clock::now() - tSorted).count();
    const auto searched = timeColumns(50);
    const auto t0 = Clock::now();
    m.buildColumnIndex();
    const double indexMs = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    const auto indexed = timeColumns(200);
    std::printf("\nGene switch at %lld cells x %lld genes (%lld non-zeros, CSR)\n\n", cells, genes,
                static_cast<long long>(m.storedValues()));
    std::printf("| access | p50 (ms) | p95 (ms) |\n|:--|--:|--:|\n");
    std::printf("| column() by scanning CSR (no index) | %.1f | %.1f |\n", pct(scan, 50), pct(scan, 95));
    std::printf("| column() binary-searching sorted rows (no index yet) | %.1f | %.1f |\n", pct(searched, 50), pct(searched, 95));
    std::printf("| column() with the column index | %.2f | %.2f |\n", pct(indexed, 50), pct(indexed, 95));
    std::printf("\nchecking that rows are sorted once: %.0f ms; building the column index once: %.0f ms\n", sortedMs, indexMs);
    return 0;
}
