// readVisium: joins matrix barcodes to positions; spots without a position
// are an error (the overlay could not place them), positions without counts
// (off-tissue in a filtered matrix) are simply not observations.
#include "core/spatial/VisiumReader.h"

#include "core/io/Json.h"
#include "core/io/ParquetFile.h"
#include "core/io/TextTable.h"
#include "core/spatial/TenxMatrixReader.h"
#include "core/spatial/VisiumCytAssist.h"

#include <cmath>
#include <filesystem>
#include <unordered_map>

namespace hescape {

namespace fs = std::filesystem;

namespace {

fs::path findMatrix(const fs::path& p) {
    if (fs::is_regular_file(p)) return p;
    for (const char* name : {"filtered_feature_bc_matrix.h5", "raw_feature_bc_matrix.h5"}) {
        if (fs::exists(p / name)) return p / name;
        if (fs::exists(p / "outs" / name)) return p / "outs" / name;
    }
    throw DatasetError(p.string() + ": no filtered_feature_bc_matrix.h5 or raw_feature_bc_matrix.h5 in this folder");
}

// Every position file's columns, by name (Parquet, CSV with header) or by
// place (the old headerless list): barcode, in_tissue, array_row, array_col,
// pxl_row_in_fullres, pxl_col_in_fullres.
struct Positions {
    std::string file;
    std::vector<std::string> barcode;
    std::vector<double> inTissue, arrayRow, arrayCol, pixelRow, pixelCol;
};

Positions readParquetPositions(const fs::path& file) {
    try {
        const ParquetFile f = ParquetFile::open(file.string());
        if (f.rowCount() > kMaxVisiumHdBins) {
            throw DatasetError(file.string() + ": " + std::to_string(f.rowCount()) + " bins are more than HEScape opens at once (" +
                               std::to_string(kMaxVisiumHdBins) +
                               "; as a data set they would take several GB): open the 8 um or 16 um bins (square_008um, square_016um) instead");
        }
        return {file.string(),           f.readStrings("barcode"),           f.readDoubles("in_tissue"),
                f.readDoubles("array_row"), f.readDoubles("array_col"),         f.readDoubles("pxl_row_in_fullres"),
                f.readDoubles("pxl_col_in_fullres")};
    } catch (const ParquetError& e) {
        throw DatasetError(e.what());
    }
}

Positions readCsvPositions(const fs::path& file, bool header) {
    TextTable table;
    try {
        table = readTextTable(file.string(), header, ',');
    } catch (const TextTableError& e) {
        throw DatasetError(e.what());
    }
    Positions p{file.string(), {}, {}, {}, {}, {}, {}};
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
        if (table.rows[r].size() < 6) {
            throw DatasetError(file.string() + ": line " + std::to_string(r + (header ? 2 : 1)) + " has " +
                               std::to_string(table.rows[r].size()) + " fields, expected 6");
        }
        p.barcode.push_back(table.rows[r][0]);
        try {
            p.inTissue.push_back(table.number(r, 1));
            p.arrayRow.push_back(table.number(r, 2));
            p.arrayCol.push_back(table.number(r, 3));
            p.pixelRow.push_back(table.number(r, 4));
            p.pixelCol.push_back(table.number(r, 5));
        } catch (const TextTableError& e) {
            throw DatasetError(e.what());
        }
    }
    return p;
}

Positions readPositions(const fs::path& spatialDir) {
    if (fs::exists(spatialDir / "tissue_positions.parquet")) return readParquetPositions(spatialDir / "tissue_positions.parquet");
    if (fs::exists(spatialDir / "tissue_positions.csv")) return readCsvPositions(spatialDir / "tissue_positions.csv", true);
    if (fs::exists(spatialDir / "tissue_positions_list.csv")) return readCsvPositions(spatialDir / "tissue_positions_list.csv", false);
    throw DatasetError(spatialDir.string() + ": none of tissue_positions.parquet, tissue_positions.csv or tissue_positions_list.csv is there");
}

// Each observation's position; obs columns in_tissue, array_row, array_col.
void placeObservations(SpatialDataset& ds, const Positions& p, const std::string& matrixName) {
    std::unordered_map<std::string, std::size_t> rowOf;
    rowOf.reserve(p.barcode.size());
    for (std::size_t r = 0; r < p.barcode.size(); ++r) rowOf.emplace(p.barcode[r], r);
    ObsColumn inTissue{"in_tissue"}, arrayRow{"array_row"}, arrayCol{"array_col"};
    ds.coordinates.reserve(ds.obsNames.size());
    for (const auto& barcode : ds.obsNames) {
        const auto it = rowOf.find(barcode);
        if (it == rowOf.end()) throw DatasetError(p.file + ": barcode " + barcode + " of " + matrixName + " has no position");
        const std::size_t r = it->second;
        inTissue.numbers.push_back(p.inTissue[r]);
        arrayRow.numbers.push_back(p.arrayRow[r]);
        arrayCol.numbers.push_back(p.arrayCol[r]);
        ds.coordinates.push_back({p.pixelCol[r], p.pixelRow[r]});
    }
    ds.obs = {std::move(inTissue), std::move(arrayRow), std::move(arrayCol)};
}

// A number of the scale factors: absent is fine, anything but a positive number is not.
std::optional<double> positiveFactor(const JsonValue& json, const std::string& file, const std::string& key) {
    const auto& object = json.asObject();
    const auto it = object.find(key);
    if (it == object.end() || it->second.isNull()) return std::nullopt;
    if (!it->second.isNumber() || !(it->second.asNumber() > 0) || !std::isfinite(it->second.asNumber()))
        throw DatasetError(file + ": " + key + " must be a positive number");
    return it->second.asNumber();
}

// The direction of the bins' columns in full-resolution pixels: a least-squares
// fit of the pixel x and y to (array_row, array_col); (1, 0) when the grid is
// too small to fit.
Point2 gridColumnAxis(const Positions& p) {
    double n = 0, sr = 0, sc = 0, srr = 0, scc = 0, src = 0, sx = 0, sy = 0, srx = 0, scx = 0, sry = 0, scy = 0;
    for (std::size_t i = 0; i < p.barcode.size(); ++i) {
        const double r = p.arrayRow[i], c = p.arrayCol[i], x = p.pixelCol[i], y = p.pixelRow[i];
        n += 1, sr += r, sc += c, srr += r * r, scc += c * c, src += r * c;
        sx += x, sy += y, srx += r * x, scx += c * x, sry += r * y, scy += c * y;
    }
    // Centred normal equations for the column coefficient of x and y.
    const double vrr = srr - sr * sr / n, vcc = scc - sc * sc / n, vrc = src - sr * sc / n;
    const double det = vrr * vcc - vrc * vrc;
    if (n < 3 || !(std::abs(det) > 1e-9)) return {1, 0};
    const double vrx = srx - sr * sx / n, vcx = scx - sc * sx / n, vry = sry - sr * sy / n, vcy = scy - sc * sy / n;
    const Point2 axis{(vrr * vcx - vrc * vrx) / det, (vrr * vcy - vrc * vry) / det};
    const double length = std::hypot(axis.x, axis.y);
    return length > 0 ? Point2{axis.x / length, axis.y / length} : Point2{1, 0};
}

void applyScaleFactors(SpatialDataset& ds, const fs::path& file, const Positions& p) {
    if (!fs::exists(file)) return;
    JsonValue json;
    try {
        json = readJsonFile(file.string());
    } catch (const JsonError& e) {
        throw DatasetError(e.what());
    }
    if (!json.isObject()) throw DatasetError(file.string() + ": expected a JSON object");
    for (const auto& [k, v] : json.asObject())
        if (v.isNumber()) ds.metadata[k] = v.asNumber();  // all of them, for `hescape info`
    for (const char* key : {"tissue_hires_scalef", "tissue_lowres_scalef", "regist_target_img_scalef"})
        if (const auto v = positiveFactor(json, file.string(), key)) ds.metadata[key] = *v;
    const auto spot = positiveFactor(json, file.string(), "spot_diameter_fullres");
    const auto bin = positiveFactor(json, file.string(), "bin_size_um");
    if (!bin) {
        if (!spot) return;
        ds.spotDiameter = *spot;
        ds.metadata["spot_diameter_fullres"] = *spot;
        ds.metadata["microns_per_pixel"] = kVisiumSpotMicrons / *spot;
        ds.metadata["microns_per_pixel_derived"] = 1;  // from the 55 um spot, not measured
        return;
    }
    const auto mpp = positiveFactor(json, file.string(), "microns_per_pixel");
    if (!mpp) throw DatasetError(file.string() + ": bin_size_um without microns_per_pixel: the bins' size in pixels is unknown");
    ds.format = "visium_hd";
    ds.metadata["bin_size_um"] = *bin;
    ds.metadata["microns_per_pixel"] = *mpp;
    ds.spotDiameter = *bin / *mpp;
    ds.spotShape = SpotShape::Square;
    ds.gridAxis = gridColumnAxis(p);
}

// The CytAssist image's map (toImages), or why there is none (imageNotes);
// a malformed feature_slice.h5 throws, naming the file and the field.
void placeCytAssist(SpatialDataset& ds, const fs::path& folder) {
    const CytAssistPlacement c = placeCytAssistImage(folder.string());
    if (c.image.empty()) return;
    const std::string key = imagePathKey(c.image);
    if (c.toImage) ds.toImages[key] = *c.toImage;
    ds.imageNotes[key] = c.note;
}

}  // namespace

SpatialDataset readVisium(const std::string& path) {
    const fs::path matrixPath = findMatrix(path);
    const fs::path spatialDir = matrixPath.parent_path() / "spatial";
    if (!fs::is_directory(spatialDir)) throw DatasetError(spatialDir.string() + ": missing (no spot positions)");
    const Positions positions = readPositions(spatialDir);

    TenxMatrix m = readTenxMatrix(matrixPath.string());
    SpatialDataset ds;
    ds.source = matrixPath.parent_path().string();
    ds.format = "visium";
    ds.obsNames = m.barcodes;
    ds.geneNames = m.featureNames;
    ds.geneIds = m.featureIds;
    ds.expression = std::move(m.counts);
    placeObservations(ds, positions, matrixPath.filename().string());
    ds.coordinateUnits = "pixels";
    applyScaleFactors(ds, spatialDir / "scalefactors_json.json", positions);
    placeCytAssist(ds, matrixPath.parent_path());
    ds.validate();
    return ds;
}

}  // namespace hescape
