// readXenium: matrix + centroids joined on cell id; the alignment matrix maps
// H&E pixels to morphology pixels, so slide = inverse(alignment) * (um / pixel size).
#include "core/spatial/XeniumReader.h"

#include "core/io/Json.h"
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

}  // namespace

SpatialDataset readXenium(const std::string& path, double pixelSize) {
    const fs::path dir = fs::is_regular_file(path) ? fs::path(path).parent_path() : fs::path(path);
    const fs::path matrixPath = dir / "cell_feature_matrix.h5";
    if (!fs::exists(matrixPath)) throw DatasetError(dir.string() + ": no cell_feature_matrix.h5 in this folder");
    fs::path cellsPath = dir / "cells.csv.gz";
    if (!fs::exists(cellsPath)) cellsPath = dir / "cells.csv";
    if (!fs::exists(cellsPath) && fs::exists(dir / "cells.parquet")) {
        throw DatasetError((dir / "cells.parquet").string() +
                           ": the cell centroids are only in Parquet here, which this version does not read yet; "
                           "a cells.csv.gz beside it (Xenium Onboard Analysis writes both) is read instead");
    }
    if (!fs::exists(cellsPath)) throw DatasetError(dir.string() + ": no cells.csv.gz (cell centroids) in this folder");

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

    TextTable cells;
    try {
        cells = readTextTable(cellsPath.string(), true, ',');
    } catch (const TextTableError& e) {
        throw DatasetError(e.what());
    }
    const auto idCol = cells.column("cell_id"), xCol = cells.column("x_centroid"), yCol = cells.column("y_centroid");
    if (!idCol || !xCol || !yCol) {
        throw DatasetError(cellsPath.string() + ": header lacks cell_id, x_centroid or y_centroid");
    }
    std::unordered_map<std::string, std::size_t> rowOf;
    for (std::size_t r = 0; r < cells.rows.size(); ++r)
        if (*idCol < cells.rows[r].size()) rowOf.emplace(cells.rows[r][*idCol], r);
    std::vector<std::pair<std::string, std::size_t>> numericColumns;
    for (std::size_t c = 0; c < cells.header.size(); ++c)
        if (c != *idCol && c != *xCol && c != *yCol) numericColumns.emplace_back(cells.header[c], c);
    std::vector<ObsColumn> extra(numericColumns.size());
    for (std::size_t k = 0; k < extra.size(); ++k) extra[k].name = numericColumns[k].first;
    try {
        for (const auto& id : ds.obsNames) {
            const auto it = rowOf.find(id);
            if (it == rowOf.end()) throw DatasetError(cellsPath.string() + ": cell " + id + " of the matrix has no centroid");
            ds.coordinates.push_back({cells.number(it->second, *xCol), cells.number(it->second, *yCol)});
            for (std::size_t k = 0; k < extra.size(); ++k) extra[k].numbers.push_back(cells.number(it->second, numericColumns[k].second));
        }
    } catch (const TextTableError& e) {
        throw DatasetError(e.what());
    }
    for (auto& c : extra) ds.obs.push_back(std::move(c));
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
