// ParquetPages: the hybrid RLE / bit-packed runs, PLAIN values and
// dictionaries of flat columns, each length checked before it is used.
#include "core/io/ParquetPages.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <type_traits>

namespace hescape {

static_assert(std::endian::native == std::endian::little, "PLAIN values are little endian and copied as they are");

namespace {

using namespace parquet_enum;

std::string str(std::size_t n) { return std::to_string(n); }

std::uint32_t readLe32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 | static_cast<std::uint32_t>(p[2]) << 16 |
           static_cast<std::uint32_t>(p[3]) << 24;
}

std::size_t checkedValueCount(std::int32_t declared, const char* what) {
    const auto n = static_cast<std::size_t>(declared);  // headers were checked non-negative
    if (n > kParquetMaxPageValues)
        throw ParquetError(std::string(what) + " declares " + str(n) + " values, more than the " + str(kParquetMaxPageValues) +
                           " a page may have");
    return n;
}

// Counts of RLE-coded values are not bounded by the bytes that hold them, so
// buffers for them start small and grow with the values really decoded.
template <class T>
void reserveForRuns(std::vector<T>& v, std::size_t count) {
    v.reserve(std::min<std::size_t>(count, 1 << 16));
}

// Runs the hybrid decoder, naming what it decodes in its errors.
template <class T>
void decodeHybrid(std::span<const std::uint8_t> data, int bitWidth, std::size_t count, std::vector<T>& out, const char* what) {
    reserveForRuns(out, count);
    try {
        RleBitPackedDecoder(data, bitWidth).decode(count, out);
    } catch (const ParquetError& e) {
        throw ParquetError(std::string(what) + ": " + e.what());
    }
}

// PLAIN (Encodings.md): little-endian fixed-width values, bit-packed
// booleans, and byte arrays as a 4-byte length and the bytes.
template <class T>
void decodePlain(std::span<const std::uint8_t> data, std::size_t count, std::vector<T>& out) {
    if constexpr (std::is_same_v<T, std::string>) {
        if (count > data.size() / 4) throw ParquetError("PLAIN data of " + str(data.size()) + " bytes cannot hold " + str(count) + " byte arrays");
        out.reserve(out.size() + count);
        std::size_t pos = 0;
        for (std::size_t i = 0; i < count; ++i) {
            if (data.size() - pos < 4) throw ParquetError("PLAIN byte array " + str(i) + " has no room for its length");
            const std::uint32_t n = readLe32(data.data() + pos);
            pos += 4;
            if (n > data.size() - pos)
                throw ParquetError("PLAIN byte array " + str(i) + " of " + str(n) + " bytes runs past the end of the page (" +
                                   str(data.size() - pos) + " bytes left)");
            out.emplace_back(reinterpret_cast<const char*>(data.data() + pos), n);
            pos += n;
        }
    } else if constexpr (std::is_same_v<T, std::uint8_t>) {
        if (count > data.size() * 8) throw ParquetError("PLAIN data of " + str(data.size()) + " bytes cannot hold " + str(count) + " booleans");
        out.reserve(out.size() + count);
        for (std::size_t i = 0; i < count; ++i) out.push_back(static_cast<std::uint8_t>((data[i / 8] >> (i % 8)) & 1));
    } else {
        if (count > data.size() / sizeof(T))
            throw ParquetError("PLAIN data of " + str(data.size()) + " bytes cannot hold " + str(count) + " values of " + str(sizeof(T)) + " bytes");
        const std::size_t old = out.size();
        out.resize(old + count);
        if (count > 0) std::memcpy(out.data() + old, data.data(), count * sizeof(T));
    }
}

// RLE_DICTIONARY / PLAIN_DICTIONARY data: one byte of bit width, then the
// indices as an RLE / bit-packed hybrid without a length.
template <class T>
void decodeDictionaryIndices(std::span<const std::uint8_t> data, std::size_t count, const std::vector<T>& dictionary, std::vector<T>& out) {
    if (count == 0) return;
    if (data.empty()) throw ParquetError("a dictionary-encoded page has no bit-width byte");
    const int width = data[0];
    if (width > 32) throw ParquetError("dictionary indices have a bit width of " + str(static_cast<std::size_t>(width)) + " (at most 32)");
    std::vector<std::uint32_t> indices;
    decodeHybrid(data.subspan(1), width, count, indices, "dictionary indices");
    out.reserve(out.size() + count);
    for (const std::uint32_t i : indices) {
        if (i >= dictionary.size())
            throw ParquetError("dictionary index " + str(i) + " is out of range (the dictionary has " + str(dictionary.size()) + " entries)");
        out.push_back(dictionary[i]);
    }
}

// RLE-encoded booleans: a 4-byte length, then the hybrid at bit width 1.
void decodeRleBooleans(std::span<const std::uint8_t> data, std::size_t count, std::vector<std::uint8_t>& out) {
    if (data.size() < 4) throw ParquetError("RLE boolean data has no room for its length");
    const std::uint32_t n = readLe32(data.data());
    if (n > data.size() - 4) throw ParquetError("RLE boolean data of " + str(n) + " bytes runs past the end of the page");
    std::vector<std::uint32_t> bits;
    decodeHybrid(data.subspan(4, n), 1, count, bits, "RLE booleans");
    for (const std::uint32_t b : bits) out.push_back(static_cast<std::uint8_t>(b));
}

template <class T>
void decodeValues(std::int32_t encoding, std::span<const std::uint8_t> data, std::size_t count,
                  const std::optional<ParquetValues>& dictionary, std::vector<T>& out) {
    if (encoding == kPlain) return decodePlain(data, count, out);
    if (encoding == kRleDictionary || encoding == kPlainDictionary) {
        if (!dictionary) throw ParquetError("a page is " + parquetEncodingName(encoding) + "-encoded but the column chunk has no dictionary page");
        return decodeDictionaryIndices(data, count, std::get<std::vector<T>>(*dictionary), out);
    }
    if constexpr (std::is_same_v<T, std::uint8_t>) {
        if (encoding == kRle) return decodeRleBooleans(data, count, out);
    }
    throw ParquetError("encoding " + parquetEncodingName(encoding) +
                       " is not supported (PLAIN, RLE_DICTIONARY, PLAIN_DICTIONARY, and RLE for booleans are)");
}

}  // namespace

ParquetValues parquetValuesFor(ParquetType type) {
    switch (type) {
        case ParquetType::Boolean: return std::vector<std::uint8_t>{};
        case ParquetType::Int32: return std::vector<std::int32_t>{};
        case ParquetType::Int64: return std::vector<std::int64_t>{};
        case ParquetType::Float: return std::vector<float>{};
        case ParquetType::Double: return std::vector<double>{};
        case ParquetType::ByteArray: return std::vector<std::string>{};
        case ParquetType::Int96:
        case ParquetType::FixedLenByteArray: break;
    }
    throw ParquetError("physical type " + parquetTypeName(static_cast<std::int32_t>(type)) + " is not decoded by this reader");
}

// ---- RLE / bit-packed hybrid -------------------------------------------------

RleBitPackedDecoder::RleBitPackedDecoder(std::span<const std::uint8_t> data, int bitWidth) : data_(data), bitWidth_(bitWidth) {}

std::uint32_t RleBitPackedDecoder::runHeader() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (pos_ >= data_.size()) throw ParquetError("an RLE/bit-packed run header is cut off at the end of its data");
        const std::uint8_t b = data_[pos_++];
        value |= static_cast<std::uint64_t>(b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
            if (value > 0xFFFFFFFFu) break;
            return static_cast<std::uint32_t>(value);
        }
    }
    throw ParquetError("an RLE/bit-packed run header is longer than a 32-bit varint");
}

template <class T>
void RleBitPackedDecoder::unpack(std::size_t groups, std::size_t take, std::vector<T>& out) {
    const std::size_t bytes = groups * static_cast<std::size_t>(bitWidth_);  // groups of 8 values, bitWidth bytes each
    if (bytes > data_.size() - pos_)
        throw ParquetError("a bit-packed run of " + str(groups * 8) + " values needs " + str(bytes) + " bytes, only " +
                           str(data_.size() - pos_) + " remain");
    const std::uint8_t* run = data_.data() + pos_;
    const std::uint64_t mask = (std::uint64_t{1} << bitWidth_) - 1;
    for (std::size_t i = 0; i < take; ++i) {
        const std::size_t bit = i * static_cast<std::size_t>(bitWidth_);  // values are packed from each byte's LSB up
        std::uint64_t window = 0;
        for (std::size_t k = 0; k < 5 && bit / 8 + k < bytes; ++k) window |= static_cast<std::uint64_t>(run[bit / 8 + k]) << (8 * k);
        out.push_back(static_cast<T>((window >> (bit % 8)) & mask));
    }
    pos_ += bytes;
}

template <class T>
void RleBitPackedDecoder::decode(std::size_t count, std::vector<T>& out) {
    if (static_cast<std::size_t>(bitWidth_) > 8 * sizeof(T))
        throw ParquetError("a bit width of " + str(static_cast<std::size_t>(bitWidth_)) + " is too wide here");
    const std::size_t valueBytes = (static_cast<std::size_t>(bitWidth_) + 7) / 8;
    while (count > 0) {
        if (pos_ >= data_.size()) throw ParquetError("RLE/bit-packed data ends " + str(count) + " values early");
        const std::uint32_t header = runHeader();
        const std::size_t length = header >> 1;
        if (length == 0) throw ParquetError("an RLE/bit-packed run has length 0 (corrupt)");
        if (header & 1) {  // bit-packed: `length` groups of 8 values
            const std::size_t take = std::min(length * 8, count);
            unpack(length, take, out);
            count -= take;
            continue;
        }
        if (valueBytes > data_.size() - pos_) throw ParquetError("an RLE run's value is cut off at the end of its data");
        std::uint32_t value = 0;
        for (std::size_t k = 0; k < valueBytes; ++k) value |= static_cast<std::uint32_t>(data_[pos_ + k]) << (8 * k);
        pos_ += valueBytes;
        if (bitWidth_ < 32 && (value >> bitWidth_) != 0)
            throw ParquetError("an RLE run repeats " + str(value) + ", which does not fit in " + str(static_cast<std::size_t>(bitWidth_)) + " bits");
        const std::size_t take = std::min(length, count);
        out.insert(out.end(), take, static_cast<T>(value));
        count -= take;
    }
}

template void RleBitPackedDecoder::decode(std::size_t, std::vector<std::uint8_t>&);
template void RleBitPackedDecoder::decode(std::size_t, std::vector<std::uint32_t>&);

// ---- pages -------------------------------------------------------------------

ParquetPageDecoder::ParquetPageDecoder(ParquetType type, int maxDefinitionLevel, ParquetColumn& out)
    : type_(type), maxDefinitionLevel_(maxDefinitionLevel), out_(out) {}

void ParquetPageDecoder::readDictionaryPage(const ParquetDictionaryPageHeader& header, std::span<const std::uint8_t> body) {
    if (dictionary_) throw ParquetError("the column chunk has a second dictionary page");
    if (header.encoding != kPlain && header.encoding != kPlainDictionary)
        throw ParquetError("a dictionary page encoded as " + parquetEncodingName(header.encoding) + " is not supported (PLAIN is)");
    const std::size_t n = checkedValueCount(header.numValues, "a dictionary page");
    ParquetValues dictionary = parquetValuesFor(type_);
    std::visit([&](auto& values) { decodePlain(body, n, values); }, dictionary);
    dictionary_ = std::move(dictionary);
}

std::size_t ParquetPageDecoder::readDefinitionLevels(std::span<const std::uint8_t> rle, std::size_t numValues) {
    levels_.clear();
    decodeHybrid(rle, std::bit_width(static_cast<unsigned>(maxDefinitionLevel_)), numValues, levels_, "definition levels");
    std::size_t present = 0;
    for (const std::uint8_t level : levels_) {
        if (level > maxDefinitionLevel_)
            throw ParquetError("definition level " + str(level) + " exceeds the column's maximum of " +
                               str(static_cast<std::size_t>(maxDefinitionLevel_)));
        present += level == maxDefinitionLevel_;
    }
    return present;
}

void ParquetPageDecoder::readDataPageV1(const ParquetDataPageHeader& header, std::span<const std::uint8_t> body) {
    const std::size_t n = checkedValueCount(header.numValues, "a data page");
    std::size_t present = n;
    std::span<const std::uint8_t> values = body;
    if (maxDefinitionLevel_ > 0) {
        if (header.definitionLevelEncoding != kRle)
            throw ParquetError("definition levels encoded as " + parquetEncodingName(header.definitionLevelEncoding) +
                               " are not supported (RLE is)");
        if (body.size() < 4) throw ParquetError("a data page of " + str(body.size()) + " bytes has no room for its definition levels");
        const std::uint32_t length = readLe32(body.data());
        if (length > body.size() - 4)
            throw ParquetError("definition levels of " + str(length) + " bytes run past the end of the page (" + str(body.size() - 4) +
                               " bytes left)");
        present = readDefinitionLevels(body.subspan(4, length), n);
        values = body.subspan(4 + length);
    }
    appendValues(header.encoding, values, n, present);
}

void ParquetPageDecoder::readDataPageV2(const ParquetDataPageHeaderV2& header, std::span<const std::uint8_t> definitionLevels,
                                        std::span<const std::uint8_t> values) {
    const std::size_t n = checkedValueCount(header.numValues, "a data page");
    if (header.numRows != header.numValues)
        throw ParquetError("a v2 data page of a flat column declares " + str(static_cast<std::size_t>(header.numRows)) + " rows but " +
                           str(n) + " values");
    std::size_t present = n;
    if (maxDefinitionLevel_ > 0) present = readDefinitionLevels(definitionLevels, n);
    else if (!definitionLevels.empty()) throw ParquetError("a v2 data page of a required column carries definition levels");
    if (n - present != static_cast<std::size_t>(header.numNulls))
        throw ParquetError("a v2 data page declares " + str(static_cast<std::size_t>(header.numNulls)) + " nulls, its definition levels hold " +
                           str(n - present));
    appendValues(header.encoding, values, n, present);
}

void ParquetPageDecoder::appendValues(std::int32_t encoding, std::span<const std::uint8_t> data, std::size_t numValues, std::size_t present) {
    std::visit(
        [&](auto& column) {
            using T = typename std::decay_t<decltype(column)>::value_type;
            std::vector<T> values;
            decodeValues(encoding, data, present, dictionary_, values);
            if (maxDefinitionLevel_ == 0) {
                column.insert(column.end(), std::make_move_iterator(values.begin()), std::make_move_iterator(values.end()));
                out_.valid.insert(out_.valid.end(), numValues, std::uint8_t{1});
                return;
            }
            std::size_t next = 0;
            for (const std::uint8_t level : levels_) {
                const bool isValue = level == maxDefinitionLevel_;
                column.push_back(isValue ? std::move(values[next++]) : T{});
                out_.valid.push_back(isValue ? 1 : 0);
                out_.nullCount += isValue ? 0 : 1;
            }
        },
        out_.values);
}

}  // namespace hescape
