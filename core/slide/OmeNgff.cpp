// OmeNgff: the group attributes (.zattrs for Zarr v2, zarr.json "attributes"
// -> "ome" for v3) into an NgffImage, with every field checked.
#include "core/slide/OmeNgff.h"

#include "core/io/Json.h"
#include "core/slide/Slide.h"

#include <cmath>
#include <filesystem>
#include <set>

namespace hescape {

namespace fs = std::filesystem;

namespace {

struct Attributes {
    std::string file;
    JsonValue ome;  // the object holding "multiscales" (and "omero", "version")
};

std::optional<Attributes> attributesOf(const std::string& dir) {
    const fs::path v3 = fs::path(dir) / "zarr.json", v2 = fs::path(dir) / ".zattrs";
    std::error_code ec;
    if (fs::is_regular_file(v3, ec)) {
        const JsonValue meta = readJsonFile(v3.string());
        const JsonValue* attrs = meta.find("attributes");
        if (!attrs) return Attributes{v3.string(), JsonValue(JsonValue::Object{})};
        const JsonValue* ome = attrs->find("ome");
        return Attributes{v3.string(), ome ? *ome : *attrs};
    }
    if (fs::is_regular_file(v2, ec)) return Attributes{v2.string(), readJsonFile(v2.string())};
    return std::nullopt;
}

// The image group: `dir` itself, or series 0 of a bioformats2raw layout.
std::optional<Attributes> imageAttributes(const std::string& dir, std::string& group) {
    group = dir;
    auto attrs = attributesOf(dir);
    if (attrs && !attrs->ome.find("multiscales") && attrs->ome.find("bioformats2raw.layout")) {
        group = (fs::path(dir) / "0").string();
        attrs = attributesOf(group);
    }
    return attrs;
}

std::vector<double> numbers(const JsonValue& v, std::size_t count, const std::string& file, const std::string& field, bool positive) {
    if (!v.isArray() || v.asArray().size() != count)
        throw SlideError(file + ": " + field + " must hold " + std::to_string(count) + " numbers, one per axis");
    std::vector<double> out;
    for (const auto& e : v.asArray()) {
        if (!e.isNumber() || !std::isfinite(e.asNumber()) || (positive && !(e.asNumber() > 0)))
            throw SlideError(file + ": " + field + " holds a value that is not " + (positive ? "a positive number" : "a finite number"));
        out.push_back(e.asNumber());
    }
    return out;
}

// Applies a coordinateTransformations list to (scale, translation).
// `skipNamedSystems`: transforms with an "input"/"output" coordinate system
// (SpatialData's element -> coordinate-system maps, kept beside NGFF's own in
// multiscales) are left out: they place the image in a study, they do not
// describe its pixels, and core/spatial/SpatialDataTransforms reads them.
void compose(const JsonValue* list, std::vector<double>& scale, std::vector<double>& translation, const std::string& file,
             const std::string& where, bool skipNamedSystems = false) {
    if (!list) return;
    if (!list->isArray()) throw SlideError(file + ": " + where + " coordinateTransformations is not a list");
    for (const auto& t : list->asArray()) {
        if (skipNamedSystems && (t.find("output") || t.find("input"))) continue;
        const JsonValue* type = t.find("type");
        const std::string name = type && type->isString() ? type->asString() : "";
        if (name == "identity") continue;
        if (name != "scale" && name != "translation")
            throw SlideError(file + ": " + where + " coordinateTransformation '" + name + "' is not supported (scale, translation are)");
        const JsonValue* values = t.find(name);
        if (!values) throw SlideError(file + ": " + where + " " + name + " transformation has no inline '" + name + "' values (a 'path' is not read)");
        const auto v = numbers(*values, scale.size(), file, where + " " + name, name == "scale");
        for (std::size_t d = 0; d < v.size(); ++d) {
            if (name == "scale") {
                scale[d] *= v[d];
                translation[d] *= v[d];
            } else {
                translation[d] += v[d];
            }
        }
    }
}

std::vector<NgffAxis> readAxes(const JsonValue& ms, const std::string& version, const std::string& file) {
    const JsonValue* axes = ms.find("axes");
    if (!axes) {
        if (version == "0.1" || version == "0.2") return {{"t", "time", ""}, {"c", "channel", ""}, {"z", "space", ""}, {"y", "space", ""}, {"x", "space", ""}};
        throw SlideError(file + ": multiscales has no 'axes'");
    }
    if (!axes->isArray() || axes->asArray().size() < 2 || axes->asArray().size() > 5)
        throw SlideError(file + ": multiscales 'axes' must list 2 to 5 axes");
    std::vector<NgffAxis> out;
    std::set<std::string> seen;
    for (const auto& a : axes->asArray()) {
        NgffAxis axis;
        if (a.isString()) axis.name = a.asString();  // NGFF 0.3: names only
        else if (const JsonValue* n = a.find("name"); n && n->isString()) {
            axis.name = n->asString();
            if (const JsonValue* t = a.find("type"); t && t->isString()) axis.type = t->asString();
            if (const JsonValue* u = a.find("unit"); u && u->isString()) axis.unit = u->asString();
        } else throw SlideError(file + ": an axis has no 'name'");
        if (!seen.insert(axis.name).second) throw SlideError(file + ": axis '" + axis.name + "' is listed twice");
        out.push_back(axis);
    }
    const std::size_t n = out.size();
    if (out[n - 2].name != "y" || out[n - 1].name != "x")
        throw SlideError(file + ": the last two axes must be 'y' and 'x' (they are '" + out[n - 2].name + "' and '" + out[n - 1].name + "')");
    return out;
}

std::optional<Rgb8> hexColour(const JsonValue* v) {
    if (!v || !v->isString() || v->asString().size() != 6) return std::nullopt;
    try {
        const auto rgb = static_cast<std::uint32_t>(std::stoul(v->asString(), nullptr, 16));
        return Rgb8{static_cast<std::uint8_t>(rgb >> 16), static_cast<std::uint8_t>(rgb >> 8), static_cast<std::uint8_t>(rgb)};
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::vector<NgffChannel> readOmero(const JsonValue& ome) {
    std::vector<NgffChannel> out;
    const JsonValue* omero = ome.find("omero");
    const JsonValue* channels = omero ? omero->find("channels") : nullptr;
    if (!channels || !channels->isArray()) return out;
    for (const auto& c : channels->asArray()) {
        NgffChannel ch;
        if (const JsonValue* l = c.find("label"); l && l->isString()) ch.label = l->asString();
        ch.colour = hexColour(c.find("color"));
        if (const JsonValue* a = c.find("active"); a && a->isBool()) ch.active = a->asBool();
        if (const JsonValue* w = c.find("window")) {
            ch.windowStart = w->number("start");
            ch.windowEnd = w->number("end");
        }
        out.push_back(ch);
    }
    return out;
}

}  // namespace

int NgffImage::axis(const std::string& wanted) const {
    for (std::size_t i = 0; i < axes.size(); ++i)
        if (axes[i].name == wanted) return static_cast<int>(i);
    return -1;
}

bool isOmeZarrImage(const std::string& dir) {
    try {
        std::string group;
        const auto attrs = imageAttributes(dir, group);
        return attrs && attrs->ome.find("multiscales");
    } catch (const JsonError&) {
        // Broken metadata in a Zarr group is claimed, so the error says what is wrong.
        return true;
    }
}

NgffImage readNgffImage(const std::string& dir) {
    NgffImage img;
    std::optional<Attributes> attrs;
    try {
        attrs = imageAttributes(dir, img.group);
    } catch (const JsonError& e) {
        throw SlideError(e.what());
    }
    if (!attrs) throw SlideError(dir + ": is not a Zarr group (no .zattrs or zarr.json)");
    const std::string& file = attrs->file;
    const JsonValue* list = attrs->ome.find("multiscales");
    if (!list || !list->isArray() || list->asArray().empty()) throw SlideError(file + ": has no OME-NGFF 'multiscales'");
    const JsonValue& ms = list->asArray().front();
    const JsonValue* version = ms.find("version");
    if (!version) version = attrs->ome.find("version");
    img.version = version && version->isString() ? version->asString() : "";
    if (const JsonValue* n = ms.find("name"); n && n->isString()) img.name = n->asString();
    img.axes = readAxes(ms, img.version, file);
    const JsonValue* datasets = ms.find("datasets");
    if (!datasets || !datasets->isArray() || datasets->asArray().empty()) throw SlideError(file + ": multiscales has no 'datasets'");
    for (const auto& ds : datasets->asArray()) {
        NgffLevel lv;
        const JsonValue* p = ds.find("path");
        if (!p || !p->isString() || p->asString().empty() || p->asString().find("..") != std::string::npos)
            throw SlideError(file + ": a dataset has no usable 'path'");
        lv.path = p->asString();
        lv.scale.assign(img.axes.size(), 1.0);
        lv.translation.assign(img.axes.size(), 0.0);
        compose(ds.find("coordinateTransformations"), lv.scale, lv.translation, file, "dataset '" + lv.path + "'");
        compose(ms.find("coordinateTransformations"), lv.scale, lv.translation, file, "multiscales", true);
        img.levels.push_back(std::move(lv));
    }
    img.channels = readOmero(attrs->ome);
    return img;
}

}  // namespace hescape
