// readSpatialTranscriptomics: dense counts table -> CSR, joined to the
// selection file on "x" + "x" + "y".
#include "core/spatial/StReader.h"

#include "core/io/TextTable.h"

#include <cmath>
#include <unordered_map>

namespace hescape {

namespace {

std::string spotKey(double x, double y) {
    return std::to_string(static_cast<long long>(std::llround(x))) + "x" + std::to_string(static_cast<long long>(std::llround(y)));
}

}  // namespace

SpatialDataset readSpatialTranscriptomics(const StFiles& files, double micronsPerPixel) {
    TextTable counts, selection;
    try {
        counts = readTextTable(files.counts, true, '\t');
        selection = readTextTable(files.selection, true, '\t');
    } catch (const TextTableError& e) {
        throw DatasetError(e.what());
    }
    SpatialDataset ds;
    ds.source = files.counts;
    ds.format = "st";
    if (counts.header.size() < 2) throw DatasetError(files.counts + ": the header names no genes");
    ds.geneNames.assign(counts.header.begin() + 1, counts.header.end());
    const auto nGenes = static_cast<std::int64_t>(ds.geneNames.size());

    const auto xCol = selection.column("x"), yCol = selection.column("y"), pxCol = selection.column("pixel_x"),
               pyCol = selection.column("pixel_y"), selCol = selection.column("selected");
    if (!xCol || !yCol || !pxCol || !pyCol) {
        throw DatasetError(files.selection + ": header lacks x, y, pixel_x or pixel_y");
    }
    std::unordered_map<std::string, std::size_t> rowOf;
    try {
        for (std::size_t r = 0; r < selection.rows.size(); ++r) {
            if (selCol && selection.number(r, *selCol) != 1) continue;
            rowOf.emplace(spotKey(selection.number(r, *xCol), selection.number(r, *yCol)), r);
        }
    } catch (const TextTableError& e) {
        throw DatasetError(e.what());
    }

    std::vector<std::int64_t> indptr{0};
    std::vector<std::int32_t> indices;
    std::vector<float> data;
    bool integral = true;
    ObsColumn arrayX{"array_x"}, arrayY{"array_y"};
    for (std::size_t r = 0; r < counts.rows.size(); ++r) {
        const auto& row = counts.rows[r];
        const std::string where = files.counts + ": line " + std::to_string(r + 2);
        if (static_cast<std::int64_t>(row.size()) != nGenes + 1) {
            throw DatasetError(where + " has " + std::to_string(row.size()) + " fields, expected " + std::to_string(nGenes + 1));
        }
        const auto it = rowOf.find(row[0]);
        if (it == rowOf.end()) {
            throw DatasetError(files.selection + ": spot " + row[0] + " of " + files.counts + " has no selected position");
        }
        ds.obsNames.push_back(row[0]);
        try {
            ds.coordinates.push_back({selection.number(it->second, *pxCol), selection.number(it->second, *pyCol)});
            arrayX.numbers.push_back(selection.number(it->second, *xCol));
            arrayY.numbers.push_back(selection.number(it->second, *yCol));
            for (std::int64_t g = 0; g < nGenes; ++g) {
                const std::string& f = row[static_cast<std::size_t>(g + 1)];
                if (f == "0") continue;  // the common case, without a parse
                const double v = counts.number(r, static_cast<std::size_t>(g + 1));
                if (!std::isfinite(v) || v < 0) throw DatasetError(where + ", gene " + ds.geneNames[g] + ": count '" + f + "' is not a non-negative number");
                integral = integral && v == std::floor(v);
                if (v != 0) {
                    indices.push_back(static_cast<std::int32_t>(g));
                    data.push_back(static_cast<float>(v));
                }
            }
        } catch (const TextTableError& e) {
            throw DatasetError(e.what());
        }
        indptr.push_back(static_cast<std::int64_t>(data.size()));
    }
    const auto nSpots = static_cast<std::int64_t>(ds.obsNames.size());
    ds.expression = ExpressionMatrix::sparse(MatrixLayout::Csr, nSpots, nGenes, std::move(indptr), std::move(indices), std::move(data));
    ds.expression.setIntegerValued(integral);
    ds.obs = {std::move(arrayX), std::move(arrayY)};
    ds.coordinateUnits = "pixels";
    ds.spotDiameter = 100.0 / micronsPerPixel;  // ST spots are 100 um across
    ds.metadata["microns_per_pixel"] = micronsPerPixel;
    ds.validate();
    return ds;
}

}  // namespace hescape
