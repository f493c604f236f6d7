// Parquet's footer and page headers as plain structs, decoded from the Thrift
// compact protocol (apache/parquet-format, parquet.thrift). Only the fields a
// reader of flat columns needs are kept; the rest (statistics, indexes, bloom
// filters, column orders) is skipped. Enum-valued fields stay raw integers
// because a file may hold values this reader has never heard of: they are
// named (parquetEncodingName, ...) and refused where they are used.
#pragma once

#include "core/io/ThriftCompact.h"

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace hescape {

// Every failure of the Parquet reader. Messages start with the file path and
// name the column, row group, page or footer field at fault.
class ParquetError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Physical types (parquet.thrift `Type`).
enum class ParquetType : std::int32_t {
    Boolean = 0, Int32 = 1, Int64 = 2, Int96 = 3, Float = 4, Double = 5, ByteArray = 6, FixedLenByteArray = 7,
};

// parquet.thrift's Encoding, CompressionCodec, PageType and FieldRepetitionType values.
namespace parquet_enum {
inline constexpr std::int32_t kPlain = 0, kPlainDictionary = 2, kRle = 3, kBitPacked = 4, kRleDictionary = 8;
inline constexpr std::int32_t kUncompressed = 0, kSnappy = 1, kGzip = 2, kZstd = 6;
inline constexpr std::int32_t kDataPage = 0, kIndexPage = 1, kDictionaryPage = 2, kDataPageV2 = 3;
inline constexpr std::int32_t kRequired = 0, kOptional = 1, kRepeated = 2;
}  // namespace parquet_enum

std::string parquetTypeName(std::int32_t type);
std::string parquetEncodingName(std::int32_t encoding);
std::string parquetCodecName(std::int32_t codec);

// The LogicalType union (or the older ConvertedType it replaces), reduced to
// what the reader reports and converts.
struct ParquetLogicalType {
    std::string name;        // "STRING", "INT(16, signed)", "TIMESTAMP(MILLIS, UTC)", ...; "" when none
    bool isUnsigned = false;  // INT(n, unsigned) / UINT_n: the bits are an unsigned integer
    std::optional<std::int32_t> decimalScale;  // DECIMAL: value = unscaled * 10^-scale
};

struct ParquetSchemaElement {
    std::string name;
    std::optional<std::int32_t> type;
    std::optional<std::int32_t> typeLength;
    std::optional<std::int32_t> repetition;
    std::optional<std::int32_t> numChildren;
    ParquetLogicalType logical;
};

struct ParquetColumnMeta {
    std::int32_t type = -1;
    std::vector<std::int32_t> encodings;
    std::vector<std::string> path;
    std::int32_t codec = -1;
    std::int64_t numValues = -1;
    std::int64_t totalUncompressedSize = -1;
    std::int64_t totalCompressedSize = -1;
    std::int64_t dataPageOffset = -1;
    std::optional<std::int64_t> dictionaryPageOffset;
};

struct ParquetColumnChunk {
    std::optional<std::string> filePath;  // column data in another file (unsupported)
    std::optional<ParquetColumnMeta> meta;
    bool encrypted = false;
};

struct ParquetRowGroup {
    std::vector<ParquetColumnChunk> columns;
    std::int64_t numRows = -1;
};

struct ParquetFileMeta {
    std::int32_t version = 0;
    std::vector<ParquetSchemaElement> schema;
    std::int64_t numRows = -1;
    std::vector<ParquetRowGroup> rowGroups;
    std::vector<std::pair<std::string, std::string>> keyValues;
    std::string createdBy;
};

struct ParquetDataPageHeader {  // v1
    std::int32_t numValues = -1;
    std::int32_t encoding = -1;
    std::int32_t definitionLevelEncoding = -1;
    std::int32_t repetitionLevelEncoding = -1;
};

struct ParquetDictionaryPageHeader {
    std::int32_t numValues = -1;
    std::int32_t encoding = -1;
};

struct ParquetDataPageHeaderV2 {
    std::int32_t numValues = -1;
    std::int32_t numNulls = -1;
    std::int32_t numRows = -1;
    std::int32_t encoding = -1;
    std::int32_t definitionLevelsByteLength = -1;
    std::int32_t repetitionLevelsByteLength = -1;
    bool isCompressed = true;
};

struct ParquetPageHeader {
    std::int32_t type = -1;
    std::int32_t uncompressedSize = -1;
    std::int32_t compressedSize = -1;
    std::optional<ParquetDataPageHeader> dataV1;
    std::optional<ParquetDictionaryPageHeader> dictionary;
    std::optional<ParquetDataPageHeaderV2> dataV2;
};

// Decode the footer / one page header. Throw ThriftError naming the struct
// and field at fault (e.g. "RowGroup[2].columns[0].meta_data: required field
// num_values is missing"); the caller adds the file and column.
ParquetFileMeta parseParquetFileMeta(std::span<const std::uint8_t> footer);
ParquetPageHeader parseParquetPageHeader(ThriftCompactReader& reader);

}  // namespace hescape
