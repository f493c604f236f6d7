// findXeniumBundle: names as Xenium Onboard Analysis and spatialdata-io use
// them (XeniumKeys: morphology_focus/, "he_image.ome.tif" with
// "he_imagealignment.csv"); the alignment maps H&E pixels to morphology
// pixels (spatialdata-io's xenium_aligned_image), read by readXenium.
#include "core/spatial/XeniumBundle.h"

#include "core/io/Json.h"
#include "core/slide/Slide.h"

#include <algorithm>
#include <filesystem>

namespace hescape {

namespace fs = std::filesystem;

namespace {

std::string firstMorphologyChannelFile(const fs::path& dir) {
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (e.is_regular_file() && name.ends_with(".ome.tif") && name.rfind("._", 0) != 0) files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());  // morphology_focus_0000 / ch0000_dapi first
    return files.empty() ? std::string() : files.front();
}

std::optional<double> experimentPixelSize(const fs::path& dir) {
    const fs::path spec = dir / "experiment.xenium";
    if (!fs::exists(spec)) return std::nullopt;
    try {
        const auto p = readJsonFile(spec.string()).number("pixel_size");
        if (p && *p > 0) return p;
    } catch (const JsonError&) {
        // readXenium reports a malformed experiment.xenium when the cells load.
    }
    return std::nullopt;
}

}  // namespace

std::vector<std::string> XeniumBundle::images() const {
    std::vector<std::string> out;
    if (!morphologyImage.empty()) out.push_back(morphologyImage);
    if (!heImage.empty()) out.push_back(heImage);
    return out;
}

std::string XeniumBundle::preferredImage() const {
    if (!heImage.empty() && !heAlignment.empty()) return heImage;
    return morphologyImage.empty() ? heImage : morphologyImage;
}

std::optional<XeniumBundle> findXeniumBundle(const std::string& folder) {
    std::error_code ec;
    const fs::path dir(folder);
    if (!fs::is_directory(dir, ec) || !fs::exists(dir / "cell_feature_matrix.h5")) return std::nullopt;
    XeniumBundle b;
    b.folder = dir.string();
    b.pixelSize = experimentPixelSize(dir);
    for (const char* name : {"morphology_focus.ome.tif", "", "morphology.ome.tif", "morphology_mip.ome.tif"}) {
        const std::string candidate = *name ? (dir / name).string() : firstMorphologyChannelFile(dir / "morphology_focus");
        if (!candidate.empty() && fs::is_regular_file(candidate)) {
            b.morphologyImage = candidate;
            break;
        }
    }
    std::vector<std::string> he;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.path().filename().string().ends_with("he_image.ome.tif")) he.push_back(e.path().string());
    std::sort(he.begin(), he.end());
    if (!he.empty()) {
        b.heImage = he.front();
        const std::string alignment = b.heImage.substr(0, b.heImage.size() - std::string(".ome.tif").size()) + "alignment.csv";
        if (fs::exists(alignment)) b.heAlignment = alignment;
    }
    return b;
}

std::optional<XeniumBundle> xeniumBundleOfImage(const std::string& imagePath) {
    const fs::path p = fs::absolute(imagePath);
    if (auto b = findXeniumBundle(p.parent_path().string())) return b;
    if (p.parent_path().filename() == "morphology_focus") return findXeniumBundle(p.parent_path().parent_path().string());
    return std::nullopt;
}

bool isXeniumMorphologyImage(const std::string& imagePath) {
    const auto b = xeniumBundleOfImage(imagePath);
    if (!b) return false;
    const fs::path p = fs::absolute(imagePath);
    const std::string name = p.filename().string();
    return p.parent_path().filename() == "morphology_focus" || name.rfind("morphology", 0) == 0;
}

bool applyXeniumPixelSize(Slide& slide) {
    if (slide.micronsPerPixel() || !isXeniumMorphologyImage(slide.path())) return false;
    const auto b = xeniumBundleOfImage(slide.path());
    if (!b || !b->pixelSize) return false;
    slide.setMicronsPerPixel(MicronsPerPixel{*b->pixelSize, *b->pixelSize});
    return true;
}

}  // namespace hescape
