// Zarr arrays of text, which ZarrArray (numbers only) does not read, as
// AnnData and SpatialData write them: Zarr v2 object arrays with the
// vlen-utf8 filter ("|O"), v2 fixed-width NumPy strings ("<U n" UTF-32,
// "|S n" bytes), Zarr v3 "string" arrays (the vlen-utf8 codec) and
// "fixed_length_utf32" ones, sharded or not, with blosc / zstd / zlib / gzip
// and crc32c. Scalars (0-d, how anndata stores a string in uns) and 1-d
// arrays; other ranks, filters and codecs are refused by name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hescape {

// Whether the array at `dir` holds text (by its dtype / data_type alone).
bool isZarrStringArray(const std::string& dir);

// Every item, in order (a 0-d array gives one). A missing chunk is the fill
// value (""). Refuses arrays of more than `maxItems` items before reading.
// Throws ZarrError naming the file (or chunk) and the field at fault.
std::vector<std::string> readZarrStrings(const std::string& dir, std::size_t maxItems = std::size_t{1} << 26);

}  // namespace hescape
