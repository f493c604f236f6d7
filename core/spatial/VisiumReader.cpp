// readVisium: joins matrix barcodes to positions; spots without a position
// are an error (the overlay could not place them), positions without counts
// (off-tissue in a filtered matrix) are simply not observations.
#include "core/spatial/VisiumReader.h"

#include "core/io/Json.h"
#include "core/io/TextTable.h"
#include "core/spatial/TenxMatrixReader.h"

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

}  // namespace

SpatialDataset readVisium(const std::string& path) {
    const fs::path matrixPath = findMatrix(path);
    const fs::path spatialDir = matrixPath.parent_path() / "spatial";
    if (!fs::is_directory(spatialDir)) throw DatasetError(spatialDir.string() + ": missing (no spot positions)");
    fs::path positions = spatialDir / "tissue_positions.csv";
    const bool header = fs::exists(positions);
    if (!header) positions = spatialDir / "tissue_positions_list.csv";
    if (!fs::exists(positions)) {
        throw DatasetError(spatialDir.string() + ": neither tissue_positions.csv nor tissue_positions_list.csv is there");
    }

    TenxMatrix m = readTenxMatrix(matrixPath.string());
    SpatialDataset ds;
    ds.source = matrixPath.parent_path().string();
    ds.format = "visium";
    ds.obsNames = m.barcodes;
    ds.geneNames = m.featureNames;
    ds.geneIds = m.featureIds;
    ds.expression = std::move(m.counts);

    TextTable table;
    try {
        table = readTextTable(positions.string(), header, ',');
    } catch (const TextTableError& e) {
        throw DatasetError(e.what());
    }
    // Columns by position: barcode, in_tissue, array_row, array_col, pxl_row_in_fullres, pxl_col_in_fullres.
    std::unordered_map<std::string, std::size_t> rowOf;
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
        if (table.rows[r].size() < 6) {
            throw DatasetError(positions.string() + ": line " + std::to_string(r + (header ? 2 : 1)) + " has " +
                               std::to_string(table.rows[r].size()) + " fields, expected 6");
        }
        rowOf.emplace(table.rows[r][0], r);
    }
    ObsColumn inTissue{"in_tissue"}, arrayRow{"array_row"}, arrayCol{"array_col"};
    for (const auto& barcode : ds.obsNames) {
        const auto it = rowOf.find(barcode);
        if (it == rowOf.end()) {
            throw DatasetError(positions.string() + ": barcode " + barcode + " of " + matrixPath.filename().string() +
                               " has no position");
        }
        try {
            inTissue.numbers.push_back(table.number(it->second, 1));
            arrayRow.numbers.push_back(table.number(it->second, 2));
            arrayCol.numbers.push_back(table.number(it->second, 3));
            ds.coordinates.push_back({table.number(it->second, 5), table.number(it->second, 4)});
        } catch (const TextTableError& e) {
            throw DatasetError(e.what());
        }
    }
    ds.obs = {std::move(inTissue), std::move(arrayRow), std::move(arrayCol)};
    ds.coordinateUnits = "pixels";

    const fs::path scalefactors = spatialDir / "scalefactors_json.json";
    if (fs::exists(scalefactors)) {
        try {
            const JsonValue json = readJsonFile(scalefactors.string());
            if (!json.isObject()) throw DatasetError(scalefactors.string() + ": expected a JSON object");
            for (const auto& [k, v] : json.asObject())
                if (v.isNumber()) ds.metadata[k] = v.asNumber();
            if (const auto d = json.number("spot_diameter_fullres"); d && *d > 0) ds.spotDiameter = *d;
        } catch (const JsonError& e) {
            throw DatasetError(e.what());
        }
    }
    ds.validate();
    return ds;
}

}  // namespace hescape
