// Visium HD at a full capture area's size (issue 14): a generated 8 um bin
// folder of ~700,000 bins x 18,000 genes at Visium HD's sparsity
// (make_visium_hd_bench.py, Space Ranger's layout). Three tables, each side by
// side with a reference run in the same invocation, each load in a fresh
// process (wall time, peak memory from wait4):
//  1. loading the data set as the app does (openSpatialDataset: Parquet
//     positions + 10x matrix + checks, then the sorted-rows check and library
//     sizes of DatasetLoadTask) vs anndata.read_h5ad of the same counts and
//     positions as .h5ad, and vs h5py reading the same gzip-compressed 10x
//     .h5 (what scanpy.read_10x_h5 does first; scanpy is not packaged);
//  2. gene switch: ExpressionMatrix::column before the column index (binary
//     search of sorted rows), the index build, and column() after it, vs
//     scipy's column of anndata's CSR X (what a Python viewer does);
//  3. the positions alone: ParquetFile's six columns vs pandas.read_csv of the
//     same table as CSV (Debian packages no Python Parquet reader).
#include "bench/BenchSupport.h"
#include "core/io/ParquetFile.h"
#include "core/spatial/DatasetOpener.h"

#include <filesystem>
#include <iostream>
#include <random>

namespace {

using namespace bench;

constexpr const char* kHelp =
    "usage: bench_visium_hd [--dir DIR] [--side N] [--genes G] [--runs R]\n"
    "       bench_visium_hd --load FOLDER | --parquet FILE      (internal: one timed read, JSON)\n\n"
    "Generates DIR (default: visium_hd_data beside this executable) with make_visium_hd_bench.py:\n"
    "an N x N grid of 8 um bins (default 880: ~680,000 bins under tissue) x G genes (default 18000),\n"
    "then prints the load, gene-switch and Parquet tables, R rounds each (default 3).\n";

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// What the app's loading thread does with a data set (DatasetLoadTask), timed.
int loadOnce(const std::string& folder) {
    const auto t0 = Clock::now();
    hescape::SpatialDataset ds = hescape::openSpatialDataset(folder);
    ds.expression.checkSortedRows();
    const auto libraries = ds.expression.rowSums();
    const double seconds = secondsSince(t0);
    double sum = 0;
    for (const double s : libraries) sum += s;
    std::printf("{\"seconds\": %.6f, \"n_obs\": %lld, \"n_vars\": %lld, \"nnz\": %lld, \"sum\": %.1f}\n", seconds,
                static_cast<long long>(ds.observationCount()), static_cast<long long>(ds.geneCount()),
                static_cast<long long>(ds.expression.storedValues()), sum);
    return 0;
}

int parquetOnce(const std::string& file) {
    const auto t0 = Clock::now();
    const auto f = hescape::ParquetFile::open(file);
    const auto barcodes = f.readStrings("barcode");
    double sum = 0;
    for (const char* c : {"in_tissue", "array_row", "array_col", "pxl_row_in_fullres", "pxl_col_in_fullres"})
        for (const double v : f.readDoubles(c)) sum += v;
    std::printf("{\"seconds\": %.6f, \"rows\": %zu, \"sum\": %.3f}\n", secondsSince(t0), barcodes.size(), sum);
    return 0;
}

// R rounds of two commands taking turns going first; the medians and ranges of their "seconds".
struct Pair {
    std::vector<double> a, b, wallA, wallB;
    long rssA = 0, rssB = 0;
    std::string outA, outB;
};
bool alternate(const std::vector<std::string>& a, const std::vector<std::string>& b, int runs, Pair& p) {
    for (int r = 0; r < runs; ++r) {
        for (int turn = 0; turn < 2; ++turn) {
            const bool first = (turn == 0) == (r % 2 == 0);
            waitForQuiet(30);
            const ChildResult c = runChild(first ? a : b);
            if (c.status != 0 || field(c.out, "seconds") < 0) {
                std::cerr << (first ? a : b)[0] << " failed:\n" << c.out;
                return false;
            }
            (first ? p.a : p.b).push_back(field(c.out, "seconds"));
            (first ? p.wallA : p.wallB).push_back(c.wall);
            (first ? p.rssA : p.rssB) = std::max(first ? p.rssA : p.rssB, c.maxRssKb);
            (first ? p.outA : p.outB) = c.out;
        }
    }
    return true;
}

void loadTable(const Pair& p, const Pair& same, int runs) {
    std::printf("\nLoad to a colourable data set: %.0f bins x %.0f genes, %.0f non-zeros, %d rounds: median (min-max)\n\n",
                field(p.outA, "n_obs"), field(p.outA, "n_vars"), field(p.outA, "nnz"), runs);
    std::printf("| metric | HEScape (Parquet + 10x .h5, checks, library sizes) | anndata.read_h5ad (same data as .h5ad) | ratio |\n"
                "|:--|--:|--:|--:|\n");
    std::printf("| read (s, in-process) | %s | %s | speed-up %.2fx |\n", show(spread(p.a), 2).c_str(), show(spread(p.b), 2).c_str(),
                spread(p.b).median / spread(p.a).median);
    std::printf("| process wall (s) | %s | %s | |\n", show(spread(p.wallA), 2).c_str(), show(spread(p.wallB), 2).c_str());
    std::printf("| peak memory (MiB) | %.0f | %.0f | %.2fx |\n", p.rssA / 1024.0, p.rssB / 1024.0,
                static_cast<double>(p.rssA) / static_cast<double>(p.rssB));
    std::printf("| checksum (sum of counts) | %.0f | %.0f | %s |\n", field(p.outA, "sum"), field(p.outB, "sum"),
                field(p.outA, "sum") == field(p.outB, "sum") ? "equal" : "DIFFERENT");
    std::printf("\nThe same gzip-compressed filtered_feature_bc_matrix.h5 (Space Ranger's format; the .h5ad above is uncompressed):\n\n"
                "| reader | read (s, in-process) | peak memory (MiB) |\n|:--|--:|--:|\n");
    std::printf("| HEScape: the whole load above (matrix, positions, checks, library sizes) | %s | %.0f |\n", show(spread(same.a), 2).c_str(),
                same.rssA / 1024.0);
    std::printf("| h5py: data, indices, indptr of the matrix alone | %s | %.0f |\n", show(spread(same.b), 2).c_str(), same.rssB / 1024.0);
}

// Gene switch in this process, on the loaded data set, and scipy's reference.
void geneSwitchTable(const std::string& folder, const std::string& h5ad) {
    hescape::SpatialDataset ds = hescape::openSpatialDataset(folder);
    auto& m = ds.expression;
    m.checkSortedRows();
    std::mt19937_64 rng(3);
    std::uniform_int_distribution<std::int64_t> gene(0, m.cols() - 1);
    const auto time = [&](int n) {
        std::vector<double> ms;
        for (int i = 0; i < n; ++i) {
            const auto t0 = Clock::now();
            const auto v = m.column(gene(rng));
            ms.push_back(1000 * secondsSince(t0));
            if (static_cast<std::int64_t>(v.size()) != m.rows()) std::abort();
        }
        return ms;
    };
    const auto searched = time(30);
    const auto t0 = Clock::now();
    m.buildColumnIndex();
    const double indexSeconds = secondsSince(t0);
    const auto indexed = time(200);
    const ChildResult ref = runChild({"/usr/bin/python3", "-c",
                                      "import sys, time, json, numpy as np, anndata as ad\n"
                                      "X = ad.read_h5ad(sys.argv[1]).X\n"
                                      "rng = np.random.default_rng(3); ms = []\n"
                                      "for j in rng.integers(0, X.shape[1], 30):\n"
                                      "    t = time.perf_counter(); v = X[:, int(j)].toarray().ravel(); ms.append(1000 * (time.perf_counter() - t))\n"
                                      "print(json.dumps({'p50': float(np.percentile(ms, 50)), 'p95': float(np.percentile(ms, 95))}))\n",
                                      h5ad});
    std::printf("\nGene switch (one gene's values for every bin)\n\n| access | p50 (ms) | p95 (ms) |\n|:--|--:|--:|\n");
    std::printf("| HEScape column(), before the column index (binary search of sorted rows) | %.1f | %.1f |\n", pct(searched, 50),
                pct(searched, 95));
    std::printf("| HEScape column() with the column index | %.2f | %.2f |\n", pct(indexed, 50), pct(indexed, 95));
    std::printf("| scipy: anndata X[:, j].toarray() (CSR) | %.1f | %.1f |\n", field(ref.out, "p50"), field(ref.out, "p95"));
    std::printf("\nbuilding the column index once (the app does it in the background): %.2f s\n", indexSeconds);
}

}  // namespace

int main(int argc, char** argv) {
    std::string dir = std::string(HESCAPE_BENCH_DIR) + "/visium_hd_data";
    int side = 880, genes = 18000, runs = 3;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "-h" || a == "--help") return std::fputs(kHelp, stdout), 0;
        if (a == "--load") return loadOnce(next());
        if (a == "--parquet") return parquetOnce(next());
        if (a == "--dir") dir = next();
        else if (a == "--side") side = std::stoi(next());
        else if (a == "--genes") genes = std::stoi(next());
        else if (a == "--runs") runs = std::max(1, std::stoi(next()));
        else return std::fprintf(stderr, "bench_visium_hd: unknown option %s\n%s", a.c_str(), kHelp), 2;
    }
    const std::string folder = dir + "/square_008um", h5ad = dir + "/square_008um.h5ad", csv = dir + "/tissue_positions.csv";
    if (!std::filesystem::exists(h5ad)) {
        std::cerr << "generating " << dir << " ...\n";
        const ChildResult g = runChild({"/usr/bin/python3", HESCAPE_BENCH_SOURCE_DIR "/make_visium_hd_bench.py", dir, std::to_string(side),
                                        std::to_string(genes)});
        std::cerr << g.out;
        if (g.status != 0) return 1;
    }
    const std::string self = std::filesystem::canonical("/proc/self/exe").string();
    Pair load;
    if (!alternate({self, "--load", folder}, {"/usr/bin/python3", HESCAPE_BENCH_SOURCE_DIR "/anndata_reference.py", h5ad}, runs, load)) return 1;
    Pair same;
    if (!alternate({self, "--load", folder},
                   {"/usr/bin/python3", "-c",
                    "import sys, time, json, h5py\nt = time.perf_counter(); f = h5py.File(sys.argv[1])\n"
                    "d = f['matrix/data'][:]; i = f['matrix/indices'][:]; p = f['matrix/indptr'][:]\n"
                    "print(json.dumps({'seconds': time.perf_counter() - t, 'nnz': int(d.size)}))\n",
                    folder + "/filtered_feature_bc_matrix.h5"},
                   runs, same))
        return 1;
    loadTable(load, same, runs);
    geneSwitchTable(folder, h5ad);
    Pair parquet;
    if (!alternate({self, "--parquet", folder + "/spatial/tissue_positions.parquet"},
                   {"/usr/bin/python3", "-c",
                    "import sys, time, json, pandas as pd\nt = time.perf_counter(); d = pd.read_csv(sys.argv[1])\n"
                    "print(json.dumps({'seconds': time.perf_counter() - t, 'rows': len(d)}))\n",
                    csv},
                   runs, parquet))
        return 1;
    std::printf("\nPositions of %.0f bins (6 columns), %d rounds: median (min-max)\n\n| reader | read (s) | peak memory (MiB) |\n|:--|--:|--:|\n",
                field(parquet.outA, "rows"), runs);
    std::printf("| HEScape ParquetFile (tissue_positions.parquet, SNAPPY) | %s | %.0f |\n", show(spread(parquet.a), 3).c_str(),
                parquet.rssA / 1024.0);
    std::printf("| pandas.read_csv (the same table as CSV) | %s | %.0f |\n", show(spread(parquet.b), 3).c_str(), parquet.rssB / 1024.0);
    return 0;
}
