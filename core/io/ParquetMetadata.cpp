// ParquetMetadata: FileMetaData and PageHeader from the compact protocol.
// Field numbers are parquet.thrift's; a field with the wrong wire type is an
// error rather than a guess, and unknown fields are skipped.
#include "core/io/ParquetMetadata.h"

#include <array>

namespace hescape {

namespace {

void expectType(ThriftType actual, ThriftType expected, const char* field) {
    if (actual != expected)
        throw ThriftError(std::string(field) + " has wire type " + thriftTypeName(actual) + ", expected " + thriftTypeName(expected));
}

std::int32_t i32(ThriftCompactReader& r, ThriftType t, const char* field) {
    expectType(t, ThriftType::I32, field);
    return r.readI32();
}

std::int64_t i64(ThriftCompactReader& r, ThriftType t, const char* field) {
    expectType(t, ThriftType::I64, field);
    return r.readI64();
}

std::string binary(ThriftCompactReader& r, ThriftType t, const char* field) {
    expectType(t, ThriftType::Binary, field);
    return r.readBinary();
}

void require(bool present, const char* field) {
    if (!present) throw ThriftError(std::string(field) + " (a required field) is missing");
}

// Sizes, counts, offsets and enum values: fields default to -1, so a negative
// value is either missing or corrupt.
void requireCount(std::int64_t value, const char* field) {
    if (value < 0) throw ThriftError(std::string(field) + " is missing or negative (" + std::to_string(value) + ")");
}

// Runs `f`, prefixing any ThriftError with `context` so that a message
// leads from the footer's root to the field at fault.
template <class F>
void within(const std::string& context, F&& f) {
    try {
        f();
    } catch (const ThriftError& e) {
        throw ThriftError(context + ": " + e.what());
    }
}

// Walks one struct; `onField(id, type)` returns false for fields it does not
// read, which are then skipped.
template <class F>
void readStruct(ThriftCompactReader& r, F&& onField) {
    r.beginStruct();
    std::int16_t id = 0;
    ThriftType type = ThriftType::Stop;
    while (r.nextField(id, type))
        if (!onField(id, type)) r.skip(type);
    r.endStruct();
}

template <class F>
void readList(ThriftCompactReader& r, ThriftType t, ThriftType element, const char* field, F&& onElement) {
    expectType(t, ThriftType::List, field);
    ThriftCompactReader::ListHeader header;
    within(field, [&] { header = r.readListHeader(); });
    if (header.size > 0 && header.elementType != element)
        throw ThriftError(std::string(field) + " holds " + thriftTypeName(header.elementType) + " elements, expected " +
                          thriftTypeName(element));
    for (std::size_t i = 0; i < header.size; ++i)
        within(std::string(field) + "[" + std::to_string(i) + "]", [&] { onElement(); });
}

const char* timeUnitName(ThriftCompactReader& r, ThriftType t) {
    expectType(t, ThriftType::Struct, "TimeUnit");
    const char* unit = "?";
    readStruct(r, [&](std::int16_t id, ThriftType) {
        static constexpr std::array<const char*, 4> names{"?", "MILLIS", "MICROS", "NANOS"};
        if (id >= 1 && id <= 3) unit = names[static_cast<std::size_t>(id)];
        return false;  // the unit structs are empty; skip them
    });
    return unit;
}

// TIME and TIMESTAMP: {1: bool isAdjustedToUTC, 2: TimeUnit unit}.
std::string timeType(ThriftCompactReader& r, const char* kind) {
    bool utc = false;
    std::string unit = "?";
    readStruct(r, [&](std::int16_t id, ThriftType t) {
        if (id == 1) utc = r.readFieldBool(t);
        else if (id == 2) unit = timeUnitName(r, t);
        else return false;
        return true;
    });
    return std::string(kind) + "(" + unit + (utc ? ", UTC)" : ", local)");
}

ParquetLogicalType integerType(ThriftCompactReader& r) {
    int bits = 0;
    bool isSigned = true;
    readStruct(r, [&](std::int16_t id, ThriftType t) {
        if (id == 1) { expectType(t, ThriftType::I8, "IntType.bitWidth"); bits = r.readI8(); }
        else if (id == 2) isSigned = r.readFieldBool(t);
        else return false;
        return true;
    });
    return {"INT(" + std::to_string(bits) + (isSigned ? ", signed)" : ", unsigned)"), !isSigned, std::nullopt};
}

ParquetLogicalType decimalType(ThriftCompactReader& r) {
    std::int32_t scale = 0, precision = 0;
    readStruct(r, [&](std::int16_t id, ThriftType t) {
        if (id == 1) scale = i32(r, t, "DecimalType.scale");
        else if (id == 2) precision = i32(r, t, "DecimalType.precision");
        else return false;
        return true;
    });
    return {"DECIMAL(" + std::to_string(precision) + ", " + std::to_string(scale) + ")", false, scale};
}

// The LogicalType union: exactly one field, itself a (mostly empty) struct.
ParquetLogicalType logicalType(ThriftCompactReader& r) {
    static const std::array<const char*, 20> names{"?", "STRING", "MAP", "LIST", "ENUM", "DECIMAL", "DATE", "TIME", "TIMESTAMP", "?",
                                                   "INT", "NULL", "JSON", "BSON", "UUID", "FLOAT16", "VARIANT", "GEOMETRY",
                                                   "GEOGRAPHY", "VECTOR"};
    ParquetLogicalType out;
    readStruct(r, [&](std::int16_t id, ThriftType t) {
        expectType(t, ThriftType::Struct, "LogicalType member");
        if (id == 5) out = decimalType(r);
        else if (id == 7 || id == 8) out.name = timeType(r, names[static_cast<std::size_t>(id)]);
        else if (id == 10) out = integerType(r);
        else {
            out.name = id > 0 && id < static_cast<int>(names.size()) ? names[static_cast<std::size_t>(id)]
                                                                      : "logical type " + std::to_string(id);
            return false;
        }
        return true;
    });
    return out;
}

// ConvertedType, the older annotation, for writers that set no LogicalType.
ParquetLogicalType convertedType(std::int32_t converted, std::optional<std::int32_t> scale, std::optional<std::int32_t> precision) {
    static const std::array<const char*, 22> names{
        "STRING", "MAP", "MAP_KEY_VALUE", "LIST", "ENUM", "DECIMAL", "DATE", "TIME(MILLIS, UTC)", "TIME(MICROS, UTC)",
        "TIMESTAMP(MILLIS, UTC)", "TIMESTAMP(MICROS, UTC)", "INT(8, unsigned)", "INT(16, unsigned)", "INT(32, unsigned)",
        "INT(64, unsigned)", "INT(8, signed)", "INT(16, signed)", "INT(32, signed)", "INT(64, signed)", "JSON", "BSON", "INTERVAL"};
    if (converted < 0 || converted >= static_cast<std::int32_t>(names.size())) return {"converted type " + std::to_string(converted), false, {}};
    if (converted == 5)
        return {"DECIMAL(" + std::to_string(precision.value_or(0)) + ", " + std::to_string(scale.value_or(0)) + ")", false, scale.value_or(0)};
    return {names[static_cast<std::size_t>(converted)], converted >= 11 && converted <= 14, std::nullopt};
}

ParquetSchemaElement schemaElement(ThriftCompactReader& r) {
    ParquetSchemaElement e;
    bool hasName = false;
    std::optional<std::int32_t> converted, scale, precision;
    std::optional<ParquetLogicalType> logical;
    readStruct(r, [&](std::int16_t id, ThriftType t) {
        switch (id) {
            case 1: e.type = i32(r, t, "SchemaElement.type"); return true;
            case 2: e.typeLength = i32(r, t, "SchemaElement.type_length"); return true;
            case 3: e.repetition = i32(r, t, "SchemaElement.repetition_type"); return true;
            case 4: e.name = binary(r, t, "SchemaElement.name"); hasName = true; return true;
            case 5: e.numChildren = i32(r, t, "SchemaElement.num_children"); return true;
            case 6: converted = i32(r, t, "SchemaElement.converted_type"); return true;
            case 7: scale = i32(r, t, "SchemaElement.scale"); return true;
            case 8: precision = i32(r, t, "SchemaElement.precision"); return true;
            case 10:
                expectType(t, ThriftType::Struct, "SchemaElement.logicalType");
                within("SchemaElement.logicalType", [&] { logical = logicalType(r); });
                return true;
            default: return false;
        }
    });
    require(hasName, "SchemaElement.name");
    if (logical) e.logical = *logical;
    else if (converted) e.logical = convertedType(*converted, scale, precision);
    return e;
}

ParquetColumnMeta columnMeta(ThriftCompactReader& r) {
    ParquetColumnMeta m;
    readStruct(r, [&](std::int16_t id, ThriftType t) {
        switch (id) {
            case 1: m.type = i32(r, t, "ColumnMetaData.type"); return true;
            case 2:
                readList(r, t, ThriftType::I32, "ColumnMetaData.encodings", [&] { m.encodings.push_back(r.readI32()); });
                return true;
            case 3:
                readList(r, t, ThriftType::Binary, "ColumnMetaData.path_in_schema", [&] { m.path.push_back(r.readBinary()); });
                return true;
            case 4: m.codec = i32(r, t, "ColumnMetaData.codec"); return true;
            case 5: m.numValues = i64(r, t, "ColumnMetaData.num_values"); return true;
            case 6: m.totalUncompressedSize = i64(r, t, "ColumnMetaData.total_uncompressed_size"); return true;
            case 7: m.totalCompressedSize = i64(r, t, "ColumnMetaData.total_compressed_size"); return true;
            case 9: m.dataPageOffset = i64(r, t, "ColumnMetaData.data_page_offset"); return true;
            case 11: m.dictionaryPageOffset = i64(r, t, "ColumnMetaData.dictionary_page_offset"); return true;
            default: return false;
        }
    });
    requireCount(m.type, "ColumnMetaData.type");
    require(!m.path.empty(), "ColumnMetaData.path_in_schema");
    requireCount(m.codec, "ColumnMetaData.codec");
    requireCount(m.numValues, "ColumnMetaData.num_values");
    requireCount(m.totalCompressedSize, "ColumnMetaData.total_compressed_size");
    requireCount(m.dataPageOffset, "ColumnMetaData.data_page_offset");
    return m;
}

ParquetColumnChunk columnChunk(ThriftCompactReader& r) {
    ParquetColumnChunk c;
    readStruct(r, [&](std::int16_t id, ThriftType t) {
        if (id == 1) {
            c.filePath = binary(r, t, "ColumnChunk.file_path");
        } else if (id == 3) {
            expectType(t, ThriftType::Struct, "ColumnChunk.meta_data");
            within("meta_data", [&] { c.meta = columnMeta(r); });
        } else {
            if (id == 8 || id == 9) c.encrypted = true;  // crypto_metadata / encrypted_column_metadata
            return false;
        }
        return true;
    });
    return c;
}

ParquetRowGroup rowGroup(ThriftCompactReader& r) {
    ParquetRowGroup g;
    readStruct(r, [&](std::int16_t id, ThriftType t) {
        if (id == 1) readList(r, t, ThriftType::Struct, "columns", [&] { g.columns.push_back(columnChunk(r)); });
        else if (id == 3) g.numRows = i64(r, t, "RowGroup.num_rows");
        else return false;
        return true;
    });
    requireCount(g.numRows, "RowGroup.num_rows");
    return g;
}

std::pair<std::string, std::string> keyValue(ThriftCompactReader& r) {
    std::pair<std::string, std::string> kv;
    readStruct(r, [&](std::int16_t id, ThriftType t) {
        if (id == 1) kv.first = binary(r, t, "KeyValue.key");
        else if (id == 2) kv.second = binary(r, t, "KeyValue.value");
        else return false;
        return true;
    });
    return kv;
}

ParquetDataPageHeader dataPageHeader(ThriftCompactReader& r) {
    ParquetDataPageHeader d;
    readStruct(r, [&](std::int16_t id, ThriftType t) {
        if (id == 1) d.numValues = i32(r, t, "DataPageHeader.num_values");
        else if (id == 2) d.encoding = i32(r, t, "DataPageHeader.encoding");
        else if (id == 3) d.definitionLevelEncoding = i32(r, t, "DataPageHeader.definition_level_encoding");
        else if (id == 4) d.repetitionLevelEncoding = i32(r, t, "DataPageHeader.repetition_level_encoding");
        else return false;
        return true;
    });
    requireCount(d.numValues, "DataPageHeader.num_values");
    requireCount(d.encoding, "DataPageHeader.encoding");
    return d;
}

ParquetDictionaryPageHeader dictionaryPageHeader(ThriftCompactReader& r) {
    ParquetDictionaryPageHeader d;
    readStruct(r, [&](std::int16_t id, ThriftType t) {
        if (id == 1) d.numValues = i32(r, t, "DictionaryPageHeader.num_values");
        else if (id == 2) d.encoding = i32(r, t, "DictionaryPageHeader.encoding");
        else return false;
        return true;
    });
    requireCount(d.numValues, "DictionaryPageHeader.num_values");
    requireCount(d.encoding, "DictionaryPageHeader.encoding");
    return d;
}

ParquetDataPageHeaderV2 dataPageHeaderV2(ThriftCompactReader& r) {
    ParquetDataPageHeaderV2 d;
    readStruct(r, [&](std::int16_t id, ThriftType t) {
        switch (id) {
            case 1: d.numValues = i32(r, t, "DataPageHeaderV2.num_values"); return true;
            case 2: d.numNulls = i32(r, t, "DataPageHeaderV2.num_nulls"); return true;
            case 3: d.numRows = i32(r, t, "DataPageHeaderV2.num_rows"); return true;
            case 4: d.encoding = i32(r, t, "DataPageHeaderV2.encoding"); return true;
            case 5: d.definitionLevelsByteLength = i32(r, t, "DataPageHeaderV2.definition_levels_byte_length"); return true;
            case 6: d.repetitionLevelsByteLength = i32(r, t, "DataPageHeaderV2.repetition_levels_byte_length"); return true;
            case 7: d.isCompressed = r.readFieldBool(t); return true;
            default: return false;
        }
    });
    requireCount(d.numValues, "DataPageHeaderV2.num_values");
    requireCount(d.numNulls, "DataPageHeaderV2.num_nulls");
    requireCount(d.numRows, "DataPageHeaderV2.num_rows");
    requireCount(d.encoding, "DataPageHeaderV2.encoding");
    requireCount(d.definitionLevelsByteLength, "DataPageHeaderV2.definition_levels_byte_length");
    requireCount(d.repetitionLevelsByteLength, "DataPageHeaderV2.repetition_levels_byte_length");
    return d;
}

}  // namespace

std::string parquetTypeName(std::int32_t type) {
    static const std::array<const char*, 8> names{"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
    if (type >= 0 && type < static_cast<std::int32_t>(names.size())) return names[static_cast<std::size_t>(type)];
    return "physical type " + std::to_string(type);
}

std::string parquetEncodingName(std::int32_t encoding) {
    static const std::array<const char*, 11> names{"PLAIN", "GROUP_VAR_INT", "PLAIN_DICTIONARY", "RLE", "BIT_PACKED",
                                                   "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY",
                                                   "RLE_DICTIONARY", "BYTE_STREAM_SPLIT", "ALP"};
    if (encoding >= 0 && encoding < static_cast<std::int32_t>(names.size())) return names[static_cast<std::size_t>(encoding)];
    return "encoding " + std::to_string(encoding);
}

std::string parquetCodecName(std::int32_t codec) {
    static const std::array<const char*, 8> names{"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW"};
    if (codec >= 0 && codec < static_cast<std::int32_t>(names.size())) return names[static_cast<std::size_t>(codec)];
    return "codec " + std::to_string(codec);
}

ParquetFileMeta parseParquetFileMeta(std::span<const std::uint8_t> footer) {
    ThriftCompactReader r(footer);
    ParquetFileMeta m;
    bool hasSchema = false, hasRowGroups = false;
    readStruct(r, [&](std::int16_t id, ThriftType t) {
        switch (id) {
            case 1: m.version = i32(r, t, "FileMetaData.version"); return true;
            case 2:
                hasSchema = true;
                readList(r, t, ThriftType::Struct, "schema", [&] { m.schema.push_back(schemaElement(r)); });
                return true;
            case 3: m.numRows = i64(r, t, "FileMetaData.num_rows"); return true;
            case 4:
                hasRowGroups = true;
                readList(r, t, ThriftType::Struct, "row_groups", [&] { m.rowGroups.push_back(rowGroup(r)); });
                return true;
            case 5: readList(r, t, ThriftType::Struct, "key_value_metadata", [&] { m.keyValues.push_back(keyValue(r)); }); return true;
            case 6: m.createdBy = binary(r, t, "FileMetaData.created_by"); return true;
            default: return false;
        }
    });
    require(hasSchema, "FileMetaData.schema");
    requireCount(m.numRows, "FileMetaData.num_rows");
    require(hasRowGroups, "FileMetaData.row_groups");
    if (r.remaining() != 0)
        throw ThriftError("FileMetaData ends " + std::to_string(r.remaining()) + " bytes before the footer does (wrong footer length?)");
    return m;
}

ParquetPageHeader parseParquetPageHeader(ThriftCompactReader& r) {
    ParquetPageHeader h;
    readStruct(r, [&](std::int16_t id, ThriftType t) {
        switch (id) {
            case 1: h.type = i32(r, t, "PageHeader.type"); return true;
            case 2: h.uncompressedSize = i32(r, t, "PageHeader.uncompressed_page_size"); return true;
            case 3: h.compressedSize = i32(r, t, "PageHeader.compressed_page_size"); return true;
            case 5:
                expectType(t, ThriftType::Struct, "PageHeader.data_page_header");
                h.dataV1 = dataPageHeader(r);
                return true;
            case 7:
                expectType(t, ThriftType::Struct, "PageHeader.dictionary_page_header");
                h.dictionary = dictionaryPageHeader(r);
                return true;
            case 8:
                expectType(t, ThriftType::Struct, "PageHeader.data_page_header_v2");
                h.dataV2 = dataPageHeaderV2(r);
                return true;
            default: return false;
        }
    });
    requireCount(h.type, "PageHeader.type");
    requireCount(h.uncompressedSize, "PageHeader.uncompressed_page_size");
    requireCount(h.compressedSize, "PageHeader.compressed_page_size");
    return h;
}

}  // namespace hescape
