// Format detection by file names and layout, then dispatch to the reader.
#include "core/spatial/DatasetOpener.h"

#include "core/spatial/HestSample.h"
#include "core/spatial/SpatialDataStore.h"
#include "core/spatial/VisiumFolder.h"
#include "core/spatial/XeniumBundle.h"

#include "core/spatial/AnnDataReader.h"
#include "core/spatial/StReader.h"
#include "core/spatial/VisiumReader.h"
#include "core/spatial/XeniumReader.h"

#include <filesystem>

namespace hescape {

namespace fs = std::filesystem;

namespace {

// "B4_counts.tsv.gz" -> "B4_selection.tsv" beside it.
std::string stSelectionFor(const fs::path& counts) {
    std::string name = counts.filename().string();
    const auto pos = name.rfind("_counts.tsv");
    if (pos == std::string::npos) return {};
    return (counts.parent_path() / (name.substr(0, pos) + "_selection.tsv")).string();
}

// A HEST sample: its st/<id>.h5ad with the metadata's spot size.
SpatialDataset readHest(const HestSample& sample, const Progress& progress) {
    SpatialDataset ds = readAnnData(sample.dataset, progress);
    applyHestSpotDiameter(ds, sample);
    return ds;
}

SpatialDataset readByFormat(const std::string& format, const std::string& path, const Progress& progress) {
    if (format == "h5ad") {
        if (const auto files = hestSampleOfFile(path)) return readHest(readHestSample(files->folder, files->id), progress);
        return readAnnData(path, progress);
    }
    if (format == "hest") {
        const auto ids = hestSampleIds(path);
        if (ids.empty()) throw DatasetError(path + ": a HEST folder without a sample that has st/<id>.h5ad, wsis/<id>.tif and metadata/<id>.json");
        return readHest(readHestSample(path, ids.front()), progress);
    }
    if (format == "visium") return readVisium(path);
    if (format == "visium_hd") return readVisium(defaultVisiumHdBinFolder(path));
    if (format == "xenium") return readXenium(path);
    if (format == "st") return readSpatialTranscriptomics({path, stSelectionFor(path)});
    if (format == "spatialdata") return readSpatialDataStore(path, {}, progress);
    throw DatasetError(path +
                       ": not a recognised spatial data set (expected an .h5ad file, a Visium, Visium HD, Xenium or HEST-1k "
                       "output folder, a SpatialData .zarr store, or an ST *_counts.tsv with its *_selection.tsv)");
}

}  // namespace

std::string detectDatasetFormat(const std::string& path) {
    std::error_code ec;
    const fs::path p(path);
    if (fs::is_directory(p, ec)) {
        if (fs::exists(p / "cell_feature_matrix.h5")) return "xenium";
        if (isHestFolder(path)) return "hest";
        if (isSpatialDataStore(path)) return "spatialdata";
        if (!visiumHdBinFolders(path).empty()) return "visium_hd";
        for (const fs::path& base : {p, p / "outs"}) {
            if ((fs::exists(base / "filtered_feature_bc_matrix.h5") || fs::exists(base / "raw_feature_bc_matrix.h5")) &&
                fs::is_directory(base / "spatial")) {
                return "visium";
            }
        }
        return {};
    }
    const std::string name = p.filename().string();
    if (name.ends_with(".h5ad")) return "h5ad";
    if (name.ends_with("_counts.tsv") || name.ends_with("_counts.tsv.gz")) return "st";
    if (name.ends_with(".h5")) {
        if (name == "cell_feature_matrix.h5") return "xenium";
        if (fs::is_directory(p.parent_path() / "spatial")) return "visium";
    }
    return {};
}

AffineTransform transformForSlide(const SpatialDataset& ds, const std::string& slidePath) {
    if (!ds.toImages.empty()) {
        if (const auto it = ds.toImages.find(imagePathKey(slidePath)); it != ds.toImages.end()) return it->second;
    }
    const std::string name = fs::path(slidePath).filename().string();
    // Xenium cells (micrometres) on the bundle's own morphology image: by the
    // pixel size alone; ds.toSlide holds the H&E alignment where there is one.
    if (ds.format == "xenium" && isXeniumMorphologyImage(slidePath)) {
        if (const auto it = ds.metadata.find("pixel_size"); it != ds.metadata.end() && it->second > 0)
            return AffineTransform::scale(1.0 / it->second, 1.0 / it->second);
    }
    for (const auto& [image, key] : {std::pair<const char*, const char*>{"tissue_hires_image", "tissue_hires_scalef"},
                                     {"tissue_lowres_image", "tissue_lowres_scalef"}}) {
        if (name.rfind(image, 0) == 0) {
            const auto it = ds.metadata.find(key);
            if (it != ds.metadata.end() && it->second > 0) return AffineTransform::scale(it->second, it->second).after(ds.toSlide);
        }
    }
    return ds.toSlide;
}

bool applyCompanionPixelSize(Slide& slide) { return applyXeniumPixelSize(slide) || applyVisiumPixelSize(slide) || applyHestPixelSize(slide); }

SpatialDataset openSpatialDataset(const std::string& path, const Progress& progress) {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw DatasetError(path + ": no such file or folder");
    const std::string format = detectDatasetFormat(path);
    progress.update(0.0, "reading " + (format.empty() ? std::string("data set") : format));
    SpatialDataset ds = readByFormat(format, path, progress);
    progress.update(1.0, "read");
    return ds;
}

}  // namespace hescape
