// A bounds-checked reader of the Thrift compact protocol, the encoding of
// Parquet's footer (FileMetaData) and page headers. Written from Thrift's
// doc/specs/thrift-compact-protocol.md. It decodes untrusted bytes: every
// length and count is checked against the bytes that remain before anything
// is read or reserved, and structs and containers may nest only so deep, so a
// corrupt footer is a ThriftError, never a crash or a huge allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace hescape {

class ThriftError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Wire types of fields and container elements (the compact protocol's own numbers).
enum class ThriftType : std::uint8_t {
    Stop = 0, BoolTrue = 1, BoolFalse = 2, I8 = 3, I16 = 4, I32 = 5, I64 = 6,
    Double = 7, Binary = 8, List = 9, Set = 10, Map = 11, Struct = 12, Uuid = 13,
};

std::string thriftTypeName(ThriftType type);

class ThriftCompactReader {
public:
    // Parquet's own structs nest 6 deep at most; 32 leaves room for extensions.
    static constexpr int kDefaultMaxDepth = 32;

    explicit ThriftCompactReader(std::span<const std::uint8_t> bytes, int maxDepth = kDefaultMaxDepth);

    // Struct walking: beginStruct(), then nextField() until it returns false
    // (the stop field), then endStruct(). Fields the caller does not want are
    // passed to skip().
    void beginStruct();
    bool nextField(std::int16_t& id, ThriftType& type);
    void endStruct();

    // Values. Each throws ThriftError when the bytes run out or the value
    // does not fit its type.
    bool readFieldBool(ThriftType fieldType) const;  // a bool field's value is its type
    std::int8_t readI8();
    std::int16_t readI16();
    std::int32_t readI32();
    std::int64_t readI64();
    double readDouble();
    std::string readBinary();

    // A list or set header. The size is checked against the bytes left (every
    // element takes at least one byte), so it is safe to reserve.
    struct ListHeader {
        ThriftType elementType = ThriftType::Stop;
        std::size_t size = 0;
    };
    ListHeader readListHeader();
    bool readElementBool();

    // Skips one value of `type`, however deeply nested (up to the depth limit).
    void skip(ThriftType type);
    // Skips one container element (container bools are a byte each).
    void skipElement(ThriftType type);

    std::size_t position() const { return pos_; }
    std::size_t remaining() const { return bytes_.size() - pos_; }

private:
    std::uint8_t byte();
    std::uint64_t varint();
    std::int64_t zigzag();
    void need(std::size_t n, const char* what) const;
    void enter();
    void leave() { --depth_; }

    std::span<const std::uint8_t> bytes_;
    std::size_t pos_ = 0;
    int maxDepth_;
    int depth_ = 0;
    std::vector<std::int16_t> lastFieldIds_;  // one per open struct: ids are delta-coded
};

}  // namespace hescape
