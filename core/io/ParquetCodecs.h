// Page decompression for Parquet: UNCOMPRESSED, SNAPPY (libsnappy, raw
// block format), GZIP (zlib) and ZSTD (libzstd). The page header's
// uncompressed size is untrusted, so it is checked against a size limit and
// against the most a codec can expand the compressed bytes that are really
// there before any buffer is allocated, and the result must have exactly
// that size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace hescape {

// The largest page (compressed or not) the reader accepts. Writers cut pages
// at about 1 MiB (Arrow, parquet-mr), so this only stops corrupt headers.
inline constexpr std::size_t kParquetMaxPageBytes = std::size_t{1} << 30;

bool parquetCodecSupported(std::int32_t codec);

// Decompresses `data` to exactly `uncompressedSize` bytes. Throws
// ParquetError (without a location: the caller adds file, column and page).
std::vector<std::uint8_t> parquetDecompress(std::int32_t codec, std::span<const std::uint8_t> data, std::size_t uncompressedSize);

}  // namespace hescape
