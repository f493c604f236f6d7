// ZarrArray's metadata: .zarray (v2) and zarr.json (v3) into one ZarrArrayInfo,
// each field checked, every refusal naming the file and the field.
#include "core/io/Json.h"
#include "core/io/ZarrArray.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

namespace hescape {

namespace fs = std::filesystem;

namespace {

struct DataType {
    const char* name;
    char kind;  // 'u', 'i', 'f', 'b'
    int bytes;
};
constexpr DataType kDataTypes[] = {
    {"bool", 'b', 1},   {"int8", 'i', 1},   {"uint8", 'u', 1},  {"int16", 'i', 2},  {"uint16", 'u', 2},   {"int32", 'i', 4},
    {"uint32", 'u', 4}, {"int64", 'i', 8},  {"uint64", 'u', 8}, {"float32", 'f', 4}, {"float64", 'f', 8},
};

const DataType* typeNamed(const std::string& name) {
    for (const auto& t : kDataTypes)
        if (name == t.name) return &t;
    return nullptr;
}

const DataType* typeOf(char kind, int bytes) {
    for (const auto& t : kDataTypes)
        if (t.kind == kind && t.bytes == bytes) return &t;
    return nullptr;
}

const JsonValue& member(const JsonValue& obj, const std::string& key, const std::string& file) {
    const JsonValue* v = obj.find(key);
    if (!v) throw ZarrError(file + ": has no '" + key + "'");
    return *v;
}

std::vector<std::int64_t> dims(const JsonValue& v, const std::string& file, const std::string& field, std::int64_t minimum) {
    if (!v.isArray() || v.asArray().empty() || v.asArray().size() > 32)
        throw ZarrError(file + ": '" + field + "' must be a list of 1 to 32 integers");
    std::vector<std::int64_t> out;
    for (const auto& e : v.asArray()) {
        if (!e.isNumber() || e.asNumber() != std::floor(e.asNumber()) || e.asNumber() < static_cast<double>(minimum) || e.asNumber() > 9.0e15)
            throw ZarrError(file + ": '" + field + "' holds a value that is not an integer of at least " + std::to_string(minimum));
        out.push_back(static_cast<std::int64_t>(e.asNumber()));
    }
    return out;
}

// One sample of `v` in the array's type, native byte order.
std::vector<std::uint8_t> fillSample(const JsonValue& v, const DataType& t, const std::string& file) {
    double d = 0;
    if (v.isNumber()) d = v.asNumber();
    else if (v.isBool()) d = v.asBool() ? 1 : 0;
    else if (v.isString() && t.kind == 'f') {
        const auto& s = v.asString();
        if (s == "NaN") d = std::numeric_limits<double>::quiet_NaN();
        else if (s == "Infinity") d = std::numeric_limits<double>::infinity();
        else if (s == "-Infinity") d = -std::numeric_limits<double>::infinity();
        else throw ZarrError(file + ": 'fill_value' \"" + s + "\" is not a number");
    } else if (!v.isNull()) throw ZarrError(file + ": 'fill_value' is not a number");
    std::vector<std::uint8_t> out(static_cast<std::size_t>(t.bytes));
    const auto put = [&](auto x) { std::memcpy(out.data(), &x, sizeof x); };
    if (t.kind == 'f') t.bytes == 4 ? put(static_cast<float>(d)) : put(d);
    else if (t.kind == 'u' || t.kind == 'b') {
        if (d < 0 || d != std::floor(d)) throw ZarrError(file + ": 'fill_value' does not fit " + t.name);
        const auto u = static_cast<std::uint64_t>(d);
        std::memcpy(out.data(), &u, out.size());  // little-endian hosts only (checked in ZarrArray.cpp)
    } else {
        if (d != std::floor(d)) throw ZarrError(file + ": 'fill_value' does not fit " + t.name);
        const auto i = static_cast<std::int64_t>(d);
        std::memcpy(out.data(), &i, out.size());
    }
    return out;
}

void readV2(const std::string& file, ZarrArrayInfo& info) {
    const JsonValue meta = readJsonFile(file);
    const JsonValue& format = member(meta, "zarr_format", file);
    if (!format.isNumber() || format.asNumber() != 2) throw ZarrError(file + ": 'zarr_format' is not 2");
    info.zarrFormat = 2;
    info.shape = dims(member(meta, "shape", file), file, "shape", 0);
    info.chunks = dims(member(meta, "chunks", file), file, "chunks", 1);
    const JsonValue& dtype = member(meta, "dtype", file);
    const std::string d = dtype.isString() ? dtype.asString() : "";
    const DataType* t = d.size() >= 3 && (d[0] == '<' || d[0] == '>' || d[0] == '|') ? typeOf(d[1], std::atoi(d.c_str() + 2)) : nullptr;
    if (!t) throw ZarrError(file + ": 'dtype' " + (d.empty() ? std::string("is not a simple type") : "'" + d + "' is not supported"));
    info.dataType = t->name;
    info.bytesPerSample = t->bytes;
    info.codecs.bigEndian = d[0] == '>' && t->bytes > 1;
    const JsonValue* order = meta.find("order");
    if (order && (!order->isString() || order->asString() != "C"))
        throw ZarrError(file + ": 'order' is not \"C\" (Fortran-order arrays are not read)");
    const JsonValue* filters = meta.find("filters");
    if (filters && !filters->isNull() && !(filters->isArray() && filters->asArray().empty()))
        throw ZarrError(file + ": 'filters' are not supported (only arrays without filters are read)");
    const JsonValue* compressor = meta.find("compressor");
    std::string id;
    if (compressor && !compressor->isNull()) {
        const JsonValue* idv = compressor->find("id");
        if (!idv || !idv->isString()) throw ZarrError(file + ": 'compressor' has no 'id'");
        id = idv->asString();
    }
    info.codecs.compressor = zarrCompressorNamed(id, file);
    const JsonValue* sep = meta.find("dimension_separator");
    if (sep && !(sep->isString() && (sep->asString() == "." || sep->asString() == "/")))
        throw ZarrError(file + ": 'dimension_separator' must be \".\" or \"/\"");
    info.separator = sep ? sep->asString()[0] : '.';
    info.fillBytes = fillSample(meta.find("fill_value") ? *meta.find("fill_value") : JsonValue(), *t, file);
}

const JsonValue& configuration(const JsonValue& codec) {
    static const JsonValue empty{JsonValue::Object{}};
    const JsonValue* c = codec.find("configuration");
    return c ? *c : empty;
}

// A v3 codec list: [bytes] then bytes->bytes codecs; `sharding` receives a sharding_indexed codec when allowed.
ZarrCodecChain codecChain(const JsonValue& list, const std::string& file, const std::string& field, const JsonValue** sharding) {
    if (!list.isArray() || list.asArray().empty()) throw ZarrError(file + ": '" + field + "' must be a non-empty list");
    ZarrCodecChain chain;
    bool arrayToBytes = false, compressed = false;
    for (const auto& codec : list.asArray()) {
        const JsonValue* n = codec.find("name");
        const std::string name = n && n->isString() ? n->asString() : "";
        const JsonValue& cfg = configuration(codec);
        if (!arrayToBytes) {
            if (name == "bytes") {
                const JsonValue* endian = cfg.find("endian");
                chain.bigEndian = endian && endian->isString() && endian->asString() == "big";
            } else if (name == "sharding_indexed" && sharding) {
                *sharding = &codec;
            } else {
                throw ZarrError(file + ": " + field + " codec '" + name + "' is not supported here" +
                                (name == "transpose" ? " (transposed arrays are not read)" : " (expected 'bytes' first)"));
            }
            arrayToBytes = true;
            continue;
        }
        if (name == "crc32c") {
            (compressed ? chain.crcAfter : chain.crcBefore) += 1;
            continue;
        }
        if (compressed) throw ZarrError(file + ": " + field + " has more than one compressor");
        if (name != "blosc" && name != "zstd" && name != "gzip")
            throw ZarrError(file + ": " + field + " codec '" + name + "' is not supported (bytes, sharding_indexed, blosc, zstd, gzip, crc32c are)");
        chain.compressor = zarrCompressorNamed(name, file);
        compressed = true;
    }
    if (!compressed) std::swap(chain.crcBefore, chain.crcAfter);  // every crc then comes last, verified first
    return chain;
}

void readChunkKeyEncoding(const JsonValue& meta, const std::string& file, ZarrArrayInfo& info) {
    info.keyPrefix = "c/";
    info.separator = '/';
    const JsonValue* enc = meta.find("chunk_key_encoding");
    if (!enc) return;
    const JsonValue* n = enc->find("name");
    const std::string name = n && n->isString() ? n->asString() : "";
    if (name != "default" && name != "v2") throw ZarrError(file + ": chunk_key_encoding '" + name + "' is not supported");
    const JsonValue* sep = configuration(*enc).find("separator");
    if (sep && !(sep->isString() && (sep->asString() == "." || sep->asString() == "/")))
        throw ZarrError(file + ": chunk_key_encoding separator must be \".\" or \"/\"");
    info.keyPrefix = name == "default" ? "c/" : "";
    info.separator = sep ? sep->asString()[0] : (name == "default" ? '/' : '.');
}

void readSharding(const JsonValue& codec, const std::string& file, ZarrArrayInfo& info) {
    const JsonValue& cfg = configuration(codec);
    info.shardShape = info.chunks;
    info.chunks = dims(member(cfg, "chunk_shape", file), file, "sharding chunk_shape", 1);
    if (info.chunks.size() != info.shardShape.size()) throw ZarrError(file + ": sharding chunk_shape has another rank than the array");
    for (std::size_t d = 0; d < info.chunks.size(); ++d)
        if (info.shardShape[d] % info.chunks[d] != 0)
            throw ZarrError(file + ": the shard shape is not a multiple of the sharding chunk_shape in dimension " + std::to_string(d));
    info.codecs = codecChain(member(cfg, "codecs", file), file, "sharding codecs", nullptr);
    info.indexCodecs = codecChain(member(cfg, "index_codecs", file), file, "sharding index_codecs", nullptr);
    if (info.indexCodecs.compressor != ZarrCompressor::None) throw ZarrError(file + ": compressed shard indexes are not supported");
    const JsonValue* where = cfg.find("index_location");
    if (where && !(where->isString() && (where->asString() == "end" || where->asString() == "start")))
        throw ZarrError(file + ": sharding index_location must be \"end\" or \"start\"");
    info.indexAtEnd = !where || where->asString() == "end";
}

void readV3(const std::string& file, ZarrArrayInfo& info) {
    const JsonValue meta = readJsonFile(file);
    const JsonValue& format = member(meta, "zarr_format", file);
    if (!format.isNumber() || format.asNumber() != 3) throw ZarrError(file + ": 'zarr_format' is not 3");
    const JsonValue* node = meta.find("node_type");
    if (!node || !node->isString() || node->asString() != "array") throw ZarrError(file + ": is not an array ('node_type')");
    info.zarrFormat = 3;
    info.shape = dims(member(meta, "shape", file), file, "shape", 0);
    const JsonValue& grid = member(meta, "chunk_grid", file);
    const JsonValue* gname = grid.find("name");
    if (!gname || !gname->isString() || gname->asString() != "regular") throw ZarrError(file + ": chunk_grid is not 'regular'");
    info.chunks = dims(member(configuration(grid), "chunk_shape", file), file, "chunk_shape", 1);
    const JsonValue& type = member(meta, "data_type", file);
    const DataType* t = type.isString() ? typeNamed(type.asString()) : nullptr;
    if (!t) throw ZarrError(file + ": 'data_type' " + (type.isString() ? "'" + type.asString() + "' " : std::string()) + "is not supported");
    info.dataType = t->name;
    info.bytesPerSample = t->bytes;
    readChunkKeyEncoding(meta, file, info);
    const JsonValue* sharding = nullptr;
    info.codecs = codecChain(member(meta, "codecs", file), file, "codecs", &sharding);
    if (sharding) readSharding(*sharding, file, info);
    if (t->bytes == 1) info.codecs.bigEndian = false;
    info.fillBytes = fillSample(member(meta, "fill_value", file), *t, file);
    if (const JsonValue* names = meta.find("dimension_names"); names && names->isArray())
        for (const auto& n : names->asArray()) info.dimensionNames.push_back(n.isString() ? n.asString() : "");
}

}  // namespace

ZarrArrayInfo readZarrArrayInfo(const std::string& dir) {
    ZarrArrayInfo info;
    const std::string v3 = (fs::path(dir) / "zarr.json").string(), v2 = (fs::path(dir) / ".zarray").string();
    try {
        if (fs::exists(v3)) readV3(v3, info);
        else if (fs::exists(v2)) readV2(v2, info);
        else throw ZarrError(dir + ": is not a Zarr array (no .zarray or zarr.json)");
    } catch (const JsonError& e) {
        throw ZarrError(e.what());
    }
    const std::string file = fs::exists(v3) ? v3 : v2;
    if (info.chunks.size() != info.shape.size())
        throw ZarrError(file + ": the chunk shape has " + std::to_string(info.chunks.size()) + " dimensions, the array " +
                        std::to_string(info.shape.size()));
    if (!info.dimensionNames.empty() && info.dimensionNames.size() != info.shape.size())
        throw ZarrError(file + ": 'dimension_names' does not have one name per dimension");
    return info;
}

}  // namespace hescape
