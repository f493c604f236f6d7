// SpatialDataStore: recognising a store and listing its elements with their
// coordinate systems (readSpatialDataStore is in SpatialDataRead.cpp).
#include "core/spatial/SpatialDataStore.h"

#include "core/io/ZarrHierarchy.h"
#include "core/spatial/AnnDataZarrReader.h"
#include "core/spatial/SpatialDataImages.h"
#include "core/spatial/SpatialDataShapes.h"

#include <algorithm>
#include <filesystem>
#include <set>

namespace hescape {

namespace fs = std::filesystem;

namespace {

constexpr const char* kKinds[] = {"images", "labels", "points", "shapes", "tables"};

std::string joined(const std::vector<std::string>& v, const char* sep = ", ") {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
    return s;
}

// Points keep their transformations as shapes do (io_points.py); their data (points.parquet) is not read.
void describePoints(SpatialDataElement& e) {
    const JsonValue attrs = zarrAttributes(e.path);
    const JsonValue* list = attrs.find("coordinateTransformations");
    if (!list) throw DatasetError(zarrAttributesFile(e.path) + ": has no 'coordinateTransformations'");
    std::vector<std::string> axes = attrs.strings("axes");
    if (axes.empty()) axes = {"x", "y"};
    e.transforms = parseSpatialDataTransforms(*list, axes, zarrAttributesFile(e.path) + ": coordinateTransformations");
    e.detail = "points (not read as observations), axes " + joined(axes, " ");
}

void describeTable(SpatialDataElement& e) {
    const SpatialDataTableAttrs a = readSpatialDataTableAttrs(e.path);
    if (a.regions.empty()) {
        e.detail = "annotates no element (no region in uns/spatialdata_attrs)";
        return;
    }
    e.detail = "annotates " + joined(a.regions) + " (region_key '" + a.regionKey + "', instance_key '" + a.instanceKey + "')";
}

void describe(SpatialDataElement& e) {
    try {
        if (e.kind == "images" || e.kind == "labels") {
            const RasterElement r = readRasterElement(e.path);
            e.transforms = r.transforms;
            e.detail = std::to_string(r.levels) + (r.levels == 1 ? " level" : " levels") + ", axes " + joined(r.axes, " ");
        } else if (e.kind == "shapes") {
            e.transforms = readShapesTransforms(e.path);
            e.detail = fs::exists(fs::path(e.path) / "shapes.parquet") ? "geoparquet" : "zarr arrays";
        } else if (e.kind == "points") {
            describePoints(e);
        } else {
            describeTable(e);
        }
    } catch (const DatasetError& err) {
        e.error = err.what();
    } catch (const std::runtime_error& err) {  // ZarrError, JsonError of a damaged element
        e.error = err.what();
    }
}

}  // namespace

const SpatialDataElement* SpatialDataListing::find(const std::string& kind, const std::string& name) const {
    for (const auto& e : elements)
        if (e.kind == kind && e.name == name) return &e;
    return nullptr;
}

bool isSpatialDataStore(const std::string& path) {
    try {
        if (zarrNodeKind(path) != ZarrNodeKind::Group) return false;
        const JsonValue attrs = zarrAttributes(path);
        const JsonValue* ome = attrs.find("ome");
        if (attrs.find("encoding-type") || attrs.find("multiscales") || (ome && ome->find("multiscales"))) return false;
        if (attrs.find("spatialdata_attrs")) return true;
        for (const char* kind : kKinds)
            if (zarrNodeKind((fs::path(path) / kind).string()) == ZarrNodeKind::Group) return true;
        return false;
    } catch (const std::runtime_error&) {
        return false;  // damaged metadata: not recognisably a store
    }
}

SpatialDataListing listSpatialDataStore(const std::string& path) {
    if (!isSpatialDataStore(path))
        throw DatasetError(path + ": is not a SpatialData store (a Zarr group with images/, labels/, points/, shapes/ or tables/)");
    SpatialDataListing out;
    out.path = path;
    out.zarrFormat = fs::exists(fs::path(path) / "zarr.json") ? 3 : 2;
    const JsonValue attrs = zarrAttributes(path);
    if (const JsonValue* sd = attrs.find("spatialdata_attrs"); sd && sd->find("version") && sd->find("version")->isString())
        out.version = sd->find("version")->asString();
    std::set<std::string> systems;
    for (const char* kind : kKinds) {
        const std::string dir = (fs::path(path) / kind).string();
        if (zarrNodeKind(dir) != ZarrNodeKind::Group) continue;
        for (const auto& name : zarrChildren(dir)) {
            SpatialDataElement e{kind, name, (fs::path(dir) / name).string(), {}, {}, {}};
            describe(e);
            for (const auto& t : e.transforms) systems.insert(t.coordinateSystem);
            out.elements.push_back(std::move(e));
        }
    }
    out.coordinateSystems.assign(systems.begin(), systems.end());
    return out;
}

}  // namespace hescape
