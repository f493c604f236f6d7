// See TiffStructure.h: why a TIFF's directories are checked before OpenSlide
// opens it. Reads only headers and directory entries, through a stream.
#include "core/slide/TiffStructure.h"

#include "core/slide/Slide.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>

namespace hescape {

namespace {

class TiffBytes {
public:
    TiffBytes(const std::string& path, std::uint64_t size) : in_(path, std::ios::binary), size_(size) {}
    bool little = true;
    // Reads `bytes` (<= 8) at `offset` as an unsigned integer; false past the end.
    bool read(std::uint64_t offset, int bytes, std::uint64_t& value) {
        if (offset > size_ || static_cast<std::uint64_t>(bytes) > size_ - offset) return false;
        std::array<unsigned char, 8> b{};
        in_.seekg(static_cast<std::streamoff>(offset));
        in_.read(reinterpret_cast<char*>(b.data()), bytes);
        if (in_.gcount() != bytes) return false;
        value = 0;
        for (int i = 0; i < bytes; ++i) value |= std::uint64_t{b[static_cast<std::size_t>(little ? i : bytes - 1 - i)]} << (8 * i);
        return true;
    }

private:
    std::ifstream in_;
    std::uint64_t size_;
};

int typeSize(std::uint64_t type) {
    switch (type) {
        case 1: case 2: case 6: case 7: return 1;   // BYTE ASCII SBYTE UNDEFINED
        case 3: case 8: return 2;                   // SHORT SSHORT
        case 4: case 9: case 11: case 13: return 4; // LONG SLONG FLOAT IFD
        case 5: case 10: case 12: case 16: case 17: case 18: return 8;  // RATIONAL SRATIONAL DOUBLE LONG8 SLONG8 IFD8
        default: return 0;  // unknown types are skipped by readers
    }
}

struct Shape {
    std::uint64_t width = 0, height = 0, tileWidth = 0, tileHeight = 0;
};

struct Entry {
    std::uint64_t tag = 0, type = 0, count = 0, value = 0;  // value: the offset field's bytes as one integer
};

// Reads directory entry `at` (12 bytes, 20 in BigTIFF).
Entry readEntry(TiffBytes& f, std::uint64_t at, bool big) {
    Entry e;
    f.read(at, 2, e.tag);
    f.read(at + 2, 2, e.type);
    f.read(at + 4, big ? 8 : 4, e.count);
    f.read(at + (big ? 12 : 8), big ? 8 : 4, e.value);
    return e;
}

// A single SHORT, LONG or LONG8 stored in the entry itself: the first 2 or 4
// of the field's bytes, which `value` holds at its low end in little-endian
// files and its high end in big-endian ones.
std::uint64_t inlineInteger(const Entry& e, bool little, int fieldBytes) {
    const int bytes = e.type == 3 ? 2 : e.type == 4 ? 4 : 8;
    if (bytes >= fieldBytes) return e.value;
    return little ? e.value & ((std::uint64_t{1} << (8 * bytes)) - 1) : e.value >> (8 * (fieldBytes - bytes));
}

void checkTileShape(const std::string& path, int dir, const Shape& s) {
    if (s.tileWidth == 0 && s.tileHeight == 0) return;  // striped
    const auto sane = [](std::uint64_t side) { return std::max<std::uint64_t>((side + 15) / 16 * 16, kLargestSaneTileSide); };
    if (s.tileWidth <= sane(s.width) && s.tileHeight <= sane(s.height)) return;
    throw SlideError(path + ": TIFF directory " + std::to_string(dir) + " declares tiles of " + std::to_string(s.tileWidth) + " x " +
                     std::to_string(s.tileHeight) + " px for an image of " + std::to_string(s.width) + " x " + std::to_string(s.height) +
                     " px: the file is corrupt (no writer makes tiles larger than both the image and " +
                     std::to_string(kLargestSaneTileSide) + " px)");
}

}  // namespace

void checkTiffStructure(const std::string& path) {
    std::error_code ec;
    const auto fileSize = static_cast<std::uint64_t>(std::filesystem::file_size(path, ec));
    if (ec || fileSize < 8) return;
    TiffBytes f(path, fileSize);
    std::uint64_t order = 0, version = 0;
    if (!f.read(0, 2, order) || (order != 0x4949 && order != 0x4d4d)) return;
    f.little = order == 0x4949;
    if (!f.read(2, 2, version) || (version != 42 && version != 43)) return;
    const bool big = version == 43;
    const int offsetBytes = big ? 8 : 4, countBytes = big ? 8 : 2, entryBytes = big ? 20 : 12;
    std::uint64_t next = 0;
    if (!f.read(big ? 8 : 4, offsetBytes, next)) return;  // a truncated header: the readers say so
    // Directories and long tag values follow the pixels in most writers' files,
    // so what lies past the end usually means a copy cut short.
    const auto corrupt = [&](const std::string& what) { throw SlideError(path + ": " + what + ": the file is truncated or corrupt"); };
    std::set<std::uint64_t> seen;
    for (int dir = 0; next != 0; ++dir) {
        if (!seen.insert(next).second)
            throw SlideError(path + ": TIFF directory " + std::to_string(dir) + " at byte " + std::to_string(next) +
                             " loops back to an earlier one: the file is corrupt");
        std::uint64_t entries = 0;
        if (!f.read(next, countBytes, entries))  // writers put directories after the pixels: a copy cut short loses them
            throw SlideError(path + ": the file is truncated: TIFF directory " + std::to_string(dir) + " is at byte " + std::to_string(next) +
                             " but the file has " + std::to_string(fileSize) + " bytes (an interrupted copy or download?)");
        const std::uint64_t first = next + static_cast<std::uint64_t>(countBytes);
        if (entries > (fileSize - first) / static_cast<std::uint64_t>(entryBytes))
            corrupt("TIFF directory " + std::to_string(dir) + " declares " + std::to_string(entries) + " entries, more than the file holds after byte " + std::to_string(first));
        Shape shape;
        for (std::uint64_t e = 0; e < entries; ++e) {
            const Entry entry = readEntry(f, first + e * static_cast<std::uint64_t>(entryBytes), big);
            const auto size = static_cast<std::uint64_t>(typeSize(entry.type));
            if (size == 0) continue;
            const bool inlined = entry.count <= static_cast<std::uint64_t>(offsetBytes) / size;
            if (!inlined && (entry.count > fileSize / size || entry.value > fileSize - entry.count * size))
                corrupt("TIFF directory " + std::to_string(dir) + ", tag " + std::to_string(entry.tag) + " declares " + std::to_string(entry.count) +
                        " values of " + std::to_string(size) + " bytes at byte " + std::to_string(entry.value) + ", past the end of the file (" +
                        std::to_string(fileSize) + " bytes)");
            if (entry.count == 1 && (entry.type == 3 || entry.type == 4 || entry.type == 16)) {
                const std::uint64_t v = inlineInteger(entry, f.little, offsetBytes);
                if (entry.tag == 256) shape.width = v;
                else if (entry.tag == 257) shape.height = v;
                else if (entry.tag == 322) shape.tileWidth = v;
                else if (entry.tag == 323) shape.tileHeight = v;
            }
        }
        checkTileShape(path, dir, shape);
        if (!f.read(first + entries * static_cast<std::uint64_t>(entryBytes), offsetBytes, next)) next = 0;
    }
}

}  // namespace hescape
