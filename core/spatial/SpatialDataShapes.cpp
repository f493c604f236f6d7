// SpatialDataShapes: both storage layouts of a shapes element, each length
// checked against the element's row count before it is used.
#include "core/spatial/SpatialDataShapes.h"

#include "core/io/ParquetFile.h"
#include "core/io/ZarrArray.h"
#include "core/io/ZarrHierarchy.h"
#include "core/io/ZarrStringArray.h"
#include "core/io/ZarrValues.h"
#include "core/spatial/SpatialDataset.h"

#include <cmath>
#include <filesystem>
#include <memory>
#include <unordered_set>

namespace hescape {

namespace fs = std::filesystem;

namespace {

// A shapes element holds at most this many shapes (67 million; Xenium's largest runs hold a few
// million cells): what a declared shape or row count alone can make us allocate.
constexpr std::size_t kMaxShapes = std::size_t{1} << 26;

[[noreturn]] void fail(const std::string& where, const std::string& what) { throw DatasetError(where + ": " + what); }

std::string formatVersion(const JsonValue& attrs) {
    const JsonValue* sd = attrs.find("spatialdata_attrs");
    const JsonValue* v = sd ? sd->find("version") : nullptr;
    return v && v->isString() ? v->asString() : "";
}

std::string integerText(double v) { return std::to_string(static_cast<long long>(v)); }

// ---- GeoParquet (format 0.2, 0.3) -------------------------------------------------------------

JsonValue metadataJson(const ParquetFile& f, const std::string& key) {
    for (const auto& [k, v] : f.keyValueMetadata())
        if (k == key) return parseJson(v, f.path() + " (key_value_metadata '" + key + "')");
    return {};
}

std::string geometryColumn(const ParquetFile& f) {
    const JsonValue geo = metadataJson(f, "geo");
    if (geo.isNull()) fail(f.path(), "has no GeoParquet 'geo' metadata (not written by geopandas?)");
    const JsonValue* primary = geo.find("primary_column");
    const std::string column = primary && primary->isString() ? primary->asString() : "geometry";
    const JsonValue* columns = geo.find("columns");
    const JsonValue* meta = columns ? columns->find(column) : nullptr;
    const JsonValue* encoding = meta ? meta->find("encoding") : nullptr;
    const std::string enc = encoding && encoding->isString() ? encoding->asString() : "";
    if (enc != "WKB")
        fail(f.path(), "geo metadata: column '" + column + "' has encoding '" + enc +
                           "'; only WKB is read (spatialdata's default; re-save with geometry_encoding='WKB')");
    return column;
}

std::vector<std::string> columnText(const ParquetFile& f, const std::string& column) {
    const ParquetColumn c = f.readColumn(column);
    std::vector<std::string> out;
    out.reserve(c.size());
    std::visit([&](const auto& values) {
        for (const auto& v : values) {
            if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string>) out.push_back(v);
            else if constexpr (std::is_floating_point_v<std::decay_t<decltype(v)>>) out.push_back(integerText(v));
            else out.push_back(std::to_string(v));
        }
    }, c.values);
    if (c.nullCount) fail(f.path(), "index column '" + column + "' has missing values");
    return out;
}

// The pandas index of `rows` rows (counted in the geometry column read): a RangeIndex (kept as metadata only) or a column.
std::vector<std::string> parquetIndex(const ParquetFile& f, std::size_t rows) {
    const JsonValue pandas = metadataJson(f, "pandas");
    const JsonValue* index = pandas.find("index_columns");
    const JsonValue* first = index && index->isArray() && !index->asArray().empty() ? &index->asArray()[0] : nullptr;
    std::vector<std::string> ids;
    if (first && first->isString()) return columnText(f, first->asString());
    if (first && first->isObject()) {
        const auto start = first->number("start"), step = first->number("step");
        if (!start || !step || *step == 0) fail(f.path(), "pandas metadata: a range index without start and step");
        for (std::size_t i = 0; i < rows; ++i) ids.push_back(integerText(*start + *step * double(i)));
        return ids;
    }
    for (const auto& c : f.columns())
        if (c.name == "__index_level_0__") return columnText(f, c.name);
    for (std::size_t i = 0; i < rows; ++i) ids.push_back(std::to_string(i));  // no index stored: pandas' default
    return ids;
}

void readGeoParquet(const std::string& file, ShapesElement& e) {
    const ParquetFile f = ParquetFile::open(file);
    if (f.rowCount() < 0 || static_cast<std::uint64_t>(f.rowCount()) > kMaxShapes) fail(file, "has too many rows");
    const auto rows = static_cast<std::size_t>(f.rowCount());
    const std::string column = geometryColumn(f);
    const std::vector<std::string> wkb = f.readStrings(column);
    if (wkb.size() != rows) fail(file, "column '" + column + "' does not have one entry per row");
    e.ids = parquetIndex(f, rows);
    if (e.ids.size() != rows) fail(file, "the index does not have one entry per row");
    for (std::size_t i = 0; i < rows; ++i) {
        try {
            e.shapes.push_back(wkbShapeCentre(wkb[i]));
        } catch (const std::invalid_argument& err) {
            fail(file, "column '" + column + "' row " + std::to_string(i) + " (shape '" + e.ids[i] + "'): " + err.what());
        }
    }
    bool hasRadius = false;
    for (const auto& c : f.columns()) hasRadius = hasRadius || c.name == "radius";
    if (hasRadius) e.radius = f.readDoubles("radius");
}

// ---- Zarr arrays (format 0.1) --------------------------------------------------------------------

std::unique_ptr<ZarrArray> part(const std::string& dir, const std::string& name) {
    const std::string p = (fs::path(dir) / name).string();
    if (zarrNodeKind(p) != ZarrNodeKind::Array) fail(dir, "has no '" + name + "' array");
    return std::make_unique<ZarrArray>(p);
}

std::vector<std::int64_t> offsets(const std::string& dir, const std::string& name, std::int64_t last) {
    const auto a = part(dir, name);
    auto v = readZarrValues<std::int64_t>(*a, kMaxShapes);
    if (v.empty() || v.front() != 0 || v.back() != last) fail(a->path(), "offsets must run from 0 to " + std::to_string(last));
    for (std::size_t i = 1; i < v.size(); ++i)
        if (v[i] < v[i - 1]) fail(a->path(), "offsets decrease at entry " + std::to_string(i));
    return v;
}

// Rings (offset0 -> coords), polygons (offset1 -> rings), multipolygons (offset2 -> polygons), as shapely's to_ragged_array.
void readRaggedPolygons(const std::string& dir, const std::vector<double>& xy, bool multi, ShapesElement& e) {
    const std::int64_t points = static_cast<std::int64_t>(xy.size() / 2);
    const auto rings = offsets(dir, "offset0", points);
    const auto polys = offsets(dir, "offset1", static_cast<std::int64_t>(rings.size()) - 1);
    const auto geoms = multi ? offsets(dir, "offset2", static_cast<std::int64_t>(polys.size()) - 1) : polys;
    const std::size_t n = (multi ? geoms : polys).size() - 1;
    for (std::size_t g = 0; g < n; ++g) {
        PolygonAccumulator acc;
        const auto p0 = multi ? geoms[g] : static_cast<std::int64_t>(g), p1 = multi ? geoms[g + 1] : p0 + 1;
        for (auto p = p0; p < p1; ++p)
            for (auto r = polys[static_cast<std::size_t>(p)]; r < polys[static_cast<std::size_t>(p) + 1]; ++r) {
                const auto c0 = rings[static_cast<std::size_t>(r)], c1 = rings[static_cast<std::size_t>(r) + 1];
                acc.addRing(xy.data() + 2 * c0, static_cast<std::size_t>(c1 - c0), r == polys[static_cast<std::size_t>(p)]);
            }
        try {
            e.shapes.push_back(acc.result(multi ? ShapeKind::MultiPolygon : ShapeKind::Polygon));
        } catch (const std::invalid_argument& err) {
            fail(dir, "shape " + std::to_string(g) + ": " + err.what());
        }
    }
}

void readZarrShapes(const std::string& dir, const JsonValue& attrs, ShapesElement& e) {
    const JsonValue* sd = attrs.find("spatialdata_attrs");
    const JsonValue* geos = sd ? sd->find("geos") : nullptr;
    const auto type = geos ? geos->number("type") : std::nullopt;
    if (!type) fail(zarrAttributesFile(dir), "spatialdata_attrs has no geos 'type'");
    const auto coordsArray = part(dir, "coords");
    if (coordsArray->info().shape.size() != 2 || coordsArray->info().shape[1] != 2)
        fail(coordsArray->path(), "must be an n x 2 array of x, y coordinates");
    const auto xy = readZarrValues<double>(*coordsArray, 2 * kMaxShapes);
    if (*type == 0) {  // shapely GeometryType.POINT
        for (std::size_t i = 0; i + 1 < xy.size(); i += 2) e.shapes.push_back({ShapeKind::Point, xy[i], xy[i + 1], 0});
        const auto r = part(dir, "radius");
        e.radius = readZarrValues<double>(*r, kMaxShapes);
    } else if (*type == 3 || *type == 6) {  // POLYGON, MULTIPOLYGON
        readRaggedPolygons(dir, xy, *type == 6, e);
    } else {
        fail(zarrAttributesFile(dir), "geos type " + integerText(*type) + " is not read (POINT 0, POLYGON 3, MULTIPOLYGON 6 are)");
    }
    const std::string index = (fs::path(dir) / "Index").string();
    if (zarrNodeKind(index) != ZarrNodeKind::Array) fail(dir, "has no 'Index' array");
    if (isZarrStringArray(index)) e.ids = readZarrStrings(index, kMaxShapes);
    else
        for (const double v : readZarrValues<double>(ZarrArray(index), kMaxShapes)) e.ids.push_back(integerText(v));
}

void checkElement(const ShapesElement& e) {
    const std::size_t n = e.ids.size();
    if (e.shapes.size() != n) fail(e.dir, "has " + std::to_string(e.shapes.size()) + " shapes but " + std::to_string(n) + " index entries");
    const bool points = !e.shapes.empty() && e.shapes[0].kind == ShapeKind::Point;
    for (const auto& s : e.shapes)
        if ((s.kind == ShapeKind::Point) != points) fail(e.dir, "mixes circles and polygons");
    if (points && e.radius.size() != n)
        fail(e.dir, "radius: circles need one radius per shape (" + std::to_string(n) + "), found " + std::to_string(e.radius.size()));
    std::unordered_set<std::string> seen;
    for (const auto& id : e.ids)
        if (!seen.insert(id).second) fail(e.dir, "the index holds '" + id + "' more than once");
}

}  // namespace

std::vector<ElementTransform> readShapesTransforms(const std::string& dir) {
    const JsonValue attrs = zarrAttributes(dir);
    const JsonValue* list = attrs.find("coordinateTransformations");
    if (!list) fail(zarrAttributesFile(dir), "has no 'coordinateTransformations'");
    std::vector<std::string> axes = attrs.strings("axes");
    if (axes.empty()) axes = {"x", "y"};
    return parseSpatialDataTransforms(*list, axes, zarrAttributesFile(dir) + ": coordinateTransformations");
}

ShapesElement readShapesElement(const std::string& dir, const std::string& name) {
    ShapesElement e;
    e.name = name;
    e.dir = dir;
    try {
        const JsonValue attrs = zarrAttributes(dir);
        const JsonValue* enc = attrs.find("encoding-type");
        if (enc && (!enc->isString() || enc->asString() != "ngff:shapes"))
            fail(zarrAttributesFile(dir), "encoding-type is not 'ngff:shapes'");
        e.transforms = readShapesTransforms(dir);
        const std::string version = formatVersion(attrs);
        const fs::path parquet = fs::path(dir) / "shapes.parquet";
        if (version == "0.1" || (version.empty() && !fs::exists(parquet))) {
            e.layout = "zarr arrays (format 0.1)";
            readZarrShapes(dir, attrs, e);
        } else {
            e.layout = "geoparquet (format " + (version.empty() ? std::string("?") : version) + ")";
            readGeoParquet(parquet.string(), e);
        }
    } catch (const ZarrError& err) {
        throw DatasetError(err.what());
    } catch (const ParquetError& err) {
        throw DatasetError(err.what());
    } catch (const JsonError& err) {
        throw DatasetError(err.what());
    }
    checkElement(e);
    return e;
}

}  // namespace hescape
