// One Zarr array on disk (a folder), Zarr v2 (.zarray) or v3 (zarr.json):
// its shape, chunking, data type and codecs, checked when it is opened, and
// chunks read by grid position. v3 arrays may be sharded (sharding_indexed,
// index at the end or start, with or without crc32c); a sharded array reads
// by its inner chunks. Filters, transposes and F order are refused by name.
// Used by the OME-Zarr slide backend; SpatialData stores are Zarr too.
#pragma once

#include "core/io/ZarrCodecs.h"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace hescape {

struct ZarrCodecChain {
    ZarrCompressor compressor = ZarrCompressor::None;
    int crcBefore = 0;  // crc32c codecs applied before the compressor (verified after decompressing)
    int crcAfter = 0;   // crc32c codecs applied after it (verified first)
    bool bigEndian = false;
};

struct ZarrArrayInfo {
    int zarrFormat = 2;
    std::vector<std::int64_t> shape;
    std::vector<std::int64_t> chunks;  // what readChunk returns: the inner chunk of a sharded array
    std::string dataType;              // "uint8", "uint16", "int16", "float32", ...
    int bytesPerSample = 1;
    std::vector<std::uint8_t> fillBytes;  // one sample of the fill value, native byte order
    ZarrCodecChain codecs;
    std::vector<std::string> dimensionNames;  // v3 dimension_names, when given
    // v3 chunk keys: "c/0/0" (default) or "0.0" (v2 encoding); v2 keys use `separator` only.
    std::string keyPrefix;
    char separator = '.';
    // Sharded arrays: the shard's shape, its index's codecs and where the index lies.
    std::vector<std::int64_t> shardShape;
    ZarrCodecChain indexCodecs;
    bool indexAtEnd = true;
};

// The metadata alone (what ZarrArray checks on opening).
ZarrArrayInfo readZarrArrayInfo(const std::string& dir);

class ZarrArray {
public:
    // Reads and checks the metadata of the array at `dir`; throws ZarrError naming the file and field.
    explicit ZarrArray(std::string dir);

    static bool isArray(const std::string& dir);
    const std::string& path() const { return dir_; }
    const ZarrArrayInfo& info() const { return info_; }
    std::size_t chunkBytes() const { return chunkBytes_; }
    // Chunks along each dimension.
    std::vector<std::int64_t> chunkGrid() const;

    // The chunk at grid position `index`, decoded: native byte order, C order,
    // the full chunk shape (edge chunks are padded as Zarr stores them). A
    // chunk with no file (or an empty shard entry) is the fill value.
    std::vector<std::uint8_t> readChunk(const std::vector<std::int64_t>& index) const;

    // The most one chunk may decode to; larger chunks are refused when opened.
    static constexpr std::size_t kMaxChunkBytes = std::size_t{256} << 20;

private:
    std::string keyOf(const std::vector<std::int64_t>& gridIndex, const std::vector<std::int64_t>& grid) const;
    std::vector<std::uint8_t> filled() const;
    std::vector<std::uint8_t> decode(std::vector<std::uint8_t> data, const ZarrCodecChain& codecs, std::size_t bytes,
                                     const std::string& where) const;
    std::vector<std::uint8_t> readSharded(const std::vector<std::int64_t>& index) const;
    std::shared_ptr<const std::vector<std::uint64_t>> shardIndex(const std::string& file, std::size_t entries) const;

    std::string dir_;
    ZarrArrayInfo info_;
    std::size_t chunkBytes_ = 0;
    mutable std::mutex indexMutex_;
    mutable std::map<std::string, std::shared_ptr<const std::vector<std::uint64_t>>> shardIndexes_;
};

}  // namespace hescape
