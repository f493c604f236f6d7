// Whole numeric Zarr arrays (rank 1 or 2) in memory, C order, converted to
// the type a reader needs: what AnnData's X, obsm, sparse parts and data
// frame columns are, and SpatialData's legacy shapes coordinates. ZarrArray
// decodes the chunks (on the thread budget); this places them and converts.
#pragma once

#include "core/common/Progress.h"
#include "core/io/ZarrArray.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hescape {

// Every sample of `array`, row-major. T is float or double (any numeric or
// bool type converts; double -> float rounds to nearest, out of range gives
// infinity), or std::int64_t / std::int32_t (integer and bool types only,
// every value range-checked). Refuses arrays of more than `maxValues`
// samples before allocating, and ranks other than 1 and 2. Throws ZarrError
// naming the array (or chunk) and what is wrong.
template <class T>
std::vector<T> readZarrValues(const ZarrArray& array, std::size_t maxValues, const Progress& progress = {});

extern template std::vector<float> readZarrValues<float>(const ZarrArray&, std::size_t, const Progress&);
extern template std::vector<double> readZarrValues<double>(const ZarrArray&, std::size_t, const Progress&);
extern template std::vector<std::int64_t> readZarrValues<std::int64_t>(const ZarrArray&, std::size_t, const Progress&);
extern template std::vector<std::int32_t> readZarrValues<std::int32_t>(const ZarrArray&, std::size_t, const Progress&);

// Whether the array's samples are integers (or bools) rather than floating point.
bool zarrIsInteger(const ZarrArray& array);

}  // namespace hescape
