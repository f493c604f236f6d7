// ZarrStringArray: the metadata of text arrays (v2 .zarray, v3 zarr.json),
// then every chunk read (through the shard index for sharded v3 arrays),
// decoded by ZarrTextChunks and joined in order.
#include "core/io/ZarrStringArray.h"

#include "core/io/Json.h"
#include "core/io/ZarrArray.h"
#include "core/io/ZarrTextChunks.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace hescape {

namespace fs = std::filesystem;

namespace {

enum class TextKind { Vlen, Utf32, Bytes };

struct TextCodecs {
    ZarrCompressor compressor = ZarrCompressor::None;
    int crcBefore = 0;  // crc32c codecs before the compressor (checked after decompressing)
    int crcAfter = 0;   // after it (checked first)
    bool bigEndian = false;
};

struct TextArrayInfo {
    std::string dir, file;
    bool scalar = false;     // 0-d: one item
    std::int64_t length = 1; // items in the array
    std::int64_t chunk = 1;  // items per chunk (the inner chunk of a sharded array)
    TextKind kind = TextKind::Vlen;
    std::size_t width = 0;   // bytes per item of fixed-width text
    TextCodecs codecs;
    std::string keyPrefix;   // "c/" for v3 default keys
    std::int64_t shard = 0;  // items per shard; 0: not sharded
    TextCodecs indexCodecs;
    bool indexAtEnd = true;
};

[[noreturn]] void fail(const std::string& file, const std::string& what) { throw ZarrError(file + ": " + what); }

const JsonValue& member(const JsonValue& obj, const std::string& key, const std::string& file) {
    const JsonValue* v = obj.find(key);
    if (!v) fail(file, "has no '" + key + "'");
    return *v;
}

// A shape or chunk shape of rank 0 or 1; `scalar` tells which.
std::int64_t extent(const JsonValue& v, const std::string& file, const std::string& field, std::int64_t minimum, bool& scalar) {
    if (!v.isArray() || v.asArray().size() > 1)
        fail(file, "'" + field + "' must list at most one extent (only 0-d and 1-d text arrays are read)");
    scalar = v.asArray().empty();
    if (scalar) return 1;
    const JsonValue& e = v.asArray()[0];
    if (!e.isNumber() || e.asNumber() != std::floor(e.asNumber()) || e.asNumber() < double(minimum) || e.asNumber() > 9.0e15)
        fail(file, "'" + field + "' is not an integer of at least " + std::to_string(minimum));
    return static_cast<std::int64_t>(e.asNumber());
}

std::string configName(const JsonValue& codec) {
    const JsonValue* n = codec.find("name");
    return n && n->isString() ? n->asString() : "";
}

const JsonValue& configuration(const JsonValue& codec) {
    static const JsonValue empty{JsonValue::Object{}};
    const JsonValue* c = codec.find("configuration");
    return c ? *c : empty;
}

void readShapes(const JsonValue& shape, const JsonValue& chunks, const std::string& file, TextArrayInfo& info) {
    bool chunkScalar = false;
    info.length = extent(shape, file, "shape", 0, info.scalar);
    info.chunk = extent(chunks, file, "chunks", 1, chunkScalar);
    if (chunkScalar != info.scalar) fail(file, "the chunk shape and the shape have different ranks");
}

// "|O" (with the vlen-utf8 filter), "<U n" / ">U n", "|S n".
void readV2Type(const JsonValue& meta, const std::string& file, TextArrayInfo& info) {
    const JsonValue& dtype = member(meta, "dtype", file);
    const std::string d = dtype.isString() ? dtype.asString() : "";
    const JsonValue* filters = meta.find("filters");
    const bool noFilters = !filters || filters->isNull() || (filters->isArray() && filters->asArray().empty());
    if (d == "|O") {
        const bool vlen = filters && filters->isArray() && filters->asArray().size() == 1 &&
                          filters->asArray()[0].find("id") && filters->asArray()[0].find("id")->isString() &&
                          filters->asArray()[0].find("id")->asString() == "vlen-utf8";
        if (!vlen) fail(file, "an object array ('|O') is read only with the single filter 'vlen-utf8'");
        info.kind = TextKind::Vlen;
        return;
    }
    if (!noFilters) fail(file, "'filters' are not supported on a fixed-width text array");
    const bool utf32 = d.size() > 2 && (d[0] == '<' || d[0] == '>') && d[1] == 'U';
    const bool bytes = d.size() > 2 && d[0] == '|' && d[1] == 'S';
    const long n = utf32 || bytes ? std::strtol(d.c_str() + 2, nullptr, 10) : 0;
    if (n <= 0 || n > (1 << 20)) fail(file, "'dtype' " + (d.empty() ? std::string("(not a string)") : "'" + d + "'") + " is not a text type");
    info.kind = utf32 ? TextKind::Utf32 : TextKind::Bytes;
    info.width = static_cast<std::size_t>(n) * (utf32 ? 4 : 1);
    info.codecs.bigEndian = d[0] == '>';
}

TextArrayInfo readV2(const std::string& dir, const std::string& file) {
    const JsonValue meta = readJsonFile(file);
    TextArrayInfo info;
    info.dir = dir;
    info.file = file;
    const JsonValue& format = member(meta, "zarr_format", file);
    if (!format.isNumber() || format.asNumber() != 2) fail(file, "'zarr_format' is not 2");
    readShapes(member(meta, "shape", file), member(meta, "chunks", file), file, info);
    readV2Type(meta, file, info);
    const JsonValue* compressor = meta.find("compressor");
    std::string id;
    if (compressor && !compressor->isNull()) {
        const JsonValue* idv = compressor->find("id");
        if (!idv || !idv->isString()) fail(file, "'compressor' has no 'id'");
        id = idv->asString();
    }
    info.codecs.compressor = zarrCompressorNamed(id, file);
    return info;
}

// A v3 codec list after its array -> bytes codec: one compressor at most, crc32c around it.
TextCodecs bytesCodecs(const JsonValue::Array& list, std::size_t from, const std::string& file, const std::string& field) {
    TextCodecs c;
    bool compressed = false;
    for (std::size_t i = from; i < list.size(); ++i) {
        const std::string name = configName(list[i]);
        if (name == "crc32c") {
            (compressed ? c.crcAfter : c.crcBefore) += 1;
        } else if (!compressed && (name == "blosc" || name == "zstd" || name == "gzip")) {
            c.compressor = zarrCompressorNamed(name, file);
            compressed = true;
        } else {
            fail(file, field + " codec '" + name + "' is not supported on a text array (blosc, zstd, gzip, crc32c are)");
        }
    }
    if (!compressed) std::swap(c.crcBefore, c.crcAfter);
    return c;
}

// The codecs of a v3 text array (or of its shards' inner chunks).
TextCodecs v3Codecs(const JsonValue& list, const std::string& file, const std::string& field, const TextArrayInfo& info,
                    const JsonValue** sharding) {
    if (!list.isArray() || list.asArray().empty()) fail(file, "'" + field + "' must be a non-empty list");
    const JsonValue& first = list.asArray()[0];
    const std::string name = configName(first);
    if (name == "sharding_indexed" && sharding && list.asArray().size() == 1) {
        *sharding = &first;
        return {};
    }
    const bool ok = info.kind == TextKind::Vlen ? name == "vlen-utf8" : name == "bytes";
    if (!ok) fail(file, field + " codec '" + name + "' does not fit the data type (expected '" +
                            (info.kind == TextKind::Vlen ? "vlen-utf8" : "bytes") + "' first)");
    TextCodecs c = bytesCodecs(list.asArray(), 1, file, field);
    const JsonValue* endian = configuration(first).find("endian");
    c.bigEndian = endian && endian->isString() && endian->asString() == "big";
    return c;
}

void readV3Type(const JsonValue& meta, const std::string& file, TextArrayInfo& info) {
    const JsonValue& type = member(meta, "data_type", file);
    const std::string name = type.isString() ? type.asString() : configName(type);
    if (name == "string") {
        info.kind = TextKind::Vlen;
        return;
    }
    if (name != "fixed_length_utf32") fail(file, "'data_type' '" + name + "' is not a text type ('string' and 'fixed_length_utf32' are)");
    const auto bytes = configuration(type).number("length_bytes");
    if (!bytes || *bytes < 4 || *bytes > double(1 << 22) || std::fmod(*bytes, 4.0) != 0)
        fail(file, "'data_type' fixed_length_utf32 needs a 'length_bytes' that is a positive multiple of 4");
    info.kind = TextKind::Utf32;
    info.width = static_cast<std::size_t>(*bytes);
}

void readV3Sharding(const JsonValue& codec, const std::string& file, TextArrayInfo& info) {
    const JsonValue& cfg = configuration(codec);
    bool scalar = false;
    info.shard = info.chunk;
    info.chunk = extent(member(cfg, "chunk_shape", file), file, "sharding chunk_shape", 1, scalar);
    if (scalar != info.scalar || info.shard % info.chunk != 0) fail(file, "the shard shape is not a multiple of the sharding chunk_shape");
    info.codecs = v3Codecs(member(cfg, "codecs", file), file, "sharding codecs", info, nullptr);
    const JsonValue& index = member(cfg, "index_codecs", file);
    if (!index.isArray() || index.asArray().empty() || configName(index.asArray()[0]) != "bytes")
        fail(file, "sharding index_codecs must start with 'bytes'");
    info.indexCodecs = bytesCodecs(index.asArray(), 1, file, "sharding index_codecs");
    if (info.indexCodecs.compressor != ZarrCompressor::None) fail(file, "compressed shard indexes are not supported");
    const JsonValue* endian = configuration(index.asArray()[0]).find("endian");
    info.indexCodecs.bigEndian = endian && endian->isString() && endian->asString() == "big";
    const JsonValue* where = cfg.find("index_location");
    info.indexAtEnd = !where || !where->isString() || where->asString() != "start";
}

TextArrayInfo readV3(const std::string& dir, const std::string& file) {
    const JsonValue meta = readJsonFile(file);
    TextArrayInfo info;
    info.dir = dir;
    info.file = file;
    const JsonValue& format = member(meta, "zarr_format", file);
    const JsonValue* node = meta.find("node_type");
    if (!format.isNumber() || format.asNumber() != 3 || !node || !node->isString() || node->asString() != "array")
        fail(file, "is not a Zarr v3 array ('zarr_format', 'node_type')");
    const JsonValue& grid = member(meta, "chunk_grid", file);
    if (configName(grid) != "regular") fail(file, "chunk_grid is not 'regular'");
    readShapes(member(meta, "shape", file), member(configuration(grid), "chunk_shape", file), file, info);
    readV3Type(meta, file, info);
    info.keyPrefix = "c/";
    if (const JsonValue* enc = meta.find("chunk_key_encoding")) {
        const std::string name = configName(*enc);
        if (name != "default" && name != "v2") fail(file, "chunk_key_encoding '" + name + "' is not supported");
        info.keyPrefix = name == "v2" ? "" : "c/";
    }
    const JsonValue* sharding = nullptr;
    info.codecs = v3Codecs(member(meta, "codecs", file), file, "codecs", info, &sharding);
    if (sharding) readV3Sharding(*sharding, file, info);
    return info;
}

TextArrayInfo readInfo(const std::string& dir) {
    const fs::path v3 = fs::path(dir) / "zarr.json", v2 = fs::path(dir) / ".zarray";
    try {
        if (fs::exists(v3)) return readV3(dir, v3.string());
        if (fs::exists(v2)) return readV2(dir, v2.string());
    } catch (const JsonError& e) {
        throw ZarrError(e.what());
    }
    throw ZarrError(dir + ": is not a Zarr array (no .zarray or zarr.json)");
}

// The file of chunk (or shard) `k`: "0" for a v2 scalar, "c" for a v3 one.
std::string keyFile(const TextArrayInfo& info, std::int64_t k) {
    const bool v3Keys = !info.keyPrefix.empty();
    const std::string key = info.scalar ? std::string(v3Keys ? "c" : "0") : info.keyPrefix + std::to_string(k);
    return (fs::path(info.dir) / key).string();
}

std::vector<std::uint8_t> readRange(const std::string& file, std::uint64_t offset, std::uint64_t size) {
    std::ifstream in(file, std::ios::binary);
    std::vector<std::uint8_t> out(static_cast<std::size_t>(size));
    if (!in || !in.seekg(static_cast<std::streamoff>(offset)) ||
        !in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(size)))
        throw ZarrError(file + ": could not read " + std::to_string(size) + " bytes at " + std::to_string(offset));
    return out;
}

void verifyCrcs(std::vector<std::uint8_t>& data, int count, const std::string& where) {
    for (int k = 0; k < count; ++k) {
        if (data.size() < 4) fail(where, "too short for its crc32c checksum");
        std::uint32_t stored = 0;
        std::memcpy(&stored, data.data() + data.size() - 4, 4);
        data.resize(data.size() - 4);
        if (crc32c(data.data(), data.size()) != stored) fail(where, "crc32c checksum mismatch (the data is damaged)");
    }
}

std::vector<std::string> decodeChunk(const TextArrayInfo& info, std::vector<std::uint8_t> data, std::size_t valid,
                                     const std::string& where) {
    const auto items = static_cast<std::size_t>(info.chunk);
    if (info.kind != TextKind::Vlen && items > ZarrArray::kMaxChunkBytes / info.width)
        fail(where, "one chunk of " + std::to_string(items) + " fixed-width items would decode to more than " +
                        std::to_string(ZarrArray::kMaxChunkBytes >> 20) + " MiB");
    const std::size_t limit = info.kind == TextKind::Vlen ? ZarrArray::kMaxChunkBytes : items * info.width;
    verifyCrcs(data, info.codecs.crcAfter, where);
    data = zarrDecompressBounded(info.codecs.compressor, data, limit + 4 * std::size_t(info.codecs.crcBefore), where);
    verifyCrcs(data, info.codecs.crcBefore, where);
    if (info.kind == TextKind::Vlen) return decodeVlenUtf8(data, items, valid, where);
    return decodeFixedText(data, items, info.width, info.kind == TextKind::Utf32, info.codecs.bigEndian, where);
}

// The encoded bytes of inner chunk `k` of a sharded array; empty when absent.
std::vector<std::uint8_t> shardedChunkBytes(const TextArrayInfo& info, std::int64_t k, std::string& where) {
    const std::int64_t per = info.shard / info.chunk;
    const std::string file = keyFile(info, k / per);
    std::error_code ec;
    const auto size = fs::file_size(file, ec);
    if (ec) return {};
    const std::size_t entries = static_cast<std::size_t>(per);
    const std::size_t indexBytes = entries * 16 + 4 * std::size_t(info.indexCodecs.crcBefore + info.indexCodecs.crcAfter);
    if (entries > (std::size_t{1} << 20) || size < indexBytes) fail(file, "shard is too short for its index");
    auto index = readRange(file, info.indexAtEnd ? size - indexBytes : 0, indexBytes);
    verifyCrcs(index, info.indexCodecs.crcBefore + info.indexCodecs.crcAfter, file + " (shard index)");
    const std::size_t e = static_cast<std::size_t>(k % per);
    std::uint64_t at[2];
    std::memcpy(at, index.data() + e * 16, 16);
    if (info.indexCodecs.bigEndian) at[0] = __builtin_bswap64(at[0]), at[1] = __builtin_bswap64(at[1]);
    if (at[0] == ~std::uint64_t{0} && at[1] == ~std::uint64_t{0}) return {};
    if (at[0] > size || at[1] > size - at[0] || at[1] > ZarrArray::kMaxChunkBytes)
        fail(file, "shard index entry " + std::to_string(e) + " points past the end of the shard");
    where = file + " (inner chunk " + std::to_string(e) + ")";
    auto bytes = readRange(file, at[0], at[1]);
    if (bytes.empty()) bytes.push_back(0);  // a present but empty entry is damaged, not absent
    return bytes;
}

std::vector<std::uint8_t> chunkBytes(const TextArrayInfo& info, std::int64_t k, std::string& where) {
    if (info.shard) return shardedChunkBytes(info, k, where);
    where = keyFile(info, k);
    std::error_code ec;
    const auto size = fs::file_size(where, ec);
    if (ec) return {};
    if (size > ZarrArray::kMaxChunkBytes) fail(where, "a text chunk file of " + std::to_string(size) + " bytes is too large");
    auto bytes = readRange(where, 0, size);
    if (bytes.empty()) bytes.push_back(0);
    return bytes;
}

}  // namespace

bool isZarrStringArray(const std::string& dir) {
    try {
        (void)readInfo(dir);
        return true;
    } catch (const ZarrError&) {
        return false;
    }
}

std::vector<std::string> readZarrStrings(const std::string& dir, std::size_t maxItems) {
    const TextArrayInfo info = readInfo(dir);
    if (static_cast<std::uint64_t>(info.length) > maxItems)
        fail(info.file, "holds " + std::to_string(info.length) + " items, more than the " + std::to_string(maxItems) + " read");
    std::vector<std::string> out;  // grows with what is decoded, not with the declared shape
    const std::int64_t chunks = info.scalar ? 1 : (info.length + info.chunk - 1) / info.chunk;
    for (std::int64_t k = 0; k < chunks; ++k) {
        const std::int64_t valid = std::min(info.chunk, info.length - k * info.chunk);
        std::string where;
        auto bytes = chunkBytes(info, k, where);
        if (bytes.empty()) {
            out.resize(out.size() + static_cast<std::size_t>(valid));  // missing chunk: the fill value ""
            continue;
        }
        auto items = decodeChunk(info, std::move(bytes), static_cast<std::size_t>(valid), where);
        for (std::int64_t i = 0; i < valid && i < static_cast<std::int64_t>(items.size()); ++i)
            out.push_back(std::move(items[static_cast<std::size_t>(i)]));
        if (static_cast<std::int64_t>(items.size()) < valid) fail(where, "holds fewer items than the array needs there");
    }
    return out;
}

}  // namespace hescape
