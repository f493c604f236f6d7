// Converts any JPEG/PNG/TIFF (also ones too large for ordinary decoders) into
// a tiled JPEG pyramidal TIFF, with optional crop and microns per pixel; shows
// a progress bar on a terminal.
#include "app/cli/ConvertCommand.h"

#include "app/cli/TerminalProgress.h"
#include "core/slide/PyramidTiffConverter.h"

#include <charconv>
#include <iostream>
#include <sstream>

namespace hescape::cli {

namespace {

constexpr const char* kUsage =
    "usage: hescape convert IMAGE OUTPUT.tiff [--crop X,Y,W,H] [--mpp MICRONS] [--quality 1-100] [--tile N] [--level-step 2|4]\n\n"
    "Writes IMAGE (JPEG, PNG or TIFF, any size, or an OME-TIFF: RGB as it is, fluorescence as its\n"
    "channels are composited by default) as a tiled, JPEG-compressed pyramidal TIFF\n"
    "that OpenSlide and HEScape Studio open. Lower levels are marked reduced-resolution.\n"
    "  --crop X,Y,W,H   keep only this rectangle (source pixels)\n"
    "  --mpp MICRONS    record this many microns per pixel in the resolution tags\n"
    "  --quality Q      JPEG quality of the tiles (default 85)\n"
    "  --tile N         tile size in pixels, a multiple of 16 up to 4096 (default 256)\n"
    "  --level-step S   each level S times smaller than the one above: 2 (default) or 4\n";

template <typename T>
bool parseNumber(const std::string& text, T& out) {
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc() && ptr == end;
}

}  // namespace

int runConvert(const std::vector<std::string>& args) {
    std::vector<std::string> positional;
    PyramidConversion conv;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](const char* name) -> std::string {
            if (i + 1 >= args.size()) throw std::invalid_argument(std::string(name) + " needs a value");
            return args[++i];
        };
        try {
            if (a == "-h" || a == "--help") {
                std::cout << kUsage;
                return 0;
            } else if (a == "--crop") {
                std::string v = value("--crop");
                std::istringstream parts(v);
                std::string p;
                std::vector<int> n;
                while (std::getline(parts, p, ',')) {
                    int x = 0;
                    if (!parseNumber(p, x)) throw std::invalid_argument("--crop expects X,Y,W,H integers, got '" + v + "'");
                    n.push_back(x);
                }
                if (n.size() != 4 || n[2] <= 0 || n[3] <= 0) {
                    throw std::invalid_argument("--crop expects X,Y,W,H with positive W and H, got '" + v + "'");
                }
                conv.crop = PixelRect{n[0], n[1], n[2], n[3]};
            } else if (a == "--mpp") {
                double m = 0;
                const std::string v = value("--mpp");
                if (!parseNumber(v, m) || !(m > 0)) throw std::invalid_argument("--mpp expects a positive number, got '" + v + "'");
                conv.tiff.mpp = MicronsPerPixel{m, m};
            } else if (a == "--quality") {
                const std::string v = value("--quality");
                if (!parseNumber(v, conv.tiff.jpegQuality) || conv.tiff.jpegQuality < 1 || conv.tiff.jpegQuality > 100) {
                    throw std::invalid_argument("--quality expects an integer from 1 to 100, got '" + v + "'");
                }
            } else if (a == "--tile") {
                const std::string v = value("--tile");
                if (!parseNumber(v, conv.tiff.tileSize) || conv.tiff.tileSize < 16 || conv.tiff.tileSize > 4096 || conv.tiff.tileSize % 16 != 0) {
                    throw std::invalid_argument("--tile expects a multiple of 16 from 16 to 4096, got '" + v + "'");
                }
            } else if (a == "--level-step") {
                const std::string v = value("--level-step");
                if (!parseNumber(v, conv.tiff.levelStep) || (conv.tiff.levelStep != 2 && conv.tiff.levelStep != 4)) {
                    throw std::invalid_argument("--level-step expects 2 or 4, got '" + v + "'");
                }
            } else if (!a.empty() && a[0] == '-') {
                throw std::invalid_argument("unknown option '" + a + "'");
            } else {
                positional.push_back(a);
            }
        } catch (const std::invalid_argument& e) {
            std::cerr << "hescape convert: " << e.what() << "\n";
            return 2;
        }
    }
    if (positional.size() != 2) {
        std::cerr << kUsage;
        return 2;
    }
    conv.tiff.description = "HEScape Studio pyramid of " + positional[0];
    try {
        TerminalProgress bar("converting");
        const PixelRect r = convertToPyramidTiff(positional[0], positional[1], conv, bar.progress());
        bar.done();
        std::cout << positional[1] << ": " << r.width << " x " << r.height << " px written (crop origin " << r.x << ","
                  << r.y << ")\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "\nhescape convert: error: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace hescape::cli
