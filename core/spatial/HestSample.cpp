// HestSample: file names by HEST's convention; metadata read with core/io/Json.
#include "core/spatial/HestSample.h"

#include "core/io/Json.h"
#include "core/slide/Slide.h"
#include "core/spatial/SpatialDataset.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace hescape {

namespace fs = std::filesystem;

namespace {

// A field of the metadata: absent or null is fine; anything but a positive number is not.
std::optional<double> positive(const JsonValue& json, const std::string& file, const std::string& key) {
    const JsonValue* v = json.find(key);
    if (!v || v->isNull()) return std::nullopt;
    if (!v->isNumber() || !(v->asNumber() > 0) || !std::isfinite(v->asNumber()))
        throw DatasetError(file + ": " + key + " must be a positive number");
    return v->asNumber();
}

std::string text(const JsonValue& json, const std::string& key) {
    const JsonValue* v = json.find(key);
    return v && v->isString() ? v->asString() : std::string();
}

}  // namespace

bool isHestFolder(const std::string& path) {
    std::error_code ec;
    const fs::path p(path);
    return fs::is_directory(p / "st", ec) && fs::is_directory(p / "wsis", ec) && fs::is_directory(p / "metadata", ec);
}

std::vector<std::string> hestSampleIds(const std::string& folder) {
    std::vector<std::string> ids;
    if (!isHestFolder(folder)) return ids;
    std::error_code ec;
    const fs::path p(folder);
    for (const auto& entry : fs::directory_iterator(p / "st", ec)) {
        if (entry.path().extension() != ".h5ad") continue;
        const std::string id = entry.path().stem().string();
        if (fs::exists(p / "wsis" / (id + ".tif"), ec) && fs::exists(p / "metadata" / (id + ".json"), ec)) ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

HestSample hestSampleFiles(const std::string& folder, const std::string& id) {
    const fs::path p(folder);
    HestSample s{folder, id, (p / "st" / (id + ".h5ad")).string(), (p / "wsis" / (id + ".tif")).string(),
                 (p / "metadata" / (id + ".json")).string(), {}, {}, {}, {}, {}, {}};
    std::error_code ec;
    if (fs::exists(p / "patches" / (id + ".h5"), ec)) s.patches = (p / "patches" / (id + ".h5")).string();
    return s;
}

HestSample readHestSample(const std::string& folder, const std::string& id) {
    HestSample s = hestSampleFiles(folder, id);
    std::error_code ec;
    if (!fs::exists(s.metadata, ec)) throw DatasetError(s.metadata + ": missing (HEST sample " + id + ")");
    JsonValue json;
    try {
        json = readJsonFile(s.metadata);
    } catch (const JsonError& e) {
        throw DatasetError(e.what());
    }
    if (!json.isObject()) throw DatasetError(s.metadata + ": expected a JSON object");
    s.pixelSize = positive(json, s.metadata, "pixel_size_um_estimated");
    s.spotDiameter = positive(json, s.metadata, "spot_diameter");
    s.interSpotDistance = positive(json, s.metadata, "inter_spot_dist");
    s.technology = text(json, "st_technology");
    s.patient = text(json, "patient");
    return s;
}

std::optional<HestSample> hestSampleOfFile(const std::string& path) {
    const fs::path file(path);
    const std::string sub = file.parent_path().filename().string();
    const std::string ext = file.extension().string();
    const bool known = (sub == "st" && ext == ".h5ad") || (sub == "wsis" && ext == ".tif") || (sub == "patches" && ext == ".h5") ||
                       (sub == "metadata" && ext == ".json");
    const std::string folder = file.parent_path().parent_path().string();
    if (!known || !isHestFolder(folder)) return std::nullopt;
    HestSample s = hestSampleFiles(folder, file.stem().string());
    std::error_code ec;
    for (const std::string& f : {s.dataset, s.slide, s.metadata})
        if (!fs::exists(f, ec)) return std::nullopt;
    return s;
}

bool applyHestPixelSize(Slide& slide) {
    const auto files = hestSampleOfFile(slide.path());
    if (!files) return false;
    const auto sample = readHestSample(files->folder, files->id);  // a malformed metadata file is said, not ignored
    if (!sample.pixelSize) return false;
    // HEST works with its estimate, which can differ from what the TIFF says; the source says both.
    std::string source = "HEST metadata: pixel_size_um_estimated (" + sample.metadata + ")";
    if (const auto tiff = slide.micronsPerPixel(); tiff && std::abs(tiff->x - *sample.pixelSize) > 1e-9)
        source += "; the file itself says " + std::to_string(tiff->x);
    slide.setMicronsPerPixelFrom({*sample.pixelSize, *sample.pixelSize}, source);
    return true;
}

void applyHestSpotDiameter(SpatialDataset& ds, const HestSample& sample) {
    ds.metadata["hest_pixel_size_um"] = sample.pixelSize.value_or(0);
    if (sample.interSpotDistance) ds.metadata["inter_spot_dist_um"] = *sample.interSpotDistance;
    if (ds.spotDiameter || !sample.spotDiameter || !sample.pixelSize) return;
    ds.spotDiameter = *sample.spotDiameter / *sample.pixelSize;  // the h5ad's coordinates are WSI pixels
}

}  // namespace hescape
