// SpatialDataTransforms: every NGFF transformation as an affine matrix over
// named axes (rows: output axes, columns: input axes and the constant, the
// homogeneous last row left implicit), composed as spatialdata's
// NgffSequence.to_affine does (later step applied after earlier ones).
#include "core/spatial/SpatialDataTransforms.h"

#include "core/spatial/SpatialDataset.h"

#include <algorithm>
#include <cmath>

namespace hescape {

namespace {

using Axes = std::vector<std::string>;

struct NamedAffine {
    Axes in, out;
    std::vector<double> m;  // out.size() rows of in.size() + 1 entries

    double& at(std::size_t r, std::size_t c) { return m[r * (in.size() + 1) + c]; }
    double at(std::size_t r, std::size_t c) const { return m[r * (in.size() + 1) + c]; }
    static NamedAffine zero(Axes in, Axes out) {
        NamedAffine a{std::move(in), std::move(out), {}};
        a.m.assign(a.out.size() * (a.in.size() + 1), 0.0);
        return a;
    }
};

constexpr int kMaxDepth = 16;  // nested sequences

[[noreturn]] void fail(const std::string& where, const std::string& what) { throw DatasetError(where + ": " + what); }

std::size_t indexOf(const Axes& axes, const std::string& name) {
    return static_cast<std::size_t>(std::find(axes.begin(), axes.end(), name) - axes.begin());
}

std::string typeOf(const JsonValue& t) {
    const JsonValue* type = t.find("type");
    return type && type->isString() ? type->asString() : "";
}

// The axes of an "input" / "output" coordinate system given as an object; `fallback` otherwise.
Axes axesOf(const JsonValue* cs, const Axes& fallback, const std::string& where) {
    if (!cs || !cs->isObject()) return fallback;
    const JsonValue* axes = cs->find("axes");
    if (!axes || !axes->isArray() || axes->asArray().empty()) fail(where, "a coordinate system has no 'axes'");
    Axes out;
    for (const auto& a : axes->asArray()) {
        const JsonValue* n = a.find("name");
        if (!n || !n->isString() || std::count(out.begin(), out.end(), n->asString())) fail(where, "a coordinate system axis has no unique 'name'");
        out.push_back(n->asString());
    }
    return out;
}

std::vector<double> numbers(const JsonValue* v, std::size_t count, const std::string& where, const std::string& field) {
    if (!v || !v->isArray() || v->asArray().size() != count)
        fail(where, "'" + field + "' must hold " + std::to_string(count) + " numbers");
    std::vector<double> out;
    for (const auto& e : v->asArray()) {
        if (!e.isNumber() || !std::isfinite(e.asNumber())) fail(where, "'" + field + "' holds a value that is not a finite number");
        out.push_back(e.asNumber());
    }
    return out;
}

NamedAffine identity(const Axes& in, const Axes& out, const std::string& where) {
    NamedAffine a = NamedAffine::zero(in, out);
    for (std::size_t r = 0; r < out.size(); ++r) {
        const std::size_t c = indexOf(in, out[r]);
        if (c == in.size()) fail(where, "output axis '" + out[r] + "' is not an input axis");
        a.at(r, c) = 1;
    }
    return a;
}

// scale, translation: one number per input axis, output = input.
NamedAffine diagonal(const JsonValue& t, const std::string& type, const Axes& in, const std::string& where) {
    const auto v = numbers(t.find(type), in.size(), where, type);
    NamedAffine a = identity(in, in, where);
    for (std::size_t d = 0; d < in.size(); ++d) {
        if (type == "scale") a.at(d, d) = v[d];
        else a.at(d, in.size()) = v[d];
    }
    return a;
}

// affine: output rows of (input + 1) numbers; the homogeneous last row may be there too.
NamedAffine affine(const JsonValue& t, const Axes& in, const Axes& out, const std::string& where) {
    const JsonValue* rows = t.find("affine");
    if (!rows || !rows->isArray() || (rows->asArray().size() != out.size() && rows->asArray().size() != out.size() + 1))
        fail(where, "'affine' must hold one row per output axis (" + std::to_string(out.size()) + ")");
    NamedAffine a = NamedAffine::zero(in, out);
    for (std::size_t r = 0; r < rows->asArray().size(); ++r) {
        const auto row = numbers(&rows->asArray()[r], in.size() + 1, where, "affine row " + std::to_string(r));
        if (r == out.size()) {  // the homogeneous row must be 0 ... 0 1
            for (std::size_t c = 0; c <= in.size(); ++c)
                if (row[c] != (c == in.size() ? 1.0 : 0.0)) fail(where, "'affine' last row is not 0 ... 0 1");
            continue;
        }
        std::copy(row.begin(), row.end(), a.m.begin() + static_cast<std::ptrdiff_t>(r * (in.size() + 1)));
    }
    return a;
}

NamedAffine rotation(const JsonValue& t, const Axes& in, const std::string& where) {
    const auto v = numbers(t.find("rotation"), in.size() * in.size(), where, "rotation");
    NamedAffine a = NamedAffine::zero(in, in);
    for (std::size_t r = 0; r < in.size(); ++r)
        for (std::size_t c = 0; c < in.size(); ++c) a.at(r, c) = v[r * in.size() + c];
    return a;
}

// mapAxis: {output axis: input axis}.
NamedAffine mapAxis(const JsonValue& t, const Axes& in, const JsonValue* output, const std::string& where) {
    const JsonValue* map = t.find("mapAxis");
    if (!map || !map->isObject()) fail(where, "'mapAxis' must be an object {output axis: input axis}");
    Axes keys;
    for (const auto& [k, v] : map->asObject()) keys.push_back(k);
    const Axes out = axesOf(output, keys, where);
    NamedAffine a = NamedAffine::zero(in, out);
    for (std::size_t r = 0; r < out.size(); ++r) {
        const JsonValue* src = map->find(out[r]);
        const std::size_t c = src && src->isString() ? indexOf(in, src->asString()) : in.size();
        if (c == in.size()) fail(where, "'mapAxis' does not map output axis '" + out[r] + "' to an input axis");
        a.at(r, c) = 1;
    }
    return a;
}

// b after a: a's outputs feed b's inputs, matched by name.
NamedAffine compose(const NamedAffine& b, const NamedAffine& a, const std::string& where) {
    NamedAffine out = NamedAffine::zero(a.in, b.out);
    const std::size_t k = a.in.size();
    for (std::size_t r = 0; r < b.out.size(); ++r) {
        out.at(r, k) = b.at(r, b.in.size());
        for (std::size_t j = 0; j < b.in.size(); ++j) {
            const std::size_t ar = indexOf(a.out, b.in[j]);
            if (ar == a.out.size()) {
                if (b.at(r, j) != 0) fail(where, "a step reads axis '" + b.in[j] + "', which the step before it does not give");
                continue;
            }
            for (std::size_t c = 0; c <= k; ++c) out.at(r, c) += b.at(r, j) * a.at(ar, c);
        }
    }
    return out;
}

NamedAffine parseOne(const JsonValue& t, const Axes& inherited, const std::string& where, int depth);

NamedAffine sequence(const JsonValue& t, const Axes& in, const std::string& where, int depth) {
    const JsonValue* steps = t.find("transformations");
    if (!steps || !steps->isArray() || steps->asArray().empty()) fail(where, "a sequence has no 'transformations'");
    NamedAffine result = identity(in, in, where);
    for (std::size_t i = 0; i < steps->asArray().size(); ++i) {
        const std::string at = where + " step " + std::to_string(i);
        // A step naming no input takes the previous step's output, as NgffSequence infers it.
        result = compose(parseOne(steps->asArray()[i], result.out, at, depth + 1), result, at);
    }
    return result;
}

NamedAffine parseOne(const JsonValue& t, const Axes& inherited, const std::string& where, int depth) {
    if (depth > kMaxDepth) fail(where, "sequences nest more than " + std::to_string(kMaxDepth) + " deep");
    if (!t.isObject()) fail(where, "a transformation is not a JSON object");
    const std::string type = typeOf(t);
    const Axes in = axesOf(t.find("input"), inherited, where);
    NamedAffine a;
    if (type == "identity") a = identity(in, axesOf(t.find("output"), in, where), where);
    else if (type == "scale" || type == "translation") a = diagonal(t, type, in, where);
    else if (type == "affine") a = affine(t, in, axesOf(t.find("output"), in, where), where);
    else if (type == "rotation") a = rotation(t, in, where);
    else if (type == "mapAxis") a = mapAxis(t, in, t.find("output"), where);
    else if (type == "sequence") a = sequence(t, in, where, depth);
    else
        fail(where, "transformation type '" + type +
                        "' is not supported (identity, scale, translation, affine, rotation, mapAxis, sequence are)");
    // A declared output reorders the rows (spatialdata's Sequence.to_affine_matrix does the same).
    const Axes declared = axesOf(t.find("output"), a.out, where);
    if (declared != a.out) a = compose(identity(a.out, declared, where), a, where);
    return a;
}

// The x, y part; x and y may depend on x and y only.
AffineTransform planar(const NamedAffine& a, const std::string& where) {
    const std::size_t rx = indexOf(a.out, "x"), ry = indexOf(a.out, "y");
    const std::size_t cx = indexOf(a.in, "x"), cy = indexOf(a.in, "y");
    if (rx == a.out.size() || ry == a.out.size()) fail(where, "the coordinate system has no x and y axes");
    if (cx == a.in.size() || cy == a.in.size()) fail(where, "the element has no x and y axes");
    for (const std::size_t r : {rx, ry})
        for (std::size_t c = 0; c < a.in.size(); ++c)
            if (c != cx && c != cy && a.at(r, c) != 0)
                fail(where, "x or y depends on axis '" + a.in[c] + "' (only 2-D maps of x and y are read)");
    const std::size_t k = a.in.size();
    return {{a.at(rx, cx), a.at(rx, cy), a.at(rx, k), a.at(ry, cx), a.at(ry, cy), a.at(ry, k)}};
}

std::string systemName(const JsonValue* output, const std::string& where) {
    if (output && output->isString()) return output->asString();
    const JsonValue* name = output ? output->find("name") : nullptr;
    if (!name || !name->isString() || name->asString().empty()) fail(where, "has no 'output' coordinate system name");
    return name->asString();
}

std::string xUnit(const JsonValue* output) {
    const JsonValue* axes = output ? output->find("axes") : nullptr;
    if (!axes || !axes->isArray()) return {};
    for (const auto& a : axes->asArray()) {
        const JsonValue* n = a.find("name");
        const JsonValue* u = a.find("unit");
        if (n && n->isString() && n->asString() == "x" && u && u->isString()) return u->asString();
    }
    return {};
}

}  // namespace

std::vector<ElementTransform> parseSpatialDataTransforms(const JsonValue& list, const std::vector<std::string>& elementAxes,
                                                        const std::string& where) {
    if (!list.isArray()) fail(where, "is not a list");
    std::vector<ElementTransform> out;
    for (std::size_t i = 0; i < list.asArray().size(); ++i) {
        const JsonValue& t = list.asArray()[i];
        const std::string at = where + "[" + std::to_string(i) + "] (" + typeOf(t) + ")";
        ElementTransform e;
        e.coordinateSystem = systemName(t.find("output"), at);
        e.toSystem = planar(parseOne(t, elementAxes, at, 0), at);
        e.unit = xUnit(t.find("output"));
        // One transformation per system: a later entry replaces an earlier one (spatialdata keeps a dict).
        const auto same = std::find_if(out.begin(), out.end(), [&](const auto& o) { return o.coordinateSystem == e.coordinateSystem; });
        if (same != out.end()) *same = e;
        else out.push_back(e);
    }
    return out;
}

double micronsPerUnit(const std::string& unit) {
    if (unit == "micrometer" || unit == "micron" || unit == "um" || unit == "\xC2\xB5m" || unit == "\xCE\xBCm" || unit == "micrometre") return 1.0;
    if (unit == "nanometer" || unit == "nm") return 1e-3;
    if (unit == "millimeter" || unit == "mm") return 1e3;
    return 0.0;
}

}  // namespace hescape
