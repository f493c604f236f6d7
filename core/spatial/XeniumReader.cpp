// readXenium: matrix + centroids joined on cell id; the alignment matrix maps
// H&E pixels to morphology pixels, so slide = inverse(alignment) * (um / pixel size).
#include "core/spatial/XeniumReader.h"

#include "core/io/Json.h"
#include "core/io/ParquetFile.h"
#include "core/io/TextTable.h"
#include "core/spatial/TenxMatrixReader.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <unordered_map>

namespace hescape {

namespace fs = std::filesystem;

namespace {

// Cells are drawn as discs of one size: the median equivalent-circle
// diameter of cell_area (um^2), when the table has it.
std::optional<double> medianCellDiameter(const SpatialDataset& ds) {
    const ObsColumn* area = ds.obsColumn("cell_area");
    if (!area) return std::nullopt;
    std::vector<double> d;
    for (const double a : area->numbers)
        if (std::isfinite(a) && a > 0) d.push_back(2.0 * std::sqrt(a / 3.141592653589793));
    if (d.empty()) return std::nullopt;
    std::nth_element(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(d.size() / 2), d.end());
    return d[d.size() / 2];
}

// The cell table: ids, centroids (um) and the other numeric columns.
struct CellTable {
    std::string file;
    std::vector<std::string> ids;
    std::vector<double> x, y;
    std::vector<ObsColumn> columns;  // numeric, one value per row
};

CellTable readCellsCsv(const fs::path& file) {
    TextTable table;
    try {
        table = readTextTable(file.string(), true, ',');
    } catch (const TextTableError& e) {
        throw DatasetError(e.what());
    }
    const auto idCol = table.column("cell_id"), xCol = table.column("x_centroid"), yCol = table.column("y_centroid");
    if (!idCol || !xCol || !yCol) throw DatasetError(file.string() + ": header lacks cell_id, x_centroid or y_centroid");
    CellTable t{file.string(), {}, {}, {}, {}};
    std::vector<std::size_t> others;
    for (std::size_t c = 0; c < table.header.size(); ++c)
        if (c != *idCol && c != *xCol && c != *yCol) {
            others.push_back(c);
            t.columns.push_back(ObsColumn{table.header[c]});
        }
    try {
        for (std::size_t r = 0; r < table.rows.size(); ++r) {
            if (*idCol >= table.rows[r].size()) continue;
            t.ids.push_back(table.rows[r][*idCol]);
            t.x.push_back(table.number(r, *xCol));
            t.y.push_back(table.number(r, *yCol));
            for (std::size_t k = 0; k < others.size(); ++k) t.columns[k].numbers.push_back(table.number(r, others[k]));
        }
    } catch (const TextTableError& e) {
        throw DatasetError(e.what());
    }
    return t;
}

// cells.parquet (Xenium Onboard Analysis writes it beside, or instead of,
// cells.csv.gz): the numeric columns; text columns (segmentation_method) are left out.
CellTable readCellsParquet(const fs::path& file) {
    try {
        const ParquetFile f = ParquetFile::open(file.string());
        CellTable t{file.string(), f.readStrings("cell_id"), f.readDoubles("x_centroid"), f.readDoubles("y_centroid"), {}};
        for (const auto& c : f.columns()) {
            const bool numeric = c.physicalType != ParquetType::ByteArray && c.physicalType != ParquetType::Boolean;
            if (!c.readable || !numeric || c.name == "x_centroid" || c.name == "y_centroid") continue;
            ObsColumn column{c.name};
            column.numbers = f.readDoubles(c.name);
            t.columns.push_back(std::move(column));
        }
        return t;
    } catch (const ParquetError& e) {
        throw DatasetError(e.what());
    }
}

CellTable readCells(const fs::path& dir) {
    for (const char* name : {"cells.csv.gz", "cells.csv"})
        if (fs::exists(dir / name)) return readCellsCsv(dir / name);
    if (fs::exists(dir / "cells.parquet")) return readCellsParquet(dir / "cells.parquet");
    throw DatasetError(dir.string() + ": no cells.csv.gz or cells.parquet (cell centroids) in this folder");
}

// Each matrix cell's centroid and columns; a cell without a centroid is an error.
void joinCells(SpatialDataset& ds, const CellTable& cells) {
    std::unordered_map<std::string, std::size_t> rowOf;
    for (std::size_t r = 0; r < cells.ids.size(); ++r) rowOf.emplace(cells.ids[r], r);
    std::vector<ObsColumn> extra;
    for (const auto& c : cells.columns) extra.push_back(ObsColumn{c.name});
    for (const auto& id : ds.obsNames) {
        const auto it = rowOf.find(id);
        if (it == rowOf.end()) throw DatasetError(cells.file + ": cell " + id + " of the matrix has no centroid");
        ds.coordinates.push_back({cells.x[it->second], cells.y[it->second]});
        for (std::size_t k = 0; k < extra.size(); ++k) extra[k].numbers.push_back(cells.columns[k].numbers[it->second]);
    }
    for (auto& c : extra) ds.obs.push_back(std::move(c));
}

}  // namespace

SpatialDataset readXenium(const std::string& path, double pixelSize) {
    const fs::path dir = fs::is_regular_file(path) ? fs::path(path).parent_path() : fs::path(path);
    const fs::path matrixPath = dir / "cell_feature_matrix.h5";
    if (!fs::exists(matrixPath)) throw DatasetError(dir.string() + ": no cell_feature_matrix.h5 in this folder");
    const CellTable cells = readCells(dir);

    TenxMatrix m = readTenxMatrix(matrixPath.string());
    SpatialDataset ds;
    ds.source = dir.string();
    ds.format = "xenium";
    ds.obsNames = m.barcodes;

    std::vector<std::int64_t> genes;
    std::unordered_map<std::string, std::vector<std::int64_t>> controls;
    for (std::size_t i = 0; i < m.featureIds.size(); ++i) {
        const std::string type = m.featureTypes.empty() ? "Gene Expression" : m.featureTypes[i];
        if (type == "Gene Expression") genes.push_back(static_cast<std::int64_t>(i));
        else controls[type].push_back(static_cast<std::int64_t>(i));
    }
    for (const auto g : genes) {
        ds.geneNames.push_back(m.featureNames[g]);
        ds.geneIds.push_back(m.featureIds[g]);
    }
    for (const auto& [type, columns] : controls) {
        ObsColumn c{type};
        c.numbers = m.counts.selectColumns(columns).rowSums();
        ds.obs.push_back(std::move(c));
    }
    ds.expression = genes.size() == m.featureIds.size() ? std::move(m.counts) : m.counts.selectColumns(genes);

    joinCells(ds, cells);
    ds.coordinateUnits = "micrometres";
    ds.spotDiameter = medianCellDiameter(ds);

    if (fs::exists(dir / "experiment.xenium")) {
        try {
            if (const auto p = readJsonFile((dir / "experiment.xenium").string()).number("pixel_size"); p && *p > 0) pixelSize = *p;
        } catch (const JsonError& e) {
            throw DatasetError(e.what());
        }
    }
    ds.metadata["pixel_size"] = pixelSize;
    for (const auto& entry : fs::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (name.find("imagealignment.csv") == std::string::npos) continue;
        try {
            const TextTable a = readTextTable(entry.path().string(), false, ',');
            if (a.rows.size() < 2 || a.rows[0].size() < 3 || a.rows[1].size() < 3) {
                throw DatasetError(entry.path().string() + ": expected a 3 x 3 alignment matrix");
            }
            const AffineTransform heToMorphology{{a.number(0, 0), a.number(0, 1), a.number(0, 2), a.number(1, 0),
                                                  a.number(1, 1), a.number(1, 2)}};
            ds.toSlide = heToMorphology.inverse().after(AffineTransform::scale(1.0 / pixelSize, 1.0 / pixelSize));
        } catch (const TextTableError& e) {
            throw DatasetError(e.what());
        } catch (const std::domain_error&) {
            throw DatasetError(entry.path().string() + ": the alignment matrix is singular");
        }
        break;
    }
    ds.validate();
    return ds;
}

}  // namespace hescape
