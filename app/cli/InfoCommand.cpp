// Prints format, levels, dimensions, microns per pixel, associated images
// and every property of a slide, as text or JSON.
#include "app/cli/InfoCommand.h"

#include "app/cli/JsonWriter.h"
#include "core/slide/Slide.h"

#include <iostream>
#include <memory>

namespace hescape::cli {

namespace {

void printText(const Slide& s) {
    std::cout << "file: " << s.path() << "\n"
              << "format: " << s.format() << "\n"
              << "dimensions: " << s.width() << " x " << s.height() << " px\n"
              << "levels: " << s.levelCount() << "\n";
    for (int i = 0; i < s.levelCount(); ++i) {
        const auto& lv = s.level(i);
        std::cout << "  level " << i << ": " << lv.width << " x " << lv.height << " px, downsample " << lv.downsample
                  << "\n";
    }
    if (const auto mpp = s.micronsPerPixel()) {
        std::cout << "microns per pixel: " << mpp->x << " x " << mpp->y << "\n";
    } else {
        std::cout << "microns per pixel: unknown (not recorded in the file)\n";
    }
    if (const auto p = s.objectivePower()) std::cout << "objective power: " << *p << "x\n";
    else std::cout << "objective power: unknown\n";
    const auto names = s.associatedImageNames();
    std::cout << "associated images:";
    if (names.empty()) std::cout << " none";
    for (const auto& n : names) std::cout << " " << n;
    std::cout << "\nproperties: " << s.properties().size() << "\n";
    for (const auto& [k, v] : s.properties()) std::cout << "  " << k << " = " << v << "\n";
}

void printJson(const Slide& s) {
    std::cout << "{\n  \"file\": " << jsonString(s.path()) << ",\n  \"format\": " << jsonString(s.format())
              << ",\n  \"width\": " << s.width() << ",\n  \"height\": " << s.height() << ",\n  \"levels\": [";
    for (int i = 0; i < s.levelCount(); ++i) {
        const auto& lv = s.level(i);
        std::cout << (i ? ", " : "") << "{\"width\": " << lv.width << ", \"height\": " << lv.height
                  << ", \"downsample\": " << jsonNumber(lv.downsample) << "}";
    }
    std::cout << "],\n  \"mpp\": ";
    if (const auto mpp = s.micronsPerPixel()) {
        std::cout << "{\"x\": " << jsonNumber(mpp->x) << ", \"y\": " << jsonNumber(mpp->y) << "}";
    } else {
        std::cout << "null";
    }
    std::cout << ",\n  \"objective_power\": ";
    if (const auto p = s.objectivePower()) std::cout << jsonNumber(*p);
    else std::cout << "null";
    std::cout << ",\n  \"associated_images\": [";
    const auto names = s.associatedImageNames();
    for (std::size_t i = 0; i < names.size(); ++i) std::cout << (i ? ", " : "") << jsonString(names[i]);
    std::cout << "],\n  \"properties\": {";
    bool first = true;
    for (const auto& [k, v] : s.properties()) {
        std::cout << (first ? "\n    " : ",\n    ") << jsonString(k) << ": " << jsonString(v);
        first = false;
    }
    std::cout << (first ? "" : "\n  ") << "}\n}\n";
}

}  // namespace

int runInfo(const std::vector<std::string>& args) {
    bool json = false;
    std::string path;
    for (const auto& a : args) {
        if (a == "--json") json = true;
        else if (a == "-h" || a == "--help") {
            std::cout << "usage: hescape info SLIDE [--json]\n\n"
                         "Prints a slide's format, pyramid levels, dimensions, microns per pixel,\n"
                         "objective power, associated images and all properties.\n";
            return 0;
        } else if (!a.empty() && a[0] == '-') {
            std::cerr << "hescape info: unknown option '" << a << "'\n";
            return 2;
        } else if (path.empty()) path = a;
        else {
            std::cerr << "hescape info: only one file at a time ('" << a << "' is extra)\n";
            return 2;
        }
    }
    if (path.empty()) {
        std::cerr << "usage: hescape info SLIDE [--json]\n";
        return 2;
    }
    try {
        const std::unique_ptr<Slide> slide = openSlide(path);
        if (json) printJson(*slide);
        else printText(*slide);
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "hescape info: error: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace hescape::cli
