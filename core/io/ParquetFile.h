// A small reader of Apache Parquet files with flat schemas, for the tables
// 10x writes (Visium HD tissue_positions.parquet; Xenium cells, transcripts
// and boundaries) and HEST's metadata.
//
// Why it exists: Debian 12 packages no Parquet library for C++ (no
// libarrow / libparquet: `apt-cache search parquet` finds nothing, and
// `apt-cache search arrow | grep -i lib` only Haskell's arrows and netwire)
// and no reader for Python or R either (`/usr/bin/python3 -c 'import
// pyarrow'` fails; fastparquet, polars, duckdb and R's arrow are not
// packaged), so the project reads the format itself.
//
// What it reads: the footer (PAR1 magic at both ends, FileMetaData in the
// Thrift compact protocol: schema, row groups, column chunks,
// key_value_metadata); data pages v1 and v2 and dictionary pages; PLAIN,
// RLE_DICTIONARY / PLAIN_DICTIONARY and (for booleans) RLE values; RLE
// definition levels, so OPTIONAL columns give nulls; UNCOMPRESSED, SNAPPY,
// GZIP and ZSTD pages; BOOLEAN, INT32, INT64, FLOAT, DOUBLE and BYTE_ARRAY
// columns. Logical types are reported (STRING, INT(n, signed/unsigned),
// TIMESTAMP as int64, DECIMAL, ...), values stay in their physical type.
//
// What it refuses, by name and only when that column is asked for: nested
// or repeated columns, INT96 and FIXED_LEN_BYTE_ARRAY columns, other
// encodings (DELTA_*, BYTE_STREAM_SPLIT, ...), other codecs (LZ4, BROTLI,
// LZO), encrypted columns. Other columns of the same file still read.
//
// It reads only the column chunks asked for, one row group at a time, at
// their byte ranges; it never reads the whole file. Every size a header
// declares is checked against the file, the bytes that hold it and a limit
// before it sizes an allocation; every failure is a ParquetError whose
// message starts with the file path and names the column, row group, page
// (counted from 0 within the column chunk, its dictionary page included) or
// footer field at fault.
#pragma once

#include "core/io/ParquetMetadata.h"
#include "core/io/ParquetPages.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace hescape {

struct ParquetColumnInfo {
    std::string name;  // a leaf's path, dotted for nested columns ("loc.x")
    ParquetType physicalType = ParquetType::ByteArray;
    std::string logicalType;  // "STRING", "INT(16, signed)", "TIMESTAMP(MICROS, UTC)", ...; "" when none
    bool optional = false;    // OPTIONAL: rows may be null
    bool readable = true;     // false: readColumn refuses it ...
    std::string whyNot;       // ... for this reason ("is nested inside group 'loc'", ...)
};

// Reads go through pread, so the const members may run on several threads at once.
class ParquetFile {
public:
    // Opens `path` and reads and checks its footer. Throws ParquetError.
    static ParquetFile open(const std::string& path);

    ParquetFile(ParquetFile&& other) noexcept;
    ParquetFile& operator=(ParquetFile&& other) noexcept;
    ParquetFile(const ParquetFile&) = delete;
    ParquetFile& operator=(const ParquetFile&) = delete;
    ~ParquetFile();

    const std::string& path() const { return path_; }
    std::int64_t rowCount() const { return meta_.numRows; }
    std::size_t rowGroupCount() const { return meta_.rowGroups.size(); }
    const std::string& createdBy() const { return meta_.createdBy; }
    const std::vector<std::pair<std::string, std::string>>& keyValueMetadata() const { return meta_.keyValues; }
    // The leaf columns, in schema order.
    const std::vector<ParquetColumnInfo>& columns() const { return columns_; }

    // The whole column, one entry per row. Throws ParquetError for unknown
    // or unreadable columns and for any fault in its pages.
    ParquetColumn readColumn(const std::string& name) const;
    // Any BOOLEAN / INT32 / INT64 / FLOAT / DOUBLE column as doubles (unsigned
    // integers as unsigned, DECIMAL scaled); nulls are NaN.
    std::vector<double> readDoubles(const std::string& name) const;
    // A BYTE_ARRAY column as strings; nulls are "".
    std::vector<std::string> readStrings(const std::string& name) const;

private:
    struct Leaf {
        std::size_t chunkIndex = 0;  // its column chunk in every row group
        std::vector<std::string> path;
        int maxDefinitionLevel = 0;
        ParquetLogicalType logical;
    };

    ParquetFile(std::string path, int fd);
    void readFooter();
    void buildColumns();
    std::size_t leafIndex(const std::string& name) const;
    std::vector<std::uint8_t> readBytes(std::uint64_t offset, std::uint64_t size) const;
    void readChunk(std::size_t leaf, std::size_t rowGroup, ParquetColumn& out) const;
    void readPages(std::size_t leaf, std::size_t rowGroup, const ParquetColumnMeta& chunk, std::span<const std::uint8_t> bytes,
                   ParquetColumn& out) const;
    const ParquetColumnMeta& checkedChunkMeta(std::size_t leaf, std::size_t rowGroup) const;
    std::string where(std::size_t leaf, std::size_t rowGroup) const;

    std::string path_;
    int fd_ = -1;
    std::uint64_t fileSize_ = 0;
    std::uint64_t dataEnd_ = 0;  // where the footer starts: column chunks lie in [4, dataEnd_)
    ParquetFileMeta meta_;
    std::vector<ParquetColumnInfo> columns_;
    std::vector<Leaf> leaves_;
    std::vector<std::string> groups_;  // dotted paths of the schema's groups (nested columns)
};

}  // namespace hescape
