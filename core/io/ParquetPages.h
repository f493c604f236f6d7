// Decoding of Parquet pages that are already decompressed, for flat columns
// (no repetition levels, definition level 0 or 1): the RLE / bit-packed
// hybrid (Encodings.md), PLAIN values, dictionary pages and
// RLE_DICTIONARY / PLAIN_DICTIONARY indices, and RLE booleans. Every count is
// checked against the bytes that hold it before it sizes anything, and every
// dictionary index against the dictionary.
#pragma once

#include "core/io/ParquetMetadata.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace hescape {

// One column's values, one entry per row. BOOLEAN is std::uint8_t (0 / 1);
// BYTE_ARRAY is std::string (bytes, UTF-8 for STRING columns).
using ParquetValues = std::variant<std::vector<std::int32_t>, std::vector<std::int64_t>, std::vector<float>, std::vector<double>,
                                   std::vector<std::uint8_t>, std::vector<std::string>>;

// An empty ParquetValues of the alternative that holds `type`. Throws
// ParquetError for INT96 and FIXED_LEN_BYTE_ARRAY, which are not decoded.
ParquetValues parquetValuesFor(ParquetType type);

struct ParquetColumn {
    ParquetValues values;             // a null row holds 0, false or ""
    std::vector<std::uint8_t> valid;  // per row: 1 = a value, 0 = null
    std::size_t nullCount = 0;

    std::size_t size() const { return valid.size(); }
};

// A page may declare at most this many values. Arrow and parquet-mr cut pages
// at 20 000 rows today; older Arrow wrote a whole row group (up to 64 Mi rows)
// into one page when a column was constant, which this still accepts.
inline constexpr std::size_t kParquetMaxPageValues = std::size_t{1} << 26;

// The RLE / bit-packed hybrid of a known bit width (0 to 32), without the
// 4-byte length some uses put in front of it.
class RleBitPackedDecoder {
public:
    RleBitPackedDecoder(std::span<const std::uint8_t> data, int bitWidth);
    // Appends exactly `count` values; throws ParquetError if the runs end
    // first or the bit width is wider than T. T: std::uint8_t (levels) or
    // std::uint32_t (dictionary indices). Memory grows with the values
    // decoded, never with `count` alone.
    template <class T>
    void decode(std::size_t count, std::vector<T>& out);

private:
    std::uint32_t runHeader();
    template <class T>
    void unpack(std::size_t groups, std::size_t take, std::vector<T>& out);

    std::span<const std::uint8_t> data_;
    std::size_t pos_ = 0;
    int bitWidth_;
};

// Decodes the pages of one column chunk, in order, appending rows to `out`.
// Throws ParquetError without a location (the caller names file and page).
class ParquetPageDecoder {
public:
    ParquetPageDecoder(ParquetType type, int maxDefinitionLevel, ParquetColumn& out);

    void readDictionaryPage(const ParquetDictionaryPageHeader& header, std::span<const std::uint8_t> body);
    // v1: [definition levels with a 4-byte length, when the column is optional] values
    void readDataPageV1(const ParquetDataPageHeader& header, std::span<const std::uint8_t> body);
    // v2: the levels (no length prefix) and the values come apart.
    void readDataPageV2(const ParquetDataPageHeaderV2& header, std::span<const std::uint8_t> definitionLevels,
                        std::span<const std::uint8_t> values);

private:
    std::size_t readDefinitionLevels(std::span<const std::uint8_t> rle, std::size_t numValues);
    void appendValues(std::int32_t encoding, std::span<const std::uint8_t> data, std::size_t numValues, std::size_t present);

    ParquetType type_;
    int maxDefinitionLevel_;
    ParquetColumn& out_;
    std::optional<ParquetValues> dictionary_;
    std::vector<std::uint8_t> levels_;  // the current page's definition levels
};

}  // namespace hescape
