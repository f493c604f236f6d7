// readSpatialDataStore: the table, the shapes its rows annotate (spatialdata's
// TableModel: uns/spatialdata_attrs region, region_key, instance_key; each
// row's instance id is an index entry of its region's shapes), a coordinate
// system they share, an image in it, and the composed transform
//   dataset -> coordinate system (the shapes' own transformation)
//           -> image level-0 pixels (the inverse of the image's).
#include "core/io/ParquetMetadata.h"
#include "core/io/ZarrCodecs.h"
#include "core/spatial/AnnDataZarrReader.h"
#include "core/spatial/SpatialDataShapes.h"
#include "core/spatial/SpatialDataStore.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <limits>
#include <set>
#include <unordered_map>

namespace hescape {

namespace {

[[noreturn]] void fail(const std::string& store, const std::string& element, const std::string& what) {
    throw DatasetError(store + ": " + element + ": " + what);
}

const SpatialDataElement& chooseTable(const SpatialDataListing& l, const std::string& wanted) {
    std::vector<const SpatialDataElement*> tables;
    for (const auto& e : l.elements)
        if (e.kind == "tables" && (wanted.empty() || e.name == wanted)) tables.push_back(&e);
    if (tables.empty()) throw DatasetError(l.path + ": tables: " + (wanted.empty() ? "the store has no table" : "has no table '" + wanted + "'"));
    if (tables.size() > 1) {
        std::string names;
        for (const auto* t : tables) names += (names.empty() ? "" : ", ") + t->name;
        throw DatasetError(l.path + ": tables: the store has several tables (" + names + "); name the one to read");
    }
    if (!tables[0]->error.empty()) throw DatasetError(tables[0]->error);
    return *tables[0];
}

// An obs column as ids: strings and categories as they are, integers in decimal.
std::vector<std::string> idsOf(const ObsColumn& c, const std::string& store, const std::string& where) {
    std::vector<std::string> out;
    out.reserve(c.size());
    for (std::size_t i = 0; i < c.size(); ++i) {
        if (c.kind != ObsColumn::Kind::Numeric) {
            out.push_back(c.text(i));
            continue;
        }
        const double v = c.numbers[i];
        if (!std::isfinite(v) || v != std::floor(v) || std::abs(v) > 9.0e15)
            fail(store, where, "row " + std::to_string(i) + " holds " + c.text(i) + ", which is not an integer id");
        out.push_back(std::to_string(static_cast<long long>(v)));
    }
    return out;
}

struct Annotation {
    std::vector<std::string> region;    // per row: the shapes element
    std::vector<std::string> instance;  // per row: its id there
    std::vector<std::string> elements;  // the distinct regions, in order of appearance
};

Annotation annotate(const SpatialDataset& ds, const SpatialDataTableAttrs& a, const std::string& store, const std::string& table) {
    const std::string uns = table + "/uns/spatialdata_attrs";
    if (a.regions.empty()) fail(store, uns, "has no 'region': the table annotates no element, so its rows have no positions");
    if (a.instanceKey.empty()) fail(store, uns, "has no 'instance_key': the rows cannot be matched to shapes");
    if (a.regions.size() > 1 && a.regionKey.empty()) fail(store, uns, "lists several regions but no 'region_key'");
    Annotation out;
    const ObsColumn* inst = ds.obsColumn(a.instanceKey);
    if (!inst) fail(store, table + "/obs", "has no column '" + a.instanceKey + "' (the instance_key)");
    out.instance = idsOf(*inst, store, table + "/obs/" + a.instanceKey);
    if (a.regionKey.empty()) {
        out.region.assign(ds.obsNames.size(), a.regions[0]);
    } else {
        const ObsColumn* reg = ds.obsColumn(a.regionKey);
        if (!reg) fail(store, table + "/obs", "has no column '" + a.regionKey + "' (the region_key)");
        out.region = idsOf(*reg, store, table + "/obs/" + a.regionKey);
    }
    for (std::size_t i = 0; i < out.region.size(); ++i) {
        if (std::find(a.regions.begin(), a.regions.end(), out.region[i]) == a.regions.end())
            fail(store, table + "/obs/" + a.regionKey, "row " + std::to_string(i) + " names region '" + out.region[i] +
                                                          "', which is not among the table's regions");
        if (std::find(out.elements.begin(), out.elements.end(), out.region[i]) == out.elements.end()) out.elements.push_back(out.region[i]);
    }
    return out;
}

ShapesElement annotatedShapes(const SpatialDataListing& l, const std::string& name, const std::string& table) {
    if (const SpatialDataElement* e = l.find("shapes", name)) return readShapesElement(e->path, name);
    for (const char* kind : {"labels", "points", "images"})
        if (l.find(kind, name))
            fail(l.path, table + "/uns/spatialdata_attrs", "region '" + name + "' is a " + kind +
                                                              " element; only shapes elements are read as observations");
    fail(l.path, table + "/uns/spatialdata_attrs", "region '" + name + "' names no element of the store (no shapes/" + name + ")");
}

const ElementTransform* transformTo(const std::vector<ElementTransform>& ts, const std::string& cs) {
    for (const auto& t : ts)
        if (t.coordinateSystem == cs) return &t;
    return nullptr;
}

std::string chooseSystem(const std::vector<ShapesElement>& shapes, const std::string& wanted, const std::string& store) {
    std::set<std::string> common;
    for (const auto& t : shapes[0].transforms) common.insert(t.coordinateSystem);
    for (const auto& s : shapes) {
        std::set<std::string> mine;
        for (const auto& t : s.transforms) mine.insert(t.coordinateSystem);
        if (!wanted.empty() && !mine.count(wanted))
            fail(store, "shapes/" + s.name, "has no transformation to coordinate system '" + wanted + "'");
        std::erase_if(common, [&](const std::string& c) { return !mine.count(c); });
    }
    if (!wanted.empty()) return wanted;
    if (common.empty()) fail(store, "shapes", "the annotated shapes elements share no coordinate system");
    return common.count("global") ? "global" : *common.begin();
}

struct ImageChoice {
    const SpatialDataElement* element = nullptr;
    ElementTransform toSystem;
};

ImageChoice chooseImage(const SpatialDataListing& l, const SpatialDataOptions& o, const std::string& cs) {
    ImageChoice best;
    if (o.withoutImage) return best;
    double bestArea = std::numeric_limits<double>::infinity();
    for (const auto& e : l.elements) {
        if (e.kind != "images" || (!o.image.empty() && e.name != o.image)) continue;
        if (!e.error.empty()) throw DatasetError(e.error);  // cannot tell where a damaged image lies
        const ElementTransform* t = transformTo(e.transforms, cs);
        if (!t) {
            if (!o.image.empty()) fail(l.path, "images/" + e.name, "has no transformation to coordinate system '" + cs + "'");
            continue;
        }
        // The finest level-0 pixels (the smallest pixel area in the system) show the most.
        const auto& m = t->toSystem.m;
        const double area = std::abs(m[0] * m[4] - m[1] * m[3]);
        if (area < bestArea) best = {&e, *t}, bestArea = area;
    }
    if (!o.image.empty() && !best.element) fail(l.path, "images", "has no image '" + o.image + "'");
    return best;
}

AffineTransform systemToImage(const ImageChoice& img, const std::string& store, const std::string& cs) {
    if (!img.element) return {};
    try {
        return img.toSystem.toSystem.inverse();
    } catch (const std::domain_error&) {
        fail(store, "images/" + img.element->name, "multiscales coordinateTransformations: the transformation to '" + cs +
                                                       "' is not invertible, so nothing maps onto the image's pixels");
    }
}

// The dataset's map onto every image of the coordinate system, by the image's
// folder, so that whichever image is open as the slide places the spots
// (transformForSlide). Images that cannot be inverted are left out.
std::map<std::string, AffineTransform> toEveryImage(const SpatialDataListing& l, const std::string& cs, const AffineTransform& dataToSystem) {
    std::map<std::string, AffineTransform> out;
    for (const auto& e : l.elements) {
        if (e.kind != "images" || !e.error.empty()) continue;
        const ElementTransform* t = transformTo(e.transforms, cs);
        if (!t) continue;
        try {
            out[imagePathKey(e.path)] = t->toSystem.inverse().after(dataToSystem);
        } catch (const std::domain_error&) {
        }
    }
    return out;
}

struct Placement {
    std::vector<Point2> xy;
    std::vector<double> diameter;
};

// Each row at its shape's centre: in the element's units, or (inSystem) in the coordinate system's.
Placement place(const SpatialDataset& ds, const Annotation& ann, const std::vector<ShapesElement>& shapes,
                const std::vector<AffineTransform>& toSystem, bool inSystem, const std::string& store, const std::string& instanceField) {
    std::vector<std::unordered_map<std::string, std::size_t>> lookup(shapes.size());
    for (std::size_t k = 0; k < shapes.size(); ++k)
        for (std::size_t i = 0; i < shapes[k].ids.size(); ++i) lookup[k].emplace(shapes[k].ids[i], i);
    Placement p;
    p.xy.reserve(ann.region.size());
    for (std::size_t r = 0; r < ann.region.size(); ++r) {
        const std::size_t k = static_cast<std::size_t>(std::find(ann.elements.begin(), ann.elements.end(), ann.region[r]) - ann.elements.begin());
        const auto it = lookup[k].find(ann.instance[r]);
        if (it == lookup[k].end())
            fail(store, instanceField, "row " + std::to_string(r) + " ('" + ds.obsNames[r] + "'): instance '" + ann.instance[r] +
                                           "' is not in shapes element '" + shapes[k].name + "'");
        const ShapeCentre& s = shapes[k].shapes[it->second];
        if (!std::isfinite(s.x) || !std::isfinite(s.y))
            fail(store, "shapes/" + shapes[k].name, "shape '" + ann.instance[r] + "' (table row " + std::to_string(r) +
                                                       ") has no finite centre (NaN or infinite coordinates)");
        Point2 xy{s.x, s.y};
        double d = shapes[k].diameter(it->second);
        if (inSystem) {
            toSystem[k].apply(s.x, s.y, xy.x, xy.y);
            d *= toSystem[k].meanScale();
        }
        p.xy.push_back(xy);
        p.diameter.push_back(d);
    }
    return p;
}

// One diameter when the shapes share it; otherwise their median, and each in obs "shape_diameter".
void setDiameters(SpatialDataset& ds, const std::vector<double>& d) {
    std::vector<double> known;
    for (const double v : d)
        if (std::isfinite(v) && v > 0) known.push_back(v);
    if (known.empty()) return;  // e.g. circles whose radii are NaN
    const auto [lo, hi] = std::minmax_element(known.begin(), known.end());
    if (*hi - *lo <= 1e-9 * *hi) {
        ds.spotDiameter = known[0];
        return;
    }
    std::nth_element(known.begin(), known.begin() + static_cast<std::ptrdiff_t>(known.size() / 2), known.end());
    ds.spotDiameter = known[known.size() / 2];
    if (ds.obsColumn("shape_diameter")) return;  // never replace the table's own column
    ObsColumn c;
    c.name = "shape_diameter";
    c.numbers = d;
    ds.obs.push_back(std::move(c));
}

void record(SpatialDataset& ds, const SpatialDataChoice& c) {
    // ds.metadata holds numbers: the names chosen are in its keys.
    ds.metadata["spatialdata.table:" + c.table] = 1;
    for (const auto& s : c.shapes) ds.metadata["spatialdata.shapes:" + s] = 1;
    ds.metadata["spatialdata.coordinate_system:" + c.coordinateSystem] = 1;
    if (!c.image.empty()) ds.metadata["spatialdata.image:" + c.image] = 1;
    ds.metadata["spatialdata.microns_per_pixel_known"] = c.micronsPerPixel ? 1 : 0;
    if (c.micronsPerPixel) ds.metadata["microns_per_pixel"] = *c.micronsPerPixel;
}

// Microns per slide pixel: per image level-0 pixel, or per coordinate system unit without an image.
std::optional<double> micronsPerPixel(const ImageChoice& img, const std::string& systemUnit) {
    const double perUnit = micronsPerUnit(img.element ? img.toSystem.unit : systemUnit);
    if (!(perUnit > 0)) return std::nullopt;  // spatialdata's placeholder "unit" says nothing
    const double mpp = (img.element ? img.toSystem.toSystem.meanScale() : 1.0) * perUnit;
    return std::isfinite(mpp) && mpp > 0 ? std::optional<double>(mpp) : std::nullopt;
}

SpatialDataset read(const std::string& path, const SpatialDataOptions& options, const Progress& progress, SpatialDataChoice& c) {
    const SpatialDataListing listing = listSpatialDataStore(path);
    const SpatialDataElement& table = chooseTable(listing, options.table);
    const std::string tableRel = "tables/" + table.name;
    const SpatialDataTableAttrs attrs = readSpatialDataTableAttrs(table.path);
    SpatialDataset ds = readAnnDataZarr(table.path, stageProgress(progress, 0.0, 0.8), false);  // positions: the shapes
    const Annotation ann = annotate(ds, attrs, path, tableRel);
    progress.update(0.8, "reading shapes");
    std::vector<ShapesElement> shapes;
    for (const auto& name : ann.elements) shapes.push_back(annotatedShapes(listing, name, tableRel));
    c.table = table.name;
    c.coordinateSystem = chooseSystem(shapes, options.coordinateSystem, path);
    std::vector<AffineTransform> toSystem;
    std::string systemUnit;
    for (const auto& s : shapes) {
        const ElementTransform* t = transformTo(s.transforms, c.coordinateSystem);
        toSystem.push_back(t->toSystem);
        systemUnit = t->unit;
        c.shapes.push_back(s.name);
    }
    const ImageChoice img = chooseImage(listing, options, c.coordinateSystem);
    const AffineTransform systemToPixels = systemToImage(img, path, c.coordinateSystem);
    const bool single = shapes.size() == 1;
    Placement p = place(ds, ann, shapes, toSystem, !single, path, tableRel + "/obs/" + attrs.instanceKey);
    ds.coordinates = std::move(p.xy);
    setDiameters(ds, p.diameter);
    ds.toSlide = single ? systemToPixels.after(toSystem[0]) : systemToPixels;
    ds.toImages = toEveryImage(listing, c.coordinateSystem, single ? toSystem[0] : AffineTransform{});
    if (img.element) {
        c.image = img.element->name;
        c.imagePath = img.element->path;
    }
    c.micronsPerPixel = micronsPerPixel(img, systemUnit);
    ds.source = path;
    ds.format = "spatialdata";
    ds.coordinateUnits = single ? "units of shapes '" + shapes[0].name + "'" : "units of coordinate system '" + c.coordinateSystem + "'";
    record(ds, c);
    ds.validate();
    return ds;
}

}  // namespace

std::string defaultImagePath(const SpatialDataListing& l) {
    const auto& systems = l.coordinateSystems;
    const std::string cs = std::count(systems.begin(), systems.end(), "global") ? "global" : systems.empty() ? "" : systems.front();
    try {
        const ImageChoice c = chooseImage(l, {}, cs);
        return c.element ? c.element->path : std::string();
    } catch (const DatasetError&) {
        return {};  // a damaged image: the data set's reader says so
    }
}

SpatialDataset readSpatialDataStore(const std::string& path, const SpatialDataOptions& options, const Progress& progress,
                                    SpatialDataChoice* choice) {
    SpatialDataChoice c;
    SpatialDataset ds;
    try {
        ds = read(path, options, progress, c);
    } catch (const ZarrError& e) {
        throw DatasetError(e.what());
    } catch (const ParquetError& e) {
        throw DatasetError(e.what());
    } catch (const JsonError& e) {
        throw DatasetError(e.what());
    }
    progress.update(1.0, "done");
    if (choice) *choice = c;
    return ds;
}

}  // namespace hescape
