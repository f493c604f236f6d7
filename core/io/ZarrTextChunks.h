// Decoding the chunks of Zarr text arrays: decompression when the decoded
// size is not known in advance (a vlen-utf8 chunk is as long as its strings),
// bounded by a limit instead; then the vlen-utf8 layout (numcodecs VLenUTF8,
// which Zarr v3's vlen-utf8 codec also uses: a little-endian uint32 count,
// then per item a uint32 byte length and the UTF-8 bytes) or fixed-width
// items (NumPy "<U n" UTF-32 and "|S n" bytes, NUL-padded). Every length is
// checked against the bytes that hold it.
#pragma once

#include "core/io/ZarrCodecs.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hescape {

// `data` decompressed by `c`, refusing output longer than `limit` bytes
// (blosc and zstd frames that declare their size are checked before any
// allocation; zlib/gzip and size-less zstd frames are inflated in steps).
std::vector<std::uint8_t> zarrDecompressBounded(ZarrCompressor c, const std::vector<std::uint8_t>& data,
                                                std::size_t limit, const std::string& where);

// The items of a vlen-utf8 chunk; the count it declares must be `items`
// (the chunk's length, edge chunks padded) or `valid` (the elements of the
// array inside an edge chunk, which some writers store alone).
std::vector<std::string> decodeVlenUtf8(const std::vector<std::uint8_t>& data, std::size_t items, std::size_t valid,
                                        const std::string& where);

// `items` fixed-width items of `width` bytes: UTF-32 (little- or big-endian)
// converted to UTF-8, or plain bytes; trailing NULs removed.
std::vector<std::string> decodeFixedText(const std::vector<std::uint8_t>& data, std::size_t items, std::size_t width,
                                         bool utf32, bool bigEndian, const std::string& where);

}  // namespace hescape
