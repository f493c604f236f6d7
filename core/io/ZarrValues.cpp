// ZarrValues: chunks decoded in parallel, their valid parts (edge chunks are
// padded) converted row by row into the output.
#include "core/io/ZarrValues.h"

#include "core/compute/ParallelFor.h"

#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

namespace hescape {

namespace {

enum class Sample { U8, I8, I16, U16, I32, U32, I64, U64, F32, F64 };

Sample sampleOf(const ZarrArrayInfo& info) {
    const std::string& t = info.dataType;
    if (t == "bool" || t == "uint8") return Sample::U8;
    if (t == "int8") return Sample::I8;
    if (t == "int16") return Sample::I16;
    if (t == "uint16") return Sample::U16;
    if (t == "int32") return Sample::I32;
    if (t == "uint32") return Sample::U32;
    if (t == "int64") return Sample::I64;
    if (t == "uint64") return Sample::U64;
    if (t == "float32") return Sample::F32;
    return Sample::F64;  // ZarrArray accepts no other type
}

template <class T, class S>
T convertOne(S v, const std::string& where) {
    if constexpr (std::is_floating_point_v<T>) {
        if constexpr (std::is_same_v<T, float> && std::is_same_v<S, double>) {
            // As HDF5 converts: nearest, out of range to infinity (a plain cast would be undefined).
            if (v > std::numeric_limits<float>::max()) return std::numeric_limits<float>::infinity();
            if (v < std::numeric_limits<float>::lowest()) return -std::numeric_limits<float>::infinity();
        }
        return static_cast<T>(v);
    } else if constexpr (std::is_floating_point_v<S>) {
        throw ZarrError(where + ": holds floating-point values where integers are needed");
    } else {
        if (!std::in_range<T>(v)) throw ZarrError(where + ": value " + std::to_string(v) + " is out of range here");
        return static_cast<T>(v);
    }
}

template <class T, class S>
void convertRun(const std::uint8_t* src, T* dst, std::size_t n, const std::string& where) {
    for (std::size_t i = 0; i < n; ++i) {
        S v;
        std::memcpy(&v, src + i * sizeof(S), sizeof(S));
        dst[i] = convertOne<T>(v, where);
    }
}

template <class T>
void convert(Sample s, const std::uint8_t* src, T* dst, std::size_t n, const std::string& where) {
    switch (s) {
        case Sample::U8: return convertRun<T, std::uint8_t>(src, dst, n, where);
        case Sample::I8: return convertRun<T, std::int8_t>(src, dst, n, where);
        case Sample::I16: return convertRun<T, std::int16_t>(src, dst, n, where);
        case Sample::U16: return convertRun<T, std::uint16_t>(src, dst, n, where);
        case Sample::I32: return convertRun<T, std::int32_t>(src, dst, n, where);
        case Sample::U32: return convertRun<T, std::uint32_t>(src, dst, n, where);
        case Sample::I64: return convertRun<T, std::int64_t>(src, dst, n, where);
        case Sample::U64: return convertRun<T, std::uint64_t>(src, dst, n, where);
        case Sample::F32: return convertRun<T, float>(src, dst, n, where);
        case Sample::F64: return convertRun<T, double>(src, dst, n, where);
    }
}

// Rank 1 is read as rows x 1.
struct Geometry {
    std::int64_t rows = 0, cols = 1, chunkRows = 1, chunkCols = 1, gridCols = 1;
};

Geometry geometryOf(const ZarrArray& a) {
    const auto& info = a.info();
    if (info.shape.size() != 1 && info.shape.size() != 2)
        throw ZarrError(a.path() + ": has " + std::to_string(info.shape.size()) + " dimensions; only 1-d and 2-d arrays are read here");
    Geometry g;
    g.rows = info.shape[0];
    g.chunkRows = info.chunks[0];
    if (info.shape.size() == 2) {
        g.cols = info.shape[1];
        g.chunkCols = info.chunks[1];
        g.gridCols = (g.cols + g.chunkCols - 1) / g.chunkCols;
    }
    return g;
}

}  // namespace

bool zarrIsInteger(const ZarrArray& array) {
    const Sample s = sampleOf(array.info());
    return s != Sample::F32 && s != Sample::F64;
}

template <class T>
std::vector<T> readZarrValues(const ZarrArray& array, std::size_t maxValues, const Progress& progress) {
    const Geometry g = geometryOf(array);
    if (g.cols != 0 && static_cast<std::uint64_t>(g.rows) > maxValues / static_cast<std::uint64_t>(g.cols))
        throw ZarrError(array.path() + ": holds " + std::to_string(g.rows) + " x " + std::to_string(g.cols) +
                        " values, more than the " + std::to_string(maxValues) + " expected here");
    std::vector<T> out(static_cast<std::size_t>(g.rows * g.cols));
    if (out.empty()) return out;
    const Sample s = sampleOf(array.info());
    const auto bytes = static_cast<std::size_t>(array.info().bytesPerSample);
    const std::int64_t gridRows = (g.rows + g.chunkRows - 1) / g.chunkRows;
    const bool twoD = array.info().shape.size() == 2;
    forEachWorker(gridRows * g.gridCols, 0, progress, [&](const auto& claim) {
        for (std::int64_t k = claim(); k >= 0; k = claim()) {
            const std::int64_t gr = k / g.gridCols, gc = k % g.gridCols;
            const auto chunk = array.readChunk(twoD ? std::vector<std::int64_t>{gr, gc} : std::vector<std::int64_t>{gr});
            const std::int64_t r0 = gr * g.chunkRows, c0 = gc * g.chunkCols;
            const std::int64_t nr = std::min(g.chunkRows, g.rows - r0), nc = std::min(g.chunkCols, g.cols - c0);
            for (std::int64_t r = 0; r < nr; ++r) {
                const std::uint8_t* src = chunk.data() + static_cast<std::size_t>(r * g.chunkCols) * bytes;
                convert(s, src, out.data() + (r0 + r) * g.cols + c0, static_cast<std::size_t>(nc), array.path());
            }
        }
    });
    return out;
}

template std::vector<float> readZarrValues<float>(const ZarrArray&, std::size_t, const Progress&);
template std::vector<double> readZarrValues<double>(const ZarrArray&, std::size_t, const Progress&);
template std::vector<std::int64_t> readZarrValues<std::int64_t>(const ZarrArray&, std::size_t, const Progress&);
template std::vector<std::int32_t> readZarrValues<std::int32_t>(const ZarrArray&, std::size_t, const Progress&);

}  // namespace hescape
