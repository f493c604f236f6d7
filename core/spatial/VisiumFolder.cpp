// VisiumFolder: names and scale factors only; the matrix is read by readVisium,
// the CytAssist image's map by placeCytAssistImage.
#include "core/spatial/VisiumFolder.h"

#include "core/io/Json.h"
#include "core/slide/Slide.h"
#include "core/spatial/SpatialDataset.h"
#include "core/spatial/VisiumCytAssist.h"
#include "core/spatial/VisiumReader.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <regex>
#include <sstream>

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

// The full-resolution pixel size the scale factors give, and from where.
struct FullResolutionPixel {
    double microns = 0;
    std::string source;  // completes "derived: ..." or stands alone
    bool derived = false;
};

std::optional<FullResolutionPixel> fullResolutionPixel(const JsonValue& json) {
    if (const auto mpp = json.number("microns_per_pixel"); mpp && *mpp > 0) return FullResolutionPixel{*mpp, "microns_per_pixel", false};
    if (const auto spot = json.number("spot_diameter_fullres"); spot && *spot > 0)
        return FullResolutionPixel{kVisiumSpotMicrons / *spot, "55 um Visium spot / spot_diameter_fullres", true};
    return std::nullopt;
}

// hires / lowres: the full-resolution size over the image's scale factor.
bool applyScaledPixelSize(Slide& slide, const JsonValue& json, const std::string& key) {
    const auto scale = json.number(key);
    const auto full = fullResolutionPixel(json);
    if (!scale || !(*scale > 0) || !full) return false;
    const double mpp = full->microns / *scale;
    slide.setMicronsPerPixelFrom({mpp, mpp}, full->derived ? "derived: " + full->source + " / " + key + " (scalefactors_json.json)"
                                                           : "scalefactors_json.json: " + full->source + " / " + key);
    return true;
}

// The CytAssist image: the full-resolution size times its pixel's side in
// full-resolution pixels (sqrt |det| of feature_slice.h5's transform; 1 when
// it is the full-resolution image itself). Always derived.
bool applyCytAssistPixelSize(Slide& slide, const JsonValue& json, const fs::path& folder) {
    const auto full = fullResolutionPixel(json);
    if (!full) return false;
    const CytAssistPlacement placed = placeCytAssistImage(folder.string());
    if (!placed.toImage) return false;
    const double mpp = full->microns * placed.pixelScale;
    const std::string how = placed.transformFile.empty()
                                ? "1 (the CytAssist image is the full-resolution image)"
                                : "sqrt(|det|) of the CytAssist-to-microscope transform in " + fs::path(placed.transformFile).filename().string();
    slide.setMicronsPerPixelFrom({mpp, mpp}, "derived: " + full->source + " (scalefactors_json.json) x " + how);
    return true;
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
    const std::string name = image.filename().string();
    if ((!scaleFactorKey(name) && name != kCytAssistImageName) || image.parent_path().filename() != "spatial") return {};
    const fs::path folder = image.parent_path().parent_path();
    return hasMatrix(folder) ? folder.string() : std::string();
}

bool applyVisiumPixelSize(Slide& slide) {
    if (slide.micronsPerPixel()) return false;
    const fs::path image(slide.path());
    const std::string name = image.filename().string();
    const char* key = scaleFactorKey(name);
    const fs::path factors = image.parent_path() / "scalefactors_json.json";
    std::error_code ec;
    if ((!key && name != kCytAssistImageName) || !fs::exists(factors, ec)) return false;
    try {
        const JsonValue json = readJsonFile(factors.string());
        return key ? applyScaledPixelSize(slide, json, key) : applyCytAssistPixelSize(slide, json, image.parent_path().parent_path());
    } catch (const std::exception&) {
        return false;  // the data set's reader names a broken file; the image opens without a pixel size
    }
}

std::vector<VisiumSlideImage> visiumSlideImages(const SpatialDataset& ds) {
    std::vector<VisiumSlideImage> out;
    if (ds.format != "visium" && ds.format != "visium_hd") return out;
    std::error_code ec;
    for (const auto& [file, key] : {std::pair<const char*, const char*>{"tissue_hires_image.png", "tissue_hires_scalef"},
                                    {"tissue_lowres_image.png", "tissue_lowres_scalef"}}) {
        const fs::path path = fs::path(ds.source) / "spatial" / file;
        if (!fs::exists(path, ec)) continue;
        const auto scale = ds.metadata.find(key);
        const bool placed = scale != ds.metadata.end();
        std::ostringstream note;
        note << (placed ? "placed by " : "not placed: no ") << key;
        if (placed) note << " " << scale->second;
        out.push_back({file == std::string("tissue_hires_image.png") ? "hires" : "lowres", path.string(), placed, note.str()});
    }
    if (const std::string image = cytAssistImageOf(ds.source); !image.empty()) {
        const std::string key = imagePathKey(image);
        const auto note = ds.imageNotes.find(key);
        out.push_back({"CytAssist", image, ds.toImages.count(key) > 0, note == ds.imageNotes.end() ? std::string("not placed") : note->second});
    }
    return out;
}

}  // namespace hescape
