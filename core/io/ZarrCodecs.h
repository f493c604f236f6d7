// The byte-level codecs of Zarr v2 and v3 chunks: blosc, zstd, zlib/gzip and
// none, plus CRC-32C (the checksum Zarr v3 shard indexes carry). Each decoder
// is told the exact size the chunk must decode to and refuses anything else,
// so a header never decides how much is allocated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace hescape {

class ZarrError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class ZarrCompressor { None, Blosc, Zstd, Zlib };

// "blosc", "zstd", "zlib"/"gzip" (both inflate), "" for none; throws ZarrError for others.
ZarrCompressor zarrCompressorNamed(const std::string& id, const std::string& where);
std::string zarrCompressorName(ZarrCompressor c);

// Decodes `data` to exactly `expectedBytes` bytes; `where` names the chunk in errors.
std::vector<std::uint8_t> zarrDecompress(ZarrCompressor c, const std::vector<std::uint8_t>& data,
                                         std::size_t expectedBytes, const std::string& where);

// CRC-32C (Castagnoli), as Zarr v3's crc32c codec and shard indexes use it.
std::uint32_t crc32c(const std::uint8_t* data, std::size_t size);

}  // namespace hescape
