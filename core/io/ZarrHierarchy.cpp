// ZarrHierarchy: node kinds, attributes and children from the metadata files.
#include "core/io/ZarrHierarchy.h"

#include "core/io/ZarrCodecs.h"

#include <algorithm>
#include <filesystem>

namespace hescape {

namespace fs = std::filesystem;

namespace {

bool isFile(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

// zarr.json parsed, JSON faults as ZarrError (which every store reader reports).
JsonValue readMetadata(const fs::path& file) {
    try {
        return readJsonFile(file.string());
    } catch (const JsonError& e) {
        throw ZarrError(e.what());
    }
}

}  // namespace

ZarrNodeKind zarrNodeKind(const std::string& dir) {
    const fs::path d(dir);
    if (isFile(d / "zarr.json")) {
        const JsonValue meta = readMetadata(d / "zarr.json");
        const JsonValue* type = meta.find("node_type");
        const std::string t = type && type->isString() ? type->asString() : "";
        if (t == "group") return ZarrNodeKind::Group;
        if (t == "array") return ZarrNodeKind::Array;
        throw ZarrError((d / "zarr.json").string() + ": 'node_type' is neither \"group\" nor \"array\"");
    }
    if (isFile(d / ".zarray")) return ZarrNodeKind::Array;
    if (isFile(d / ".zgroup")) return ZarrNodeKind::Group;
    return ZarrNodeKind::None;
}

std::string zarrMetadataFile(const std::string& dir) {
    const fs::path d(dir);
    for (const char* name : {"zarr.json", ".zarray", ".zgroup"})
        if (isFile(d / name)) return (d / name).string();
    return d.string();
}

std::string zarrAttributesFile(const std::string& dir) {
    const fs::path d(dir);
    return (isFile(d / "zarr.json") ? d / "zarr.json" : d / ".zattrs").string();
}

JsonValue zarrAttributes(const std::string& dir) {
    const fs::path d(dir);
    JsonValue attrs{JsonValue::Object{}};
    if (isFile(d / "zarr.json")) {
        const JsonValue meta = readMetadata(d / "zarr.json");
        if (const JsonValue* a = meta.find("attributes")) attrs = *a;
    } else if (isFile(d / ".zattrs")) {
        attrs = readMetadata(d / ".zattrs");
    }
    if (!attrs.isObject()) throw ZarrError(zarrMetadataFile(dir) + ": the attributes are not a JSON object");
    return attrs;
}

std::vector<std::string> zarrChildren(const std::string& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.empty() || name[0] == '.' || !it->is_directory(ec)) continue;
        if (zarrNodeKind(it->path().string()) != ZarrNodeKind::None) out.push_back(name);
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace hescape
