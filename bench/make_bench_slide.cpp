// make_bench_slide: writes the large pyramidal JPEG TIFF the tile benchmark
// walks over. Level 0 is a real H&E scan (HER2ST C3_HE.jpg, 9270 x 9936)
// mirror-tiled to the requested size, so tiles carry real tissue texture and
// real background and JPEG decode costs what it costs on a scanned slide.
// Without the source image a procedural tissue-like texture is used instead.
// An existing file of the right size is kept.
#include "core/slide/ImageDecoder.h"
#include "core/slide/PyramidTiffWriter.h"
#include "core/slide/Slide.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#ifndef HESCAPE_BENCH_DIR
#define HESCAPE_BENCH_DIR "."
#endif
#ifndef HESCAPE_BENCH_SOURCE_IMAGE
#define HESCAPE_BENCH_SOURCE_IMAGE ""
#endif

namespace {

using namespace hescape;

struct Args {
    std::string out = HESCAPE_BENCH_DIR "/bench_slide_50k.tiff";
    std::string source = HESCAPE_BENCH_SOURCE_IMAGE;
    int width = 50000;
    int height = 50000;
    int quality = 85;
    bool force = false;
    bool procedural = false;
    // Part of the source mirror-tiled: by default the tissue-rich middle of
    // C3_HE.jpg (about three quarters tissue), so that most tiles are tissue.
    int cropX = 2500, cropY = 1500, cropW = 4000, cropH = 4000;
    bool wholeSource = false;
};

void usage(std::ostream& os) {
    os << "usage: make_bench_slide [options]\n"
          "Writes a large pyramidal JPEG TIFF (BigTIFF when needed) for bench_tiles.\n\n"
          "  --out PATH        output file (default " HESCAPE_BENCH_DIR "/bench_slide_50k.tiff)\n"
          "  --width N         level-0 width in pixels (default 50000)\n"
          "  --height N        level-0 height in pixels (default 50000)\n"
          "  --source PATH     H&E image mirror-tiled into level 0\n"
          "                    (default " HESCAPE_BENCH_SOURCE_IMAGE ")\n"
          "  --crop X,Y,W,H    part of the source to tile (default 2500,1500,4000,4000:\n"
          "                    the tissue-rich middle of C3_HE.jpg); clipped to the image\n"
          "  --whole-source    tile the whole source image (mostly glass background)\n"
          "  --procedural      use a procedural tissue-like texture instead of --source\n"
          "  --quality N       JPEG quality (default 85)\n"
          "  --force           rewrite even if a file of the right size exists\n"
          "  --help            this text\n";
}

int parseInt(const char* flag, const char* text) {
    char* end = nullptr;
    const long v = std::strtol(text, &end, 10);
    if (end == text || *end != '\0' || v <= 0 || v > (1L << 30)) {
        throw std::runtime_error(std::string(flag) + ": expected a positive integer, got '" + text + "'");
    }
    return static_cast<int>(v);
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
        } else if (s == "--out") a.out = value();
        else if (s == "--width") a.width = parseInt("--width", value());
        else if (s == "--height") a.height = parseInt("--height", value());
        else if (s == "--source") a.source = value();
        else if (s == "--quality") a.quality = parseInt("--quality", value());
        else if (s == "--procedural") a.procedural = true;
        else if (s == "--whole-source") a.wholeSource = true;
        else if (s == "--crop") {
            const std::string v = value();
            if (std::sscanf(v.c_str(), "%d,%d,%d,%d", &a.cropX, &a.cropY, &a.cropW, &a.cropH) != 4 || a.cropX < 0 ||
                a.cropY < 0 || a.cropW <= 0 || a.cropH <= 0) {
                throw std::runtime_error("--crop: expected X,Y,W,H, got '" + v + "'");
            }
        }
        else if (s == "--force") a.force = true;
        else throw std::runtime_error("unknown option '" + s + "' (see --help)");
    }
    return a;
}

// Reflects i into [0, n): 0 1 .. n-1 n-1 .. 1 0 0 1 ..., so tiled copies meet without seams.
int mirror(std::int64_t i, int n) {
    const std::int64_t period = 2 * static_cast<std::int64_t>(n);
    std::int64_t m = i % period;
    return static_cast<int>(m < n ? m : period - 1 - m);
}

// Cheap integer hash -> [0, 1).
double hash01(std::uint32_t x, std::uint32_t y, std::uint32_t seed) {
    std::uint32_t h = x * 0x8da6b343u ^ y * 0xd8163841u ^ seed * 0xcb1ab31fu;
    h ^= h >> 13;
    h *= 0x5bd1e995u;
    h ^= h >> 15;
    return (h & 0xffffff) / 16777216.0;
}

// Smooth value noise at scale `cell` pixels.
double valueNoise(double x, double y, double cell, std::uint32_t seed) {
    const double fx = x / cell, fy = y / cell;
    const auto ix = static_cast<std::uint32_t>(fx), iy = static_cast<std::uint32_t>(fy);
    const double tx = fx - ix, ty = fy - iy;
    const double sx = tx * tx * (3 - 2 * tx), sy = ty * ty * (3 - 2 * ty);
    const double a = hash01(ix, iy, seed), b = hash01(ix + 1, iy, seed);
    const double c = hash01(ix, iy + 1, seed), d = hash01(ix + 1, iy + 1, seed);
    return (a + (b - a) * sx) * (1 - sy) + (c + (d - c) * sx) * sy;
}

// Pink stroma, purple nuclei, white gaps: enough structure at several scales
// that JPEG cannot compress it to nothing.
void proceduralRow(int y, int width, std::vector<std::uint8_t>& row) {
    for (int x = 0; x < width; ++x) {
        const double tissue = valueNoise(x, y, 2048, 1);
        const double fibre = valueNoise(x, y, 24, 2) * 0.6 + valueNoise(x, y, 6, 3) * 0.4;
        const double nucleus = valueNoise(x, y, 9, 4);
        double r = 235, g = 160, b = 200;  // eosin
        r -= 40 * fibre;
        g -= 60 * fibre;
        b -= 20 * fibre;
        if (nucleus > 0.78) {  // haematoxylin
            r = 90 + 40 * hash01(static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y), 5);
            g = 50;
            b = 140;
        }
        if (tissue < 0.35) r = g = b = 242 + 8 * hash01(static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y), 6);
        std::uint8_t* p = row.data() + static_cast<std::size_t>(x) * 4;
        p[0] = static_cast<std::uint8_t>(std::clamp(r, 0.0, 255.0));
        p[1] = static_cast<std::uint8_t>(std::clamp(g, 0.0, 255.0));
        p[2] = static_cast<std::uint8_t>(std::clamp(b, 0.0, 255.0));
        p[3] = 255;
    }
}

std::string description(const Args& a) {
    std::string what = "procedural";
    if (!a.procedural) {
        what = "mirror-tiled " + std::filesystem::path(a.source).filename().string();
        if (!a.wholeSource) {
            what += " crop " + std::to_string(a.cropX) + "," + std::to_string(a.cropY) + "," + std::to_string(a.cropW) +
                    "," + std::to_string(a.cropH);
        }
    }
    return "HEScape bench slide " + std::to_string(a.width) + "x" + std::to_string(a.height) + " (" + what + ")";
}

bool existingMatches(const Args& a) {
    if (!std::filesystem::exists(a.out)) return false;
    try {
        const auto slide = openSlide(a.out);
        const auto desc = slide->properties().find("tiff.ImageDescription");
        const bool sameContent = desc != slide->properties().end() && desc->second == description(a);
        if (slide->width() == a.width && slide->height() == a.height && slide->levelCount() > 1 && sameContent) return true;
        std::cout << a.out << ": exists but is " << slide->width() << " x " << slide->height()
                  << (sameContent ? "" : " with other content") << ", rewriting\n";
    } catch (const std::exception& e) {
        std::cout << a.out << ": exists but does not open (" << e.what() << "), rewriting\n";
    }
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        Args a = parseArgs(argc, argv);
        if (!a.procedural && (a.source.empty() || !std::filesystem::exists(a.source))) {
            std::cout << "source image '" << a.source << "' not found; using the procedural texture\n";
            a.procedural = true;
        }
        if (!a.force && existingMatches(a)) {
            std::cout << a.out << ": already " << a.width << " x " << a.height << ", kept\n";
            return 0;
        }
        if (const auto dir = std::filesystem::path(a.out).parent_path(); !dir.empty()) {
            std::filesystem::create_directories(dir);
        }
        const auto t0 = std::chrono::steady_clock::now();

        // The source region in memory (4000 x 4000 RGBA is 64 MB; all of C3 is ~370 MB).
        int srcW = 0, srcH = 0;
        std::vector<std::uint8_t> src;
        if (!a.procedural) {
            const ImageInfo info = probeImage(a.source);
            int x0 = 0, y0 = 0;
            srcW = info.width;
            srcH = info.height;
            if (!a.wholeSource) {
                x0 = std::min(a.cropX, info.width - 1);
                y0 = std::min(a.cropY, info.height - 1);
                srcW = std::min(a.cropW, info.width - x0);
                srcH = std::min(a.cropH, info.height - y0);
            }
            src.resize(static_cast<std::size_t>(srcW) * srcH * 4);
            decodeImage(a.source, [&](int y, const std::uint8_t* rgba) {
                if (y < y0 || y >= y0 + srcH) return;
                std::memcpy(src.data() + static_cast<std::size_t>(y - y0) * srcW * 4, rgba + static_cast<std::size_t>(x0) * 4,
                            static_cast<std::size_t>(srcW) * 4);
            });
            std::cout << "source " << a.source << " (" << info.width << " x " << info.height << "), region " << x0 << ","
                      << y0 << " " << srcW << " x " << srcH << " mirror-tiled\n";
        }

        PyramidTiffOptions opts;
        opts.jpegQuality = a.quality;
        opts.mpp = MicronsPerPixel{0.5, 0.5};
        opts.description = description(a);
        PyramidTiffWriter writer(a.out, a.width, a.height, opts);

        std::vector<int> colMap;
        if (!a.procedural) {
            colMap.resize(static_cast<std::size_t>(a.width));
            for (int x = 0; x < a.width; ++x) colMap[static_cast<std::size_t>(x)] = mirror(x, srcW);
        }
        std::vector<std::uint8_t> row(static_cast<std::size_t>(a.width) * 4);
        for (int y = 0; y < a.height; ++y) {
            if (a.procedural) {
                proceduralRow(y, a.width, row);
            } else {
                const std::uint8_t* s = src.data() + static_cast<std::size_t>(mirror(y, srcH)) * srcW * 4;
                std::uint8_t* d = row.data();
                for (int x = 0; x < a.width; ++x) {
                    std::memcpy(d + static_cast<std::size_t>(x) * 4, s + static_cast<std::size_t>(colMap[static_cast<std::size_t>(x)]) * 4, 4);
                }
            }
            writer.appendRow(row.data());
            if ((y + 1) % 4096 == 0) {
                std::cout << "  level 0: " << (y + 1) << " / " << a.height << " rows\n" << std::flush;
            }
        }
        src.clear();
        src.shrink_to_fit();
        writer.finish();
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::cout << a.out << ": " << a.width << " x " << a.height << ", " << writer.levelCount() << " levels, "
                  << std::filesystem::file_size(a.out) / (1024 * 1024) << " MiB, written in " << std::lround(secs)
                  << " s\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "make_bench_slide: " << e.what() << "\n";
        return 1;
    }
}
