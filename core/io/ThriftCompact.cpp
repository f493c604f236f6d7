// ThriftCompact: the compact protocol's varints, zigzag integers, field
// headers and containers, each read only after checking the bytes are there.
#include "core/io/ThriftCompact.h"

#include <bit>
#include <cstring>
#include <limits>

namespace hescape {

namespace {

bool isBool(ThriftType t) { return t == ThriftType::BoolTrue || t == ThriftType::BoolFalse; }

ThriftType wireType(std::uint8_t nibble) {
    if (nibble > static_cast<std::uint8_t>(ThriftType::Uuid))
        throw ThriftError("unknown compact-protocol type " + std::to_string(nibble));
    return static_cast<ThriftType>(nibble);
}

}  // namespace

std::string thriftTypeName(ThriftType type) {
    switch (type) {
        case ThriftType::Stop: return "stop";
        case ThriftType::BoolTrue:
        case ThriftType::BoolFalse: return "bool";
        case ThriftType::I8: return "i8";
        case ThriftType::I16: return "i16";
        case ThriftType::I32: return "i32";
        case ThriftType::I64: return "i64";
        case ThriftType::Double: return "double";
        case ThriftType::Binary: return "binary";
        case ThriftType::List: return "list";
        case ThriftType::Set: return "set";
        case ThriftType::Map: return "map";
        case ThriftType::Struct: return "struct";
        case ThriftType::Uuid: return "uuid";
    }
    return "?";
}

ThriftCompactReader::ThriftCompactReader(std::span<const std::uint8_t> bytes, int maxDepth)
    : bytes_(bytes), maxDepth_(maxDepth) {}

void ThriftCompactReader::need(std::size_t n, const char* what) const {
    if (n > remaining())
        throw ThriftError(std::string(what) + " needs " + std::to_string(n) + " bytes at offset " + std::to_string(pos_) +
                          ", only " + std::to_string(remaining()) + " remain (truncated or corrupt)");
}

std::uint8_t ThriftCompactReader::byte() {
    need(1, "a value");
    return bytes_[pos_++];
}

std::uint64_t ThriftCompactReader::varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        const std::uint8_t b = byte();
        value |= static_cast<std::uint64_t>(b & 0x7F) << shift;
        if ((b & 0x80) == 0) return value;
    }
    throw ThriftError("a varint at offset " + std::to_string(pos_) + " is longer than 10 bytes");
}

std::int64_t ThriftCompactReader::zigzag() {
    const std::uint64_t n = varint();
    return static_cast<std::int64_t>(n >> 1) ^ -static_cast<std::int64_t>(n & 1);
}

void ThriftCompactReader::enter() {
    if (++depth_ > maxDepth_) throw ThriftError("structs and containers nest deeper than " + std::to_string(maxDepth_) + " levels");
}

void ThriftCompactReader::beginStruct() {
    enter();
    lastFieldIds_.push_back(0);
}

void ThriftCompactReader::endStruct() {
    lastFieldIds_.pop_back();
    leave();
}

bool ThriftCompactReader::nextField(std::int16_t& id, ThriftType& type) {
    const std::uint8_t header = byte();
    if (header == 0) return false;
    type = wireType(header & 0x0F);
    if (type == ThriftType::Stop) throw ThriftError("a field header at offset " + std::to_string(pos_ - 1) + " is corrupt");
    const int delta = header >> 4;
    std::int16_t& last = lastFieldIds_.back();
    if (delta != 0) {
        if (last + delta > std::numeric_limits<std::int16_t>::max()) throw ThriftError("field id overflows i16");
        id = static_cast<std::int16_t>(last + delta);
    } else {
        id = readI16();
    }
    last = id;
    return true;
}

bool ThriftCompactReader::readFieldBool(ThriftType fieldType) const {
    if (!isBool(fieldType))
        throw ThriftError("expected a bool, found " + thriftTypeName(fieldType));
    return fieldType == ThriftType::BoolTrue;
}

std::int8_t ThriftCompactReader::readI8() { return static_cast<std::int8_t>(byte()); }

std::int16_t ThriftCompactReader::readI16() {
    const std::int64_t v = zigzag();
    if (v < std::numeric_limits<std::int16_t>::min() || v > std::numeric_limits<std::int16_t>::max())
        throw ThriftError("an i16 value " + std::to_string(v) + " is out of range");
    return static_cast<std::int16_t>(v);
}

std::int32_t ThriftCompactReader::readI32() {
    const std::int64_t v = zigzag();
    if (v < std::numeric_limits<std::int32_t>::min() || v > std::numeric_limits<std::int32_t>::max())
        throw ThriftError("an i32 value " + std::to_string(v) + " is out of range");
    return static_cast<std::int32_t>(v);
}

std::int64_t ThriftCompactReader::readI64() { return zigzag(); }

double ThriftCompactReader::readDouble() {
    need(8, "a double");
    std::uint64_t bits = 0;
    for (int i = 7; i >= 0; --i) bits = (bits << 8) | bytes_[pos_ + static_cast<std::size_t>(i)];  // little endian
    pos_ += 8;
    return std::bit_cast<double>(bits);
}

std::string ThriftCompactReader::readBinary() {
    const std::uint64_t n = varint();
    if (n > remaining())
        throw ThriftError("a string of " + std::to_string(n) + " bytes at offset " + std::to_string(pos_) + " runs past the " +
                          std::to_string(remaining()) + " bytes that remain");
    std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return s;
}

ThriftCompactReader::ListHeader ThriftCompactReader::readListHeader() {
    const std::uint8_t header = byte();
    ListHeader h;
    h.elementType = wireType(header & 0x0F);
    std::uint64_t size = header >> 4;
    if (size == 15) size = varint();
    if (size > remaining())
        throw ThriftError("a list of " + std::to_string(size) + " elements at offset " + std::to_string(pos_) + " cannot fit in the " +
                          std::to_string(remaining()) + " bytes that remain");
    h.size = static_cast<std::size_t>(size);
    return h;
}

bool ThriftCompactReader::readElementBool() { return byte() == 1; }  // true is 1; false is 0 (or 2, as some writers do)

void ThriftCompactReader::skip(ThriftType type) {
    switch (type) {
        case ThriftType::BoolTrue:
        case ThriftType::BoolFalse: return;  // field bools carry no bytes
        case ThriftType::I8: (void)byte(); return;
        case ThriftType::I16:
        case ThriftType::I32:
        case ThriftType::I64: (void)varint(); return;
        case ThriftType::Double: need(8, "a double"); pos_ += 8; return;
        case ThriftType::Uuid: need(16, "a uuid"); pos_ += 16; return;
        case ThriftType::Binary: (void)readBinary(); return;
        case ThriftType::Struct: {
            beginStruct();
            std::int16_t id = 0;
            ThriftType t = ThriftType::Stop;
            while (nextField(id, t)) skip(t);
            endStruct();
            return;
        }
        case ThriftType::List:
        case ThriftType::Set:
        case ThriftType::Map: break;
        case ThriftType::Stop: throw ThriftError("cannot skip a stop field");
    }
    enter();
    if (type == ThriftType::Map) {
        const std::uint64_t size = varint();
        if (size > remaining()) throw ThriftError("a map of " + std::to_string(size) + " entries cannot fit in the bytes that remain");
        if (size > 0) {
            const std::uint8_t kv = byte();
            const ThriftType k = wireType(kv >> 4), v = wireType(kv & 0x0F);
            for (std::uint64_t i = 0; i < size; ++i) {
                skipElement(k);
                skipElement(v);
            }
        }
    } else {
        const ListHeader h = readListHeader();
        for (std::size_t i = 0; i < h.size; ++i) skipElement(h.elementType);
    }
    leave();
}

void ThriftCompactReader::skipElement(ThriftType type) {
    if (isBool(type))
        (void)byte();  // container bools take one byte each, unlike field bools
    else
        skip(type);
}

}  // namespace hescape
