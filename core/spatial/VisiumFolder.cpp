// VisiumFolder: names and scale factors only; the matrix is read by readVisium.
#include "core/spatial/VisiumFolder.h"

#include "core/io/Json.h"
#include "core/slide/Slide.h"
#include "core/spatial/VisiumReader.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <regex>

namespace hescape {

namespace fs = std::filesystem;

namespace {

const std::regex kBinName(R"(square_(\d{3})um)");

bool hasMatrix(const fs::path& p) {
    std::error_code ec;
    return fs::exists(p / "filtered_feature_bc_matrix.h5", ec) || fs::exists(p / "raw_feature_bc_matrix.h5", ec);
}

// Which scale factor maps full-resolution pixels onto this image.
const char* scaleFactorKey(const std::string& imageName) {
    if (imageName.rfind("tissue_hires_image", 0) == 0) return "tissue_hires_scalef";
    if (imageName.rfind("tissue_lowres_image", 0) == 0) return "tissue_lowres_scalef";
    return nullptr;
}

}  // namespace

std::vector<VisiumBinFolder> visiumHdBinFolders(const std::string& path) {
    std::vector<VisiumBinFolder> out;
    std::error_code ec;
    for (const fs::path& base : {fs::path(path), fs::path(path) / "binned_outputs", fs::path(path) / "outs" / "binned_outputs"}) {
        if (!fs::is_directory(base, ec)) continue;
        for (const auto& entry : fs::directory_iterator(base, ec)) {
            std::smatch m;
            const std::string name = entry.path().filename().string();
            if (entry.is_directory() && std::regex_match(name, m, kBinName) && hasMatrix(entry.path()))
                out.push_back({std::stod(m[1].str()), entry.path().string()});
        }
        if (!out.empty()) break;
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.binMicrons < b.binMicrons; });
    return out;
}

std::string defaultVisiumHdBinFolder(const std::string& path) {
    const auto bins = visiumHdBinFolders(path);
    if (bins.empty()) return {};
    for (const auto& b : bins)
        if (b.binMicrons == 8) return b.folder;
    for (const auto& b : bins)
        if (b.binMicrons > 2) return b.folder;
    return bins.front().folder;
}

bool isVisiumFolder(const std::string& path) {
    std::error_code ec;
    const fs::path p(path);
    return fs::is_directory(p, ec) && hasMatrix(p) && fs::is_directory(p / "spatial", ec);
}

std::string visiumImageOf(const std::string& folder) {
    std::error_code ec;
    for (const char* name : {"tissue_hires_image.png", "tissue_lowres_image.png"})
        if (fs::exists(fs::path(folder) / "spatial" / name, ec)) return (fs::path(folder) / "spatial" / name).string();
    return {};
}

std::string visiumFolderOfImage(const std::string& imagePath) {
    const fs::path image(imagePath);
    if (!scaleFactorKey(image.filename().string()) || image.parent_path().filename() != "spatial") return {};
    const fs::path folder = image.parent_path().parent_path();
    return hasMatrix(folder) ? folder.string() : std::string();
}

bool applyVisiumPixelSize(Slide& slide) {
    if (slide.micronsPerPixel()) return false;
    const fs::path image(slide.path());
    const char* key = scaleFactorKey(image.filename().string());
    const fs::path factors = image.parent_path() / "scalefactors_json.json";
    std::error_code ec;
    if (!key || !fs::exists(factors, ec)) return false;
    try {
        const JsonValue json = readJsonFile(factors.string());
        const auto scale = json.number(key);
        if (!scale || !(*scale > 0)) return false;
        const auto mpp = json.number("microns_per_pixel");
        const auto spot = json.number("spot_diameter_fullres");
        if (mpp && *mpp > 0) {
            slide.setMicronsPerPixelFrom({*mpp / *scale, *mpp / *scale}, "scalefactors_json.json: microns_per_pixel / " + std::string(key));
        } else if (spot && *spot > 0) {
            const double full = kVisiumSpotMicrons / *spot;
            slide.setMicronsPerPixelFrom({full / *scale, full / *scale},
                                         "derived: 55 um Visium spot / spot_diameter_fullres / " + std::string(key) + " (scalefactors_json.json)");
        } else {
            return false;
        }
        return true;
    } catch (const std::exception&) {
        return false;  // the data set's reader names a broken file; the image opens without a pixel size
    }
}

}  // namespace hescape
