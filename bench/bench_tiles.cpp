// bench_tiles: random viewport walks over a large pyramidal slide, read
// through Slide + SlideTileCache, side by side with openslide-python reading
// exactly the same regions in the same order (bench/openslide_reference.py).
//
// The walk is deterministic (seeded) and written to a file; both readers start
// cold (fresh slide handle, empty caches) with the file already in the OS page
// cache, so neither pays for the disk and both pay for every JPEG decode.
#include "core/slide/Slide.h"
#include "core/slide/SlideTileCache.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <memory>
#include <numbers>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#ifndef HESCAPE_BENCH_DIR
#define HESCAPE_BENCH_DIR "."
#endif
#ifndef HESCAPE_BENCH_SOURCE_DIR
#define HESCAPE_BENCH_SOURCE_DIR "bench"
#endif

namespace {

using namespace hescape;
using Clock = std::chrono::steady_clock;

struct Args {
    std::string slide = HESCAPE_BENCH_DIR "/bench_slide_50k.tiff";
    std::string walkOut = HESCAPE_BENCH_DIR "/bench_walk.txt";
    std::string python = "/usr/bin/python3";
    std::string reference = HESCAPE_BENCH_SOURCE_DIR "/openslide_reference.py";
    // The file openslide-python reads: the slide itself, or a twin of the same
    // pixels in a format it opens (an OME-TIFF's generic-TIFF twin).
    std::string referenceSlide;
    int steps = 1000;
    unsigned seed = 1;
    int viewW = 1920;
    int viewH = 1080;
    int threads = 0;
    std::size_t budgetMiB = 256;
    int prefetch = 1;
    double maxLog2Zoom = 6.0;
    bool runPool = true;
    bool runPython = true;
    bool runSingle = true;
    bool runGetOnly = true;
    bool warmPageCache = true;
};

void usage(std::ostream& os) {
    os << "usage: bench_tiles [options]\n"
          "Random viewport walk over a pyramidal slide: tiles/s and per-tile latency\n"
          "through Slide + SlideTileCache, next to openslide-python reading the same\n"
          "regions (one process, sequential read_region calls).\n\n"
          "  --slide PATH        slide to walk (default " HESCAPE_BENCH_DIR "/bench_slide_50k.tiff;\n"
          "                      make it with make_bench_slide)\n"
          "  --steps N           viewport steps in the walk (default 1000)\n"
          "  --seed N            walk seed (default 1)\n"
          "  --viewport WxH      viewport in screen pixels (default 1920x1080)\n"
          "  --max-zoom-out L    most zoomed-out view is 2^L level-0 px per screen px (default 6)\n"
          "  --threads N         SlideTileCache worker threads, 0 = one per hardware thread (default 0)\n"
          "  --budget-mib N      SlideTileCache byte budget (default 256)\n"
          "  --prefetch N        rings of tiles around the viewport requested ahead (default 1)\n"
          "  --walk-out PATH     where the walk's tile list goes (default " HESCAPE_BENCH_DIR "/bench_walk.txt)\n"
          "  --python PATH       interpreter for the reference (default /usr/bin/python3)\n"
          "  --reference PATH    openslide_reference.py (default " HESCAPE_BENCH_SOURCE_DIR "/openslide_reference.py)\n"
          "  --reference-slide PATH  what openslide-python reads (default: the slide); the same levels and pixels\n"
          "                      in a format OpenSlide opens, for slides it cannot (OME-TIFF)\n"
          "  --runs LIST         comma-separated runs, in this order (default pool,single,get,python):\n"
          "                        pool    SlideTileCache with --threads workers, request() + get()\n"
          "                        single  the same with 1 worker\n"
          "                        get     get() only: no request(), no prefetch, misses decoded\n"
          "                                on the calling thread\n"
          "                        python  openslide-python reference\n"
          "  --no-python         shorthand for leaving python out of --runs\n"
          "  --no-warm           do not pre-read the slide file into the OS page cache\n"
          "  --help              this text\n";
}

long parseLong(const std::string& flag, const char* text, long lo, long hi) {
    char* end = nullptr;
    const long v = std::strtol(text, &end, 10);
    if (end == text || *end != '\0' || v < lo || v > hi) {
        throw std::runtime_error(flag + ": expected an integer in " + std::to_string(lo) + ".." + std::to_string(hi) +
                                 ", got '" + text + "'");
    }
    return v;
}

Args parseArgs(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string s = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) throw std::runtime_error(s + " needs a value");
            return argv[++i];
        };
        if (s == "--help" || s == "-h") {
            usage(std::cout);
            std::exit(0);
        } else if (s == "--slide") a.slide = value();
        else if (s == "--steps") a.steps = static_cast<int>(parseLong(s, value(), 1, 10000000));
        else if (s == "--seed") a.seed = static_cast<unsigned>(parseLong(s, value(), 0, 0x7fffffff));
        else if (s == "--viewport") {
            const std::string v = value();
            const auto x = v.find('x');
            if (x == std::string::npos) throw std::runtime_error("--viewport: expected WxH, got '" + v + "'");
            a.viewW = static_cast<int>(parseLong(s, v.substr(0, x).c_str(), 16, 16384));
            a.viewH = static_cast<int>(parseLong(s, v.substr(x + 1).c_str(), 16, 16384));
        } else if (s == "--max-zoom-out") a.maxLog2Zoom = static_cast<double>(parseLong(s, value(), 0, 12));
        else if (s == "--threads") a.threads = static_cast<int>(parseLong(s, value(), 0, 256));
        else if (s == "--budget-mib") a.budgetMiB = static_cast<std::size_t>(parseLong(s, value(), 1, 1 << 20));
        else if (s == "--prefetch") a.prefetch = static_cast<int>(parseLong(s, value(), 0, 16));
        else if (s == "--walk-out") a.walkOut = value();
        else if (s == "--python") a.python = value();
        else if (s == "--reference") a.reference = value();
        else if (s == "--reference-slide") a.referenceSlide = value();
        else if (s == "--no-python") a.runPython = false;
        else if (s == "--runs") {
            const std::string v = std::string(",") + value() + ",";
            a.runPool = v.find(",pool,") != std::string::npos;
            a.runSingle = v.find(",single,") != std::string::npos;
            a.runGetOnly = v.find(",get,") != std::string::npos;
            a.runPython = v.find(",python,") != std::string::npos;
            std::size_t n = 0;
            for (char c : v) n += c == ',';
            if (n - 1 != static_cast<std::size_t>(a.runPool + a.runSingle + a.runGetOnly + a.runPython) || n < 2) {
                throw std::runtime_error("--runs: expected a comma-separated list of pool, single, get, python; got '" +
                                         v.substr(1, v.size() - 2) + "'");
            }
        }
        else if (s == "--no-warm") a.warmPageCache = false;
        else throw std::runtime_error("unknown option '" + s + "' (see --help)");
    }
    return a;
}

// ---- the walk -----------------------------------------------------------------

struct WalkTile {
    TileKey key;
    std::int64_t x0 = 0, y0 = 0;  // level-0 top-left, as SlideTileCache reads it
    int w = 0, h = 0;             // level pixels
};

struct WalkStep {
    std::vector<WalkTile> visible;  // in the order a view asks for them: nearest the centre first
    std::vector<TileKey> prefetch;  // the ring around them
};

constexpr int kTileSize = 256;  // SlideTileCache's default

int tileCount(std::int64_t levelSize) { return static_cast<int>((levelSize + kTileSize - 1) / kTileSize); }

// Same arithmetic as SlideTileCache::decode, so both readers ask OpenSlide for identical regions.
WalkTile tileRegion(const Slide& slide, TileKey key) {
    const SlideLevel& lv = slide.level(key.level);
    const std::int64_t lx = static_cast<std::int64_t>(key.col) * kTileSize;
    const std::int64_t ly = static_cast<std::int64_t>(key.row) * kTileSize;
    WalkTile t;
    t.key = key;
    t.w = static_cast<int>(std::min<std::int64_t>(kTileSize, lv.width - lx));
    t.h = static_cast<int>(std::min<std::int64_t>(kTileSize, lv.height - ly));
    t.x0 = static_cast<std::int64_t>(std::llround(static_cast<double>(lx) * lv.downsample));
    t.y0 = static_cast<std::int64_t>(std::llround(static_cast<double>(ly) * lv.downsample));
    return t;
}

// A user browsing: mostly panning in a slowly turning direction (a sixth of
// the viewport per step), now and then zooming in or out by half a power of
// two, and occasionally jumping somewhere else at a random zoom.
std::vector<WalkStep> makeWalk(const Slide& slide, const Args& a) {
    std::mt19937_64 rng(a.seed);
    std::uniform_real_distribution<double> uni(0.0, 1.0);
    const double W = static_cast<double>(slide.width()), H = static_cast<double>(slide.height());
    double cx = W / 2, cy = H / 2, log2ds = 1.0;
    double angle = uni(rng) * 2 * std::numbers::pi;

    std::vector<WalkStep> walk;
    walk.reserve(static_cast<std::size_t>(a.steps));
    for (int s = 0; s < a.steps; ++s) {
        if (s > 0) {
            const double r = uni(rng);
            if (r < 0.04) {  // jump
                cx = uni(rng) * W;
                cy = uni(rng) * H;
                log2ds = uni(rng) * a.maxLog2Zoom;
                angle = uni(rng) * 2 * std::numbers::pi;
            } else if (r < 0.16) {  // zoom about the centre
                log2ds = std::clamp(log2ds + (uni(rng) < 0.5 ? -0.5 : 0.5), 0.0, a.maxLog2Zoom);
            } else {  // pan
                if (uni(rng) < 0.2) angle += (uni(rng) - 0.5) * std::numbers::pi;
                const double ds = std::exp2(log2ds);
                cx += std::cos(angle) * a.viewW / 6.0 * ds;
                cy += std::sin(angle) * a.viewH / 6.0 * ds;
                // Bounce off the slide's edges.
                if (cx < 0 || cx > W) angle = std::numbers::pi - angle;
                if (cy < 0 || cy > H) angle = -angle;
                cx = std::clamp(cx, 0.0, W);
                cy = std::clamp(cy, 0.0, H);
            }
        }
        const double ds = std::exp2(log2ds);
        const int level = slide.bestLevelForDownsample(ds);
        const SlideLevel& lv = slide.level(level);
        const double scale = ds / lv.downsample;  // level px per screen px
        const double lx0 = (cx - a.viewW * ds / 2) / lv.downsample, lx1 = lx0 + a.viewW * scale;
        const double ly0 = (cy - a.viewH * ds / 2) / lv.downsample, ly1 = ly0 + a.viewH * scale;
        const int cols = tileCount(lv.width), rows = tileCount(lv.height);
        const int c0 = std::max(0, static_cast<int>(std::floor(lx0 / kTileSize)));
        const int c1 = std::min(cols - 1, static_cast<int>(std::ceil(lx1 / kTileSize)) - 1);
        const int r0 = std::max(0, static_cast<int>(std::floor(ly0 / kTileSize)));
        const int r1 = std::min(rows - 1, static_cast<int>(std::ceil(ly1 / kTileSize)) - 1);

        WalkStep step;
        const double ccol = (lx0 + lx1) / 2 / kTileSize - 0.5, crow = (ly0 + ly1) / 2 / kTileSize - 0.5;
        for (int r = r0; r <= r1; ++r) {
            for (int c = c0; c <= c1; ++c) step.visible.push_back(tileRegion(slide, TileKey{level, c, r}));
        }
        std::stable_sort(step.visible.begin(), step.visible.end(), [&](const WalkTile& p, const WalkTile& q) {
            const double dp = std::hypot(p.key.col - ccol, p.key.row - crow);
            const double dq = std::hypot(q.key.col - ccol, q.key.row - crow);
            return dp < dq;
        });
        for (int ring = 1; ring <= a.prefetch; ++ring) {
            for (int r = r0 - ring; r <= r1 + ring; ++r) {
                for (int c = c0 - ring; c <= c1 + ring; ++c) {
                    const bool onRing = r == r0 - ring || r == r1 + ring || c == c0 - ring || c == c1 + ring;
                    if (onRing && r >= 0 && c >= 0 && r < rows && c < cols) step.prefetch.push_back(TileKey{level, c, r});
                }
            }
        }
        walk.push_back(std::move(step));
    }
    return walk;
}

void writeWalk(const std::vector<WalkStep>& walk, const Args& a) {
    std::ofstream out(a.walkOut);
    if (!out) throw std::runtime_error(a.walkOut + ": cannot write the walk");
    out << "# hescape bench_tiles walk: seed " << a.seed << ", " << walk.size() << " steps, viewport " << a.viewW << "x"
        << a.viewH << "\n# slide " << a.slide << "\n# step level col row x0 y0 w h   (x0, y0 in level-0 px; w, h in level px)\n";
    for (std::size_t s = 0; s < walk.size(); ++s) {
        for (const auto& t : walk[s].visible) {
            out << s << ' ' << t.key.level << ' ' << t.key.col << ' ' << t.key.row << ' ' << t.x0 << ' ' << t.y0 << ' '
                << t.w << ' ' << t.h << '\n';
        }
    }
    if (!out) throw std::runtime_error(a.walkOut + ": writing the walk failed");
}

// ---- statistics ---------------------------------------------------------------

struct Result {
    std::string name;
    std::size_t tiles = 0;
    double wallS = 0;
    double tilesPerS = 0;
    double p50 = 0, p95 = 0, p99 = 0, mean = 0;  // per tile, ms
    double stepP50 = 0, stepP95 = 0;              // whole viewport, ms
    std::optional<std::uint64_t> slideReads;
    std::optional<SlideTileCacheStats> cacheStats;
    double cpuS = 0;    // CPU time the reader itself used (this process or the Python child)
    double otherS = 0;  // CPU time everything else on the machine used meanwhile
};

// Machine-wide busy CPU time (/proc/stat) against our own (getrusage), so a
// run that shared the machine with other work says so.
class CpuMeter {
public:
    CpuMeter() : machine0_(machineBusyS()), self0_(selfS()) {}
    void finish(Result& r) const {
        r.cpuS = selfS() - self0_;
        r.otherS = std::max(0.0, machineBusyS() - machine0_ - r.cpuS);
    }

private:
    static double machineBusyS() {
        std::ifstream in("/proc/stat");
        std::string cpu;
        std::uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
        if (!(in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal)) return 0;
        return static_cast<double>(user + nice + system + irq + softirq) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    }
    static double selfS() {
        double total = 0;
        for (int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
            rusage ru{};
            ::getrusage(who, &ru);
            total += static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                     static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
        }
        return total;
    }
    double machine0_;
    double self0_;
};

// Nearest-rank percentile (the Python side uses the same definition).
double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
    return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

Result summarise(std::string name, const std::vector<double>& tileMs, const std::vector<double>& stepMs, double wallS) {
    Result r;
    r.name = std::move(name);
    r.tiles = tileMs.size();
    r.wallS = wallS;
    r.tilesPerS = wallS > 0 ? static_cast<double>(r.tiles) / wallS : 0;
    r.p50 = percentile(tileMs, 50);
    r.p95 = percentile(tileMs, 95);
    r.p99 = percentile(tileMs, 99);
    double sum = 0;
    for (double x : tileMs) sum += x;
    r.mean = tileMs.empty() ? 0 : sum / static_cast<double>(tileMs.size());
    r.stepP50 = percentile(stepMs, 50);
    r.stepP95 = percentile(stepMs, 95);
    return r;
}

// ---- the HEScape run ----------------------------------------------------------

// With `useRequest` false the view never calls request(): no prefetch, no
// workers involved, every miss is decoded by get() on this thread. That
// isolates what the cache alone buys from what the worker pool adds.
Result runHescape(const Args& a, const std::vector<WalkStep>& walk, int threads, bool useRequest, const std::string& name) {
    // A fresh slide handle (cold OpenSlide cache) and a fresh tile cache.
    std::shared_ptr<const Slide> slide = openSlide(a.slide);
    SlideTileCache::Options opts;
    opts.budgetBytes = a.budgetMiB << 20;
    opts.threads = threads;
    opts.tileSize = kTileSize;
    auto cache = std::make_unique<SlideTileCache>(slide, opts);

    std::vector<double> tileMs, stepMs;
    std::vector<TileKey> wanted;
    std::uint64_t checksum = 0;
    const CpuMeter meter;
    const auto start = Clock::now();
    for (const auto& step : walk) {
        const auto t0 = Clock::now();
        wanted.clear();
        for (const auto& t : step.visible) wanted.push_back(t.key);
        wanted.insert(wanted.end(), step.prefetch.begin(), step.prefetch.end());
        if (useRequest) cache->request(wanted);
        double last = 0;
        for (const auto& t : step.visible) {
            const auto img = cache->get(t.key);
            const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
            tileMs.push_back(ms);
            last = ms;
            checksum += img->pixels[img->pixels.size() / 2];
        }
        stepMs.push_back(last);
    }
    const double wall = std::chrono::duration<double>(Clock::now() - start).count();
    Result r = summarise(name, tileMs, stepMs, wall);
    r.cacheStats = cache->stats();
    r.slideReads = r.cacheStats->decoded;
    cache.reset();  // joins the workers before the next run starts
    meter.finish(r);
    if (checksum == 0) std::cerr << "(all sampled pixels were zero)\n";
    return r;
}

// ---- the openslide-python run -------------------------------------------------

std::string shellQuote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

double jsonNumber(const std::string& json, const std::string& key) {
    const auto pos = json.find("\"" + key + "\":");
    if (pos == std::string::npos) throw std::runtime_error("openslide reference: no '" + key + "' in its report");
    return std::strtod(json.c_str() + pos + key.size() + 3, nullptr);
}

std::string jsonString(const std::string& json, const std::string& key) {
    const auto pos = json.find("\"" + key + "\": \"");
    if (pos == std::string::npos) return "?";
    const auto begin = pos + key.size() + 5;
    return json.substr(begin, json.find('"', begin) - begin);
}

Result runPython(const Args& a, std::string& versions) {
    const std::string cmd = shellQuote(a.python) + " " + shellQuote(a.reference) + " " +
                            shellQuote(a.referenceSlide.empty() ? a.slide : a.referenceSlide) + " " +
                            shellQuote(a.walkOut);
    const CpuMeter meter;
    FILE* pipe = ::popen(cmd.c_str(), "r");
    if (!pipe) throw std::runtime_error("cannot start: " + cmd);
    std::string output;
    std::array<char, 4096> buf{};
    while (std::fgets(buf.data(), static_cast<int>(buf.size()), pipe)) output += buf.data();
    const int status = ::pclose(pipe);
    if (status != 0) throw std::runtime_error("openslide reference failed (" + cmd + "):\n" + output);
    const auto brace = output.rfind("\n{");
    const std::string json = output.substr(brace == std::string::npos ? 0 : brace + 1);
    Result r;
    r.name = "openslide-python";
    r.tiles = static_cast<std::size_t>(jsonNumber(json, "tiles"));
    r.wallS = jsonNumber(json, "wall_s");
    r.tilesPerS = jsonNumber(json, "tiles_per_s");
    r.p50 = jsonNumber(json, "p50_ms");
    r.p95 = jsonNumber(json, "p95_ms");
    r.p99 = jsonNumber(json, "p99_ms");
    r.mean = jsonNumber(json, "mean_ms");
    r.stepP50 = jsonNumber(json, "step_p50_ms");
    r.stepP95 = jsonNumber(json, "step_p95_ms");
    r.slideReads = static_cast<std::uint64_t>(jsonNumber(json, "read_region_calls"));
    meter.finish(r);
    versions = "openslide-python " + jsonString(json, "openslide_python") + ", OpenSlide " +
               jsonString(json, "openslide_library") + ", Python " + jsonString(json, "python");
    return r;
}

// ---- output -------------------------------------------------------------------

std::string fmt(double v, int decimals) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(decimals) << v;
    return s.str();
}

void printTable(const std::vector<Result>& results, const Result* python) {
    std::vector<std::string> header{"metric"};
    for (const auto& r : results) header.push_back(r.name);
    if (python) {
        for (const auto& r : results) {
            if (&r != python) header.push_back(r.name + " / python");
        }
    }
    struct Row {
        std::string label;
        std::function<double(const Result&)> get;
        int decimals;
        bool higherIsBetter;
    };
    const std::vector<Row> rows{
        {"tiles/s", [](const Result& r) { return r.tilesPerS; }, 0, true},
        {"p50 tile latency (ms)", [](const Result& r) { return r.p50; }, 2, false},
        {"p95 tile latency (ms)", [](const Result& r) { return r.p95; }, 2, false},
        {"p99 tile latency (ms)", [](const Result& r) { return r.p99; }, 2, false},
        {"mean tile latency (ms)", [](const Result& r) { return r.mean; }, 2, false},
        {"p50 whole viewport (ms)", [](const Result& r) { return r.stepP50; }, 1, false},
        {"p95 whole viewport (ms)", [](const Result& r) { return r.stepP95; }, 1, false},
        {"total tiles", [](const Result& r) { return static_cast<double>(r.tiles); }, 0, true},
        {"slide reads", [](const Result& r) { return r.slideReads ? static_cast<double>(*r.slideReads) : NAN; }, 0, false},
        {"wall (s)", [](const Result& r) { return r.wallS; }, 2, false},
        {"CPU used (s)", [](const Result& r) { return r.cpuS; }, 1, false},
        {"other load (CPU s)", [](const Result& r) { return r.otherS; }, 1, false},
    };
    std::vector<std::vector<std::string>> cells{header};
    for (const auto& row : rows) {
        std::vector<std::string> line{row.label};
        for (const auto& r : results) line.push_back(fmt(row.get(r), row.decimals));
        if (python) {
            for (const auto& r : results) {
                if (&r == python) continue;
                const double ours = row.get(r), theirs = row.get(*python);
                if (row.label == "other load (CPU s)") line.push_back("");
                else if (row.label == "total tiles" || row.label == "slide reads") line.push_back(fmt(ours / theirs, 2));
                else if (row.higherIsBetter) line.push_back(fmt(ours / theirs, 2) + "x");
                else line.push_back(theirs > 0 ? fmt(ours / theirs, 2) : "-");
            }
        }
        cells.push_back(line);
    }
    std::vector<std::size_t> width(header.size(), 0);
    for (const auto& line : cells) {
        for (std::size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], line[i].size());
    }
    for (std::size_t l = 0; l < cells.size(); ++l) {
        std::cout << "|";
        for (std::size_t i = 0; i < cells[l].size(); ++i) {
            std::cout << ' ' << (i == 0 ? std::left : std::right) << std::setw(static_cast<int>(width[i])) << cells[l][i]
                      << " |";
        }
        std::cout << "\n";
        if (l == 0) {
            std::cout << "|";
            for (std::size_t i = 0; i < width.size(); ++i) {
                std::cout << (i == 0 ? ":" : "-") << std::string(width[i], '-') << (i == 0 ? "-" : ":") << "|";
            }
            std::cout << "\n";
        }
    }
    std::cout << std::left;
}

void warmPageCache(const std::string& path) {
    const auto t0 = Clock::now();
    std::ifstream in(path, std::ios::binary);
    std::vector<char> buf(std::size_t{4} << 20);
    std::size_t total = 0;
    while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
        total += static_cast<std::size_t>(in.gcount());
    }
    std::cout << "page cache: read " << total / (1024 * 1024) << " MiB of the slide in "
              << fmt(std::chrono::duration<double>(Clock::now() - t0).count(), 1) << " s\n";
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const Args a = parseArgs(argc, argv);
        if (!std::filesystem::exists(a.slide)) {
            std::cerr << "bench_tiles: " << a.slide << " does not exist; run make_bench_slide first\n";
            return 1;
        }
        const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
        const int threads = a.threads > 0 ? a.threads : static_cast<int>(hw);

        std::vector<WalkStep> walk;
        {
            const auto slide = openSlide(a.slide);
            std::cout << "slide: " << a.slide << " (" << slide->format() << ", " << slide->width() << " x "
                      << slide->height() << ", " << slide->levelCount() << " levels, "
                      << std::filesystem::file_size(a.slide) / (1024 * 1024) << " MiB)\n";
            walk = makeWalk(*slide, a);
        }
        writeWalk(walk, a);
        std::size_t visible = 0, prefetch = 0;
        std::vector<int> perLevel;
        for (const auto& s : walk) {
            visible += s.visible.size();
            prefetch += s.prefetch.size();
            for (const auto& t : s.visible) {
                if (static_cast<std::size_t>(t.key.level) >= perLevel.size()) perLevel.resize(static_cast<std::size_t>(t.key.level) + 1);
                ++perLevel[static_cast<std::size_t>(t.key.level)];
            }
        }
        std::cout << "walk: seed " << a.seed << ", " << walk.size() << " steps, viewport " << a.viewW << "x" << a.viewH
                  << ", " << visible << " visible tiles (" << fmt(static_cast<double>(visible) / walk.size(), 1)
                  << " per step), prefetch ring " << a.prefetch << " (" << prefetch << " keys); written to " << a.walkOut
                  << "\nvisible tiles per level:";
        for (std::size_t l = 0; l < perLevel.size(); ++l) std::cout << " L" << l << "=" << perLevel[l];
        std::cout << "\nhardware threads: " << hw << "; SlideTileCache budget " << a.budgetMiB << " MiB, tile "
                  << kTileSize << " px\n";
        if (a.warmPageCache) warmPageCache(a.slide);

        std::vector<Result> results;
        if (a.runPool) {
            std::cout << "running HEScape SlideTileCache, " << threads << " thread(s)...\n" << std::flush;
            results.push_back(runHescape(a, walk, threads, true, "HEScape (" + std::to_string(threads) + " thr)"));
        }
        if (a.runSingle && (threads != 1 || !a.runPool)) {
            std::cout << "running HEScape SlideTileCache, 1 thread...\n" << std::flush;
            results.push_back(runHescape(a, walk, 1, true, "HEScape (1 thr)"));
        }
        if (a.runGetOnly) {
            std::cout << "running HEScape SlideTileCache, get() only (no request, no prefetch)...\n" << std::flush;
            results.push_back(runHescape(a, walk, 1, false, "HEScape (get only)"));
        }
        std::string versions;
        if (a.runPython) {
            std::cout << "running openslide-python reference (" << a.python << " " << a.reference << ")...\n"
                      << std::flush;
            results.push_back(runPython(a, versions));
        }

        std::cout << "\n";
        for (const auto& r : results) {
            if (!r.cacheStats) continue;
            const auto& s = *r.cacheStats;
            std::cout << r.name << " cache: hits " << s.hits << ", misses " << s.misses << ", decoded " << s.decoded
                      << ", dropped " << s.dropped << ", failed " << s.failed << ", held " << s.tiles << " tiles / "
                      << s.bytes / (1024 * 1024) << " MiB\n";
        }
        if (!versions.empty()) std::cout << "reference: " << versions << " (its own 32 MiB OpenSlide tile cache)\n";
        std::cout << "\n";
        printTable(results, a.runPython && results.size() > 1 ? &results.back() : nullptr);

        std::cout << "\n";
        for (const auto& r : results) {
            if (r.otherS > 0.1 * r.wallS) {
                std::cout << "WARNING: other processes used " << fmt(r.otherS, 1) << " CPU s during the "
                          << fmt(r.wallS, 1) << " s of '" << r.name
                          << "'; its numbers are disturbed; rerun on a quiet machine.\n";
            }
        }
        if (a.runPython && results.size() > 1) {
            const Result& ours = results.front();
            const Result& py = results.back();
            const double ratio = ours.tilesPerS / py.tilesPerS;
            std::cout << "goal: throughput >= 1.5x openslide-python: " << fmt(ratio, 2) << "x "
                      << (ratio >= 1.5 ? "MET" : "NOT MET") << "; p95 < 50 ms: " << fmt(ours.p95, 2) << " ms "
                      << (ours.p95 < 50 ? "MET" : "NOT MET") << "\n";
        }
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "bench_tiles: " << e.what() << "\n";
        return 1;
    }
}
