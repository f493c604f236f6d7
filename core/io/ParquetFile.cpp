// ParquetFile: the footer checks, the schema walk and the page loop of one
// column chunk. Bytes come from pread at the exact ranges the checked footer
// names, so only the columns asked for are ever read.
#include "core/io/ParquetFile.h"

#include "core/io/ParquetCodecs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

namespace hescape {

namespace {

using namespace parquet_enum;

// A footer is a few KiB to a few MiB; past this it is corrupt, not large.
constexpr std::uint64_t kMaxFooterBytes = std::uint64_t{256} << 20;
// Groups may nest only so deep before the schema is treated as corrupt.
constexpr std::size_t kMaxSchemaDepth = 64;

std::string str(std::uint64_t n) { return std::to_string(n); }

std::string join(const std::vector<std::string>& parts) {
    std::string s;
    for (const auto& p : parts) s += (s.empty() ? "" : ".") + p;
    return s;
}

// The first page of a chunk: its dictionary page when it has one. (Some
// writers put 0 in dictionary_page_offset to mean "none".)
std::uint64_t chunkStart(const ParquetColumnMeta& m) {
    if (m.dictionaryPageOffset && *m.dictionaryPageOffset > 0)
        return static_cast<std::uint64_t>(std::min(*m.dictionaryPageOffset, m.dataPageOffset));
    return static_cast<std::uint64_t>(m.dataPageOffset);
}

// Why a leaf cannot be read, or "" when it can.
std::string unreadableReason(const ParquetSchemaElement& e, const std::string& parent, bool repeated) {
    if (!parent.empty()) return "is nested inside group '" + parent + "', and only flat columns are read";
    if (!e.repetition) return "has no repetition type in the schema";
    if (repeated) return "is repeated (a list), and only flat columns are read";
    if (*e.repetition != kRequired && *e.repetition != kOptional) return "has an unknown repetition type " + std::to_string(*e.repetition);
    if (!e.type) return "has no physical type in the schema";
    switch (static_cast<ParquetType>(*e.type)) {
        case ParquetType::Int96: return "is INT96 (legacy timestamps), which this reader does not decode";
        case ParquetType::FixedLenByteArray: return "is FIXED_LEN_BYTE_ARRAY, which this reader does not decode";
        case ParquetType::Boolean:
        case ParquetType::Int32:
        case ParquetType::Int64:
        case ParquetType::Float:
        case ParquetType::Double:
        case ParquetType::ByteArray: return "";
    }
    return "has an unknown " + parquetTypeName(*e.type);
}

// One page of a chunk: decompress what the page type needs and hand it to
// the decoder. Throws ParquetError / ThriftError without a location.
void decodePage(const ParquetPageHeader& h, std::span<const std::uint8_t> body, std::int32_t codec, std::size_t valuesLeft,
                bool& seenData, ParquetPageDecoder& decoder) {
    const auto usize = static_cast<std::size_t>(h.uncompressedSize);
    if (h.type == kIndexPage) return;
    if (h.type == kDictionaryPage) {
        if (seenData) throw ParquetError("a dictionary page follows the data pages");
        if (!h.dictionary) throw ParquetError("a dictionary page has no dictionary_page_header");
        return decoder.readDictionaryPage(*h.dictionary, parquetDecompress(codec, body, usize));
    }
    if (h.type != kDataPage && h.type != kDataPageV2) throw ParquetError("page type " + std::to_string(h.type) + " is unknown");
    if (h.type == kDataPage && !h.dataV1) throw ParquetError("a data page has no data_page_header");
    if (h.type == kDataPageV2 && !h.dataV2) throw ParquetError("a v2 data page has no data_page_header_v2");
    const auto declared = static_cast<std::size_t>(h.type == kDataPage ? h.dataV1->numValues : h.dataV2->numValues);
    if (declared > valuesLeft)
        throw ParquetError("the page declares " + str(declared) + " values, only " + str(valuesLeft) + " remain in the column chunk");
    seenData = true;
    if (h.type == kDataPage) return decoder.readDataPageV1(*h.dataV1, parquetDecompress(codec, body, usize));
    // v2: the levels are never compressed; the values are unless is_compressed is false.
    const auto& v2 = *h.dataV2;
    if (v2.repetitionLevelsByteLength != 0) throw ParquetError("a v2 data page has repetition levels, but the column is flat");
    const auto levels = static_cast<std::size_t>(v2.definitionLevelsByteLength);
    if (levels > body.size() || levels > usize)
        throw ParquetError("a v2 data page's definition levels (" + str(levels) + " bytes) are larger than the page (" + str(body.size()) +
                           " bytes stored, " + str(usize) + " uncompressed)");
    const auto values = parquetDecompress(v2.isCompressed ? codec : kUncompressed, body.subspan(levels), usize - levels);
    decoder.readDataPageV2(v2, body.subspan(0, levels), values);
}

}  // namespace

// ---- opening -----------------------------------------------------------------

ParquetFile::ParquetFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

ParquetFile::ParquetFile(ParquetFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)), fileSize_(other.fileSize_), dataEnd_(other.dataEnd_),
      meta_(std::move(other.meta_)), columns_(std::move(other.columns_)), leaves_(std::move(other.leaves_)), groups_(std::move(other.groups_)) {}

ParquetFile& ParquetFile::operator=(ParquetFile&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        path_ = std::move(other.path_);
        fd_ = std::exchange(other.fd_, -1);
        fileSize_ = other.fileSize_;
        dataEnd_ = other.dataEnd_;
        meta_ = std::move(other.meta_);
        columns_ = std::move(other.columns_);
        leaves_ = std::move(other.leaves_);
        groups_ = std::move(other.groups_);
    }
    return *this;
}

ParquetFile::~ParquetFile() {
    if (fd_ >= 0) ::close(fd_);
}

ParquetFile ParquetFile::open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw ParquetError(path + ": cannot open (" + std::strerror(errno) + ")");
    ParquetFile file(path, fd);  // owns the descriptor from here on
    file.readFooter();
    file.buildColumns();
    return file;
}

std::vector<std::uint8_t> ParquetFile::readBytes(std::uint64_t offset, std::uint64_t size) const {
    if (offset > fileSize_ || size > fileSize_ - offset)
        throw ParquetError(path_ + ": bytes [" + str(offset) + ", " + str(offset + size) + ") lie past the end of the file (" + str(fileSize_) +
                           " bytes)");
    std::vector<std::uint8_t> out(static_cast<std::size_t>(size));
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw ParquetError(path_ + ": cannot read at offset " + str(offset + done) + " (" + std::strerror(errno) + ")");
        if (n == 0) throw ParquetError(path_ + ": the file ended at offset " + str(offset + done) + " while reading (was it truncated?)");
        done += static_cast<std::size_t>(n);
    }
    return out;
}

void ParquetFile::readFooter() {
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) throw ParquetError(path_ + ": is not a regular file");
    fileSize_ = static_cast<std::uint64_t>(st.st_size);
    if (fileSize_ < 12)
        throw ParquetError(path_ + ": is " + str(fileSize_) + " bytes, too short for a Parquet file (PAR1, footer, length, PAR1)");
    const auto head = readBytes(0, 4);
    const auto tail = readBytes(fileSize_ - 8, 8);
    if (std::memcmp(head.data(), "PAR1", 4) != 0) throw ParquetError(path_ + ": does not start with the Parquet magic PAR1 (not a Parquet file)");
    if (std::memcmp(tail.data() + 4, "PARE", 4) == 0)
        throw ParquetError(path_ + ": has an encrypted footer (magic PARE), which this reader does not support");
    if (std::memcmp(tail.data() + 4, "PAR1", 4) != 0)
        throw ParquetError(path_ + ": does not end with the Parquet magic PAR1 (truncated, or not a Parquet file)");
    const std::uint64_t length = std::uint64_t{tail[0]} | std::uint64_t{tail[1]} << 8 | std::uint64_t{tail[2]} << 16 | std::uint64_t{tail[3]} << 24;
    if (length > fileSize_ - 12)
        throw ParquetError(path_ + ": footer length " + str(length) + " is larger than the " + str(fileSize_ - 12) +
                           " bytes between the magics (corrupt footer length or truncated file)");
    if (length > kMaxFooterBytes) throw ParquetError(path_ + ": footer length " + str(length) + " exceeds the limit of " + str(kMaxFooterBytes));
    dataEnd_ = fileSize_ - 8 - length;
    try {
        meta_ = parseParquetFileMeta(readBytes(dataEnd_, length));
    } catch (const ThriftError& e) {
        throw ParquetError(path_ + ": corrupt footer (FileMetaData): " + e.what());
    }
    std::uint64_t rows = 0;
    for (const auto& g : meta_.rowGroups) {
        if (static_cast<std::uint64_t>(g.numRows) > std::numeric_limits<std::uint64_t>::max() / 2 - rows)
            throw ParquetError(path_ + ": corrupt footer: the row groups' row counts overflow");
        rows += static_cast<std::uint64_t>(g.numRows);
    }
    if (rows != static_cast<std::uint64_t>(meta_.numRows))
        throw ParquetError(path_ + ": corrupt footer: FileMetaData.num_rows is " + str(static_cast<std::uint64_t>(meta_.numRows)) +
                           " but its row groups hold " + str(rows) + " rows");
}

void ParquetFile::buildColumns() {
    const auto& schema = meta_.schema;
    if (schema.empty() || !schema[0].numChildren || *schema[0].numChildren < 0)
        throw ParquetError(path_ + ": corrupt footer: the schema has no root group");
    struct Frame {
        std::size_t childrenLeft;
        std::vector<std::string> path;
        int definitionLevel;
        bool repeated;
    };
    std::vector<Frame> stack{{static_cast<std::size_t>(*schema[0].numChildren), {}, 0, false}};
    for (std::size_t i = 1; i < schema.size(); ++i) {
        while (!stack.empty() && stack.back().childrenLeft == 0) stack.pop_back();
        if (stack.empty()) throw ParquetError(path_ + ": corrupt footer: schema element " + str(i) + " lies outside every group");
        --stack.back().childrenLeft;
        const Frame& parent = stack.back();
        const ParquetSchemaElement& e = schema[i];
        std::vector<std::string> path = parent.path;
        path.push_back(e.name);
        const int rep = e.repetition.value_or(kRequired);
        const int level = parent.definitionLevel + (rep == kOptional || rep == kRepeated ? 1 : 0);
        const bool repeated = parent.repeated || rep == kRepeated;
        if (e.numChildren) {
            if (*e.numChildren < 0 || static_cast<std::size_t>(*e.numChildren) > schema.size() - i - 1)
                throw ParquetError(path_ + ": corrupt footer: schema group '" + join(path) + "' declares " + std::to_string(*e.numChildren) +
                                   " children, only " + str(schema.size() - i - 1) + " elements follow");
            if (stack.size() >= kMaxSchemaDepth) throw ParquetError(path_ + ": the schema nests deeper than " + str(kMaxSchemaDepth) + " levels");
            groups_.push_back(join(path));
            stack.push_back({static_cast<std::size_t>(*e.numChildren), path, level, repeated});
            continue;
        }
        ParquetColumnInfo info{join(path), static_cast<ParquetType>(e.type.value_or(-1)), e.logical.name, rep == kOptional, true, ""};
        info.whyNot = unreadableReason(e, join(parent.path), repeated);
        info.readable = info.whyNot.empty();
        columns_.push_back(info);
        leaves_.push_back({leaves_.size(), path, level, e.logical});
    }
    for (const auto& f : stack)
        if (f.childrenLeft != 0) throw ParquetError(path_ + ": corrupt footer: the schema's groups declare more children than it lists");
    for (std::size_t g = 0; g < meta_.rowGroups.size(); ++g)
        if (meta_.rowGroups[g].columns.size() != leaves_.size())
            throw ParquetError(path_ + ": corrupt footer: row group " + str(g) + " has " + str(meta_.rowGroups[g].columns.size()) +
                               " column chunks, the schema has " + str(leaves_.size()) + " leaf columns");
}

// ---- reading -----------------------------------------------------------------

std::size_t ParquetFile::leafIndex(const std::string& name) const {
    for (std::size_t i = 0; i < columns_.size(); ++i) {
        if (columns_[i].name != name) continue;
        if (!columns_[i].readable) throw ParquetError(path_ + ": column '" + name + "' " + columns_[i].whyNot);
        return i;
    }
    if (std::find(groups_.begin(), groups_.end(), name) != groups_.end())
        throw ParquetError(path_ + ": column '" + name + "' is a group (a nested column), and only flat columns are read");
    std::string names;
    for (std::size_t i = 0; i < columns_.size() && i < 20; ++i) names += (i ? ", " : "") + columns_[i].name;
    throw ParquetError(path_ + ": has no column '" + name + "' (its columns: " + names + (columns_.size() > 20 ? ", ..." : "") + ")");
}

std::string ParquetFile::where(std::size_t leaf, std::size_t rowGroup) const {
    return path_ + ": column '" + columns_[leaf].name + "', row group " + str(rowGroup);
}

const ParquetColumnMeta& ParquetFile::checkedChunkMeta(std::size_t leaf, std::size_t rowGroup) const {
    const ParquetRowGroup& group = meta_.rowGroups[rowGroup];
    const ParquetColumnChunk& chunk = group.columns[leaves_[leaf].chunkIndex];
    const std::string at = where(leaf, rowGroup);
    if (chunk.encrypted) throw ParquetError(at + ": the column chunk is encrypted, which this reader does not support");
    if (chunk.filePath) throw ParquetError(at + ": the column chunk lies in another file ('" + *chunk.filePath + "'), which is not supported");
    if (!chunk.meta) throw ParquetError(at + ": the footer has no ColumnMetaData for this column chunk");
    const ParquetColumnMeta& m = *chunk.meta;
    if (m.path != leaves_[leaf].path) throw ParquetError(at + ": the footer's column chunk is for '" + join(m.path) + "'");
    if (m.type != static_cast<std::int32_t>(columns_[leaf].physicalType))
        throw ParquetError(at + ": the column chunk is " + parquetTypeName(m.type) + ", the schema says " +
                           parquetTypeName(static_cast<std::int32_t>(columns_[leaf].physicalType)));
    if (!parquetCodecSupported(m.codec))
        throw ParquetError(at + ": codec " + parquetCodecName(m.codec) + " is not supported (UNCOMPRESSED, SNAPPY, GZIP and ZSTD are)");
    if (m.numValues != group.numRows)
        throw ParquetError(at + ": the column chunk holds " + str(static_cast<std::uint64_t>(m.numValues)) + " values for " +
                           str(static_cast<std::uint64_t>(group.numRows)) + " rows");
    const std::uint64_t start = chunkStart(m), size = static_cast<std::uint64_t>(m.totalCompressedSize);
    if (start < 4 || start > dataEnd_ || size > dataEnd_ - start)
        throw ParquetError(at + ": the column chunk's bytes [" + str(start) + ", " + str(start + size) +
                           ") lie outside the file's column data [4, " + str(dataEnd_) + ")");
    return m;
}

void ParquetFile::readChunk(std::size_t leaf, std::size_t rowGroup, ParquetColumn& out) const {
    const ParquetColumnMeta& m = checkedChunkMeta(leaf, rowGroup);
    if (m.numValues == 0) return;
    const auto bytes = readBytes(chunkStart(m), static_cast<std::uint64_t>(m.totalCompressedSize));
    readPages(leaf, rowGroup, m, bytes, out);
}

void ParquetFile::readPages(std::size_t leaf, std::size_t rowGroup, const ParquetColumnMeta& chunk, std::span<const std::uint8_t> bytes,
                            ParquetColumn& out) const {
    ParquetPageDecoder decoder(columns_[leaf].physicalType, leaves_[leaf].maxDefinitionLevel, out);
    const std::size_t first = out.size(), target = first + static_cast<std::size_t>(chunk.numValues);
    std::size_t pos = 0;
    bool seenData = false;
    for (std::size_t page = 0; out.size() < target; ++page) {
        const std::string at = where(leaf, rowGroup) + ", page " + str(page);
        if (pos >= bytes.size())
            throw ParquetError(at + ": the column chunk ends after " + str(out.size() - first) + " of its " + str(target - first) + " values");
        try {
            ThriftCompactReader reader(bytes.subspan(pos));
            const ParquetPageHeader header = parseParquetPageHeader(reader);
            const std::size_t bodyStart = pos + reader.position();
            if (static_cast<std::size_t>(header.compressedSize) > bytes.size() - bodyStart)
                throw ParquetError("the page header declares " + str(static_cast<std::uint64_t>(header.compressedSize)) + " bytes, only " +
                                   str(bytes.size() - bodyStart) + " remain in the column chunk");
            const auto body = bytes.subspan(bodyStart, static_cast<std::size_t>(header.compressedSize));
            decodePage(header, body, chunk.codec, target - out.size(), seenData, decoder);
            pos = bodyStart + body.size();
        } catch (const ThriftError& e) {
            throw ParquetError(at + ": corrupt page header: " + e.what());
        } catch (const ParquetError& e) {
            throw ParquetError(at + ": " + e.what());
        }
    }
}

ParquetColumn ParquetFile::readColumn(const std::string& name) const {
    const std::size_t leaf = leafIndex(name);
    ParquetColumn out;
    out.values = parquetValuesFor(columns_[leaf].physicalType);
    for (std::size_t g = 0; g < meta_.rowGroups.size(); ++g) readChunk(leaf, g, out);
    return out;
}

std::vector<double> ParquetFile::readDoubles(const std::string& name) const {
    const std::size_t leaf = leafIndex(name);
    if (columns_[leaf].physicalType == ParquetType::ByteArray)
        throw ParquetError(path_ + ": column '" + name + "' holds byte arrays" +
                           (columns_[leaf].logicalType.empty() ? "" : " (" + columns_[leaf].logicalType + ")") + ", not numbers");
    const ParquetLogicalType& logical = leaves_[leaf].logical;
    const double divisor = logical.decimalScale ? std::pow(10.0, *logical.decimalScale) : 1.0;  // DECIMAL: unscaled / 10^scale
    const ParquetColumn column = readColumn(name);
    std::vector<double> out(column.size(), std::numeric_limits<double>::quiet_NaN());
    std::visit(
        [&](const auto& values) {
            using T = typename std::decay_t<decltype(values)>::value_type;
            if constexpr (std::is_arithmetic_v<T>) {
                for (std::size_t i = 0; i < values.size(); ++i) {
                    if (!column.valid[i]) continue;
                    if constexpr (std::is_integral_v<T> && sizeof(T) >= 4)
                        out[i] = logical.isUnsigned ? static_cast<double>(static_cast<std::make_unsigned_t<T>>(values[i]))
                                                    : static_cast<double>(values[i]) / divisor;
                    else
                        out[i] = static_cast<double>(values[i]);
                }
            }
        },
        column.values);
    return out;
}

std::vector<std::string> ParquetFile::readStrings(const std::string& name) const {
    const std::size_t leaf = leafIndex(name);
    if (columns_[leaf].physicalType != ParquetType::ByteArray)
        throw ParquetError(path_ + ": column '" + name + "' is " + parquetTypeName(static_cast<std::int32_t>(columns_[leaf].physicalType)) +
                           ", not a string (BYTE_ARRAY) column");
    ParquetColumn column = readColumn(name);
    return std::move(std::get<std::vector<std::string>>(column.values));
}

}  // namespace hescape
