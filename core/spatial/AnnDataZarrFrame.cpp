// AnnDataZarrFrame: data frame columns by their encoding-type (anndata's
// _io/specs/methods.py: write_dataframe, write_categorical, write_nullable,
// write_vlen_string_array_zarr), each length checked before it is read.
#include "core/spatial/AnnDataZarrFrame.h"

#include "core/io/ZarrArray.h"
#include "core/io/ZarrHierarchy.h"
#include "core/io/ZarrStringArray.h"
#include "core/io/ZarrValues.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

namespace hescape {

namespace {

// An index holds at most this many entries (67 million; the rows of every other part are checked
// against the index, so this bounds what a shape merely declared could make us allocate).
constexpr std::size_t kMaxIndexRows = std::size_t{1} << 26;

std::string numberText(double v) {
    if (std::isnan(v)) return {};
    if (v == std::floor(v) && std::abs(v) < 9.0e15) return std::to_string(static_cast<long long>(v));
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back the same
    return std::string(buf, r.ptr);
}

std::string rowsText(std::optional<std::size_t> rows) { return rows ? std::to_string(*rows) : std::string("?"); }

std::vector<double> readNumbers(const AnnDataZarrLocation& at, const std::string& rel, std::optional<std::size_t> rows) {
    const ZarrArray a(at.path(rel));
    const auto& shape = a.info().shape;
    if (shape.size() != 1 || (rows && static_cast<std::uint64_t>(shape[0]) != *rows))
        at.fail(rel, "must be a 1-d array of " + rowsText(rows) + " entries (one per row), found shape " +
                         (shape.empty() ? std::string("()") : std::to_string(shape[0]) + (shape.size() > 1 ? " x ..." : "")));
    return readZarrValues<double>(a, rows.value_or(kMaxIndexRows));
}

std::vector<std::string> readStrings(const AnnDataZarrLocation& at, const std::string& rel, std::optional<std::size_t> rows) {
    auto s = readZarrStrings(at.path(rel), rows.value_or(kMaxIndexRows));
    if (rows && s.size() != *rows) at.fail(rel, "holds " + std::to_string(s.size()) + " entries, expected " + std::to_string(*rows));
    return s;
}

std::vector<std::uint8_t> readMask(const AnnDataZarrLocation& at, const std::string& rel, std::size_t rows) {
    const auto m = readNumbers(at, rel, rows);
    std::vector<std::uint8_t> out(m.size());
    for (std::size_t i = 0; i < m.size(); ++i) out[i] = m[i] != 0;
    return out;
}

void checkCodes(const AnnDataZarrLocation& at, const std::string& rel, const ObsColumn& c) {
    for (std::size_t i = 0; i < c.codes.size(); ++i) {
        if (c.codes[i] < -1 || c.codes[i] >= static_cast<std::int32_t>(c.categories.size())) {
            at.fail(rel, "code " + std::to_string(c.codes[i]) + " at row " + std::to_string(i) + " is outside the " +
                             std::to_string(c.categories.size()) + " categories");
        }
    }
}

std::vector<std::string> textArray(const AnnDataZarrLocation& at, const std::string& rel, std::optional<std::size_t> rows) {
    if (isZarrStringArray(at.path(rel))) return readStrings(at, rel, rows);
    std::vector<std::string> out;
    for (const double v : readNumbers(at, rel, rows)) out.push_back(numberText(v));
    return out;
}

ObsColumn readCategorical(const AnnDataZarrLocation& at, const std::string& rel, std::size_t rows) {
    ObsColumn c;
    c.kind = ObsColumn::Kind::Categorical;
    const std::string cats = rel + "/categories";
    if (zarrNodeKind(at.path(cats)) != ZarrNodeKind::Array) at.fail(cats, "is missing (categorical without categories)");
    c.categories = textArray(at, cats, std::nullopt);
    const ZarrArray codes(at.path(rel + "/codes"));
    if (codes.info().shape.size() != 1 || static_cast<std::uint64_t>(codes.info().shape[0]) != rows)
        at.fail(rel + "/codes", "must be a 1-d array of " + std::to_string(rows) + " codes");
    c.codes = readZarrValues<std::int32_t>(codes, rows);
    const JsonValue attrs = zarrAttributes(at.path(rel));
    const JsonValue* ordered = attrs.find("ordered");
    c.ordered = ordered && ordered->isBool() && ordered->asBool();
    checkCodes(at, rel + "/codes", c);
    return c;
}

// nullable-integer, nullable-boolean (numbers, NaN where masked) and nullable-string-array ("" where masked).
ObsColumn readNullable(const AnnDataZarrLocation& at, const std::string& rel, std::size_t rows, bool text) {
    ObsColumn c;
    const auto mask = readMask(at, rel + "/mask", rows);
    if (text) {
        c.kind = ObsColumn::Kind::String;
        c.strings = readStrings(at, rel + "/values", rows);
        for (std::size_t i = 0; i < rows; ++i)
            if (mask[i]) c.strings[i].clear();
        return c;
    }
    c.kind = ObsColumn::Kind::Numeric;
    c.numbers = readNumbers(at, rel + "/values", rows);
    for (std::size_t i = 0; i < rows; ++i)
        if (mask[i]) c.numbers[i] = std::numeric_limits<double>::quiet_NaN();
    return c;
}

ObsColumn readColumn(const AnnDataZarrLocation& at, const std::string& rel, std::size_t rows) {
    const ZarrNodeKind kind = zarrNodeKind(at.path(rel));
    if (kind == ZarrNodeKind::None) at.fail(rel, "is listed in column-order but missing");
    const std::string enc = at.encoding(rel);
    if (kind == ZarrNodeKind::Group) {
        if (enc == "categorical") return readCategorical(at, rel, rows);
        if (enc == "nullable-integer" || enc == "nullable-boolean") return readNullable(at, rel, rows, false);
        if (enc == "nullable-string-array") return readNullable(at, rel, rows, true);
        at.fail(rel, "has unknown encoding '" + enc + "' (expected categorical, nullable-integer, nullable-boolean or nullable-string-array)");
    }
    if (!enc.empty() && enc != "array" && enc != "string-array")
        at.fail(rel, "has unknown encoding '" + enc + "' (expected array or string-array)");
    ObsColumn c;
    if (isZarrStringArray(at.path(rel))) {
        c.kind = ObsColumn::Kind::String;
        c.strings = readStrings(at, rel, rows);
    } else {
        c.kind = ObsColumn::Kind::Numeric;
        c.numbers = readNumbers(at, rel, rows);
    }
    return c;
}

void checkFrame(const AnnDataZarrLocation& at, const std::string& frame) {
    const ZarrNodeKind kind = zarrNodeKind(at.path(frame));
    if (kind == ZarrNodeKind::None) at.fail(frame, "is missing");
    if (kind != ZarrNodeKind::Group) at.fail(frame, "is an array, not a data frame group (written by anndata < 0.7?)");
    const std::string enc = at.encoding(frame);
    if (!enc.empty() && enc != "dataframe") at.fail(frame, "has encoding '" + enc + "', expected 'dataframe'");
}

std::string indexName(const AnnDataZarrLocation& at, const std::string& frame) {
    const JsonValue attrs = zarrAttributes(at.path(frame));
    const JsonValue* index = attrs.find("_index");
    return index && index->isString() ? index->asString() : "_index";
}

}  // namespace

void AnnDataZarrLocation::fail(const std::string& rel, const std::string& message) const {
    throw DatasetError(root + ": " + rel + ": " + message);
}

std::string AnnDataZarrLocation::encoding(const std::string& rel) const {
    const JsonValue attrs = zarrAttributes(path(rel));
    const JsonValue* e = attrs.find("encoding-type");
    return e && e->isString() ? e->asString() : "";
}

std::vector<std::string> readAnnDataZarrIndex(const AnnDataZarrLocation& at, const std::string& frame) {
    checkFrame(at, frame);
    const std::string rel = frame + "/" + indexName(at, frame);
    const ZarrNodeKind kind = zarrNodeKind(at.path(rel));
    if (kind == ZarrNodeKind::None) at.fail(rel, "is missing (the data frame has no index)");
    if (kind == ZarrNodeKind::Group && at.encoding(rel) == "nullable-string-array") {
        return readStrings(at, rel + "/values", std::nullopt);  // an index has no missing values
    }
    if (kind != ZarrNodeKind::Array) at.fail(rel, "is not an array (the data frame's index)");
    return textArray(at, rel, std::nullopt);
}

std::vector<ObsColumn> readAnnDataZarrColumns(const AnnDataZarrLocation& at, const std::string& frame, std::size_t rows,
                                              const std::vector<std::string>& only) {
    checkFrame(at, frame);
    const JsonValue attrs = zarrAttributes(at.path(frame));
    std::vector<std::string> names = attrs.strings("column-order");
    if (names.empty()) {
        const std::string index = indexName(at, frame);
        for (const auto& child : zarrChildren(at.path(frame)))
            if (child != index) names.push_back(child);
    }
    std::vector<ObsColumn> out;
    for (const auto& name : names) {
        if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
        ObsColumn c = readColumn(at, frame + "/" + name, rows);
        c.name = name;
        out.push_back(std::move(c));
    }
    return out;
}

std::vector<std::string> readAnnDataZarrText(const AnnDataZarrLocation& at, const std::string& rel, std::size_t rows) {
    const ObsColumn c = readColumn(at, rel, rows);
    if (c.kind == ObsColumn::Kind::String) return c.strings;
    std::vector<std::string> out;
    for (std::size_t i = 0; i < c.size(); ++i)
        out.push_back(c.kind == ObsColumn::Kind::Numeric ? numberText(c.numbers[i]) : c.text(i));
    return out;
}

}  // namespace hescape
