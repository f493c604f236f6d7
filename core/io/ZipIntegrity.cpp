// verifyZipCrcs: the end-of-central-directory record (ZIP64 when a field is
// saturated), then each central-directory entry's local header and data,
// read in 1 MiB pieces through zlib's crc32 (and inflate for deflated
// entries). Every offset and size is checked against the file's size first.
#include "core/io/ZipIntegrity.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

namespace hescape {

namespace {

constexpr std::uint32_t kEocd = 0x06054b50, kEocd64 = 0x06064b50, kLocator64 = 0x07064b50, kCentral = 0x02014b50, kLocal = 0x04034b50;

std::uint64_t le(const std::uint8_t* p, int bytes) {
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

class ZipFile {
public:
    explicit ZipFile(const std::string& path) : path_(path), in_(path, std::ios::binary) {
        std::error_code ec;
        size_ = std::filesystem::file_size(path, ec);
        if (!in_ || ec) fail("cannot be read");
    }
    [[noreturn]] void fail(const std::string& why) const { throw ZipIntegrityError(path_ + ": " + why); }
    std::uint64_t size() const { return size_; }
    std::vector<std::uint8_t> read(std::uint64_t offset, std::uint64_t n, const char* what) {
        if (offset > size_ || n > size_ - offset) fail(std::string(what) + " lies past the end of the file: the file is truncated or damaged");
        std::vector<std::uint8_t> out(static_cast<std::size_t>(n));
        in_.seekg(static_cast<std::streamoff>(offset));
        in_.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(n));
        if (!in_) fail(std::string("reading ") + what + " failed");
        return out;
    }

private:
    std::string path_;
    std::ifstream in_;
    std::uint64_t size_ = 0;
};

struct Directory {
    std::uint64_t entries = 0, offset = 0, size = 0;
};

Directory findDirectory(ZipFile& z) {
    const std::uint64_t tail = std::min<std::uint64_t>(z.size(), 22 + 65535);
    if (z.size() < 22) z.fail("not a ZIP archive (a checkpoint is one): too short");
    const auto buf = z.read(z.size() - tail, tail, "the end of the archive");
    for (std::size_t i = buf.size() - 22 + 1; i-- > 0;) {
        if (le(&buf[i], 4) != kEocd) continue;
        Directory d{le(&buf[i + 10], 2), le(&buf[i + 16], 4), le(&buf[i + 12], 4)};
        const std::uint64_t eocdAt = z.size() - tail + i;
        if ((d.entries == 0xFFFF || d.offset == 0xFFFFFFFF || d.size == 0xFFFFFFFF) && eocdAt >= 20) {
            const auto loc = z.read(eocdAt - 20, 20, "the ZIP64 locator");
            // Exactly 65,535 entries without ZIP64 records (as Python writes them): the 32-bit values stand.
            if (le(loc.data(), 4) != kLocator64) {
                if (d.offset != 0xFFFFFFFF && d.size != 0xFFFFFFFF) return d;
                z.fail("the ZIP64 end-of-central-directory locator is missing");
            }
            const auto rec = z.read(le(&loc[8], 8), 56, "the ZIP64 end-of-central-directory record");
            if (le(rec.data(), 4) != kEocd64) z.fail("the ZIP64 end-of-central-directory record is damaged");
            d = {le(&rec[32], 8), le(&rec[48], 8), le(&rec[40], 8)};
        }
        return d;
    }
    z.fail("not a ZIP archive (a checkpoint is one): no end-of-central-directory record; the file is damaged or not a checkpoint");
}

struct Entry {
    std::string name;
    std::uint32_t crc = 0;
    std::uint16_t method = 0;
    std::uint64_t compressed = 0, uncompressed = 0, localOffset = 0;
};

// One central-directory record at `p` (bounds already checked for the fixed part).
Entry parseEntry(ZipFile& z, const std::uint8_t* p, std::size_t avail, std::size_t& used) {
    const std::size_t n = le(p + 28, 2), extra = le(p + 30, 2), comment = le(p + 32, 2);
    if (46 + n + extra + comment > avail) z.fail("the central directory is cut short");
    Entry e{std::string(reinterpret_cast<const char*>(p + 46), n), static_cast<std::uint32_t>(le(p + 16, 4)),
            static_cast<std::uint16_t>(le(p + 10, 2)), le(p + 20, 4), le(p + 24, 4), le(p + 42, 4)};
    // ZIP64 extra field: the saturated fields, in this order.
    for (std::size_t at = 46 + n; at + 4 <= 46 + n + extra;) {
        const std::size_t id = le(p + at, 2), len = le(p + at + 2, 2);
        if (at + 4 + len > 46 + n + extra) z.fail("the central directory is damaged: an extra field of entry " + e.name + " overruns it");
        std::size_t f = at + 4;
        if (id == 1) {
            for (std::uint64_t* v : {&e.uncompressed, &e.compressed, &e.localOffset})
                if (*v == 0xFFFFFFFF && f + 8 <= at + 4 + len) {
                    *v = le(p + f, 8);
                    f += 8;
                }
        }
        at += 4 + len;
    }
    used = 46 + n + extra + comment;
    return e;
}

// zlib's inflate state, ended however the check ends.
struct Inflater {
    z_stream s{};
    bool started = false;
    ~Inflater() {
        if (started) inflateEnd(&s);
    }
};

// The CRC-32 of an entry's data as stored (method 0) or inflated (method 8).
std::uint32_t crcOfEntry(ZipFile& z, const Entry& e, std::uint64_t dataAt) {
    constexpr std::uint64_t kPiece = 1 << 20;
    uLong crc = crc32(0L, Z_NULL, 0);
    Inflater inf;
    if (e.method == 8) {
        if (inflateInit2(&inf.s, -MAX_WBITS) != Z_OK) z.fail("zlib could not start inflating " + e.name);
        inf.started = true;
    }
    std::vector<std::uint8_t> out(e.method == 8 ? kPiece : 0);
    std::uint64_t produced = 0;
    bool ended = false;
    for (std::uint64_t done = 0; done < e.compressed && !ended;) {
        const std::uint64_t n = std::min(kPiece, e.compressed - done);
        auto piece = z.read(dataAt + done, n, ("the data of entry " + e.name).c_str());
        done += n;
        if (e.method == 0) {
            crc = crc32(crc, piece.data(), static_cast<uInt>(piece.size()));
            continue;
        }
        inf.s.next_in = piece.data();
        inf.s.avail_in = static_cast<uInt>(piece.size());
        // Until this piece is used up and zlib has nothing more to give (a full output buffer may hold more).
        do {
            inf.s.next_out = out.data();
            inf.s.avail_out = static_cast<uInt>(out.size());
            const int r = inflate(&inf.s, Z_NO_FLUSH);
            const std::size_t got = out.size() - inf.s.avail_out;
            crc = crc32(crc, out.data(), static_cast<uInt>(got));
            produced += got;
            if (r == Z_STREAM_END) {
                ended = true;
                break;
            }
            if (r != Z_OK && r != Z_BUF_ERROR) z.fail("entry " + e.name + " is damaged: its compressed data does not inflate");
            if (r == Z_BUF_ERROR && inf.s.avail_in == 0) break;  // needs the next piece
        } while (inf.s.avail_in > 0 || inf.s.avail_out == 0);
    }
    if (e.method == 8 && (!ended || produced != e.uncompressed))
        z.fail("entry " + e.name + " is damaged: it inflates to another size than recorded");
    return static_cast<std::uint32_t>(crc);
}

}  // namespace

ZipCheck verifyZipCrcs(const std::string& path) {
    ZipFile z(path);
    const Directory dir = findDirectory(z);
    const auto cd = z.read(dir.offset, dir.size, "the central directory");
    ZipCheck check;
    std::size_t at = 0;
    for (std::uint64_t i = 0; i < dir.entries; ++i) {
        if (at + 46 > cd.size() || le(&cd[at], 4) != kCentral) z.fail("the central directory is damaged at entry " + std::to_string(i));
        std::size_t used = 0;
        const Entry e = parseEntry(z, &cd[at], cd.size() - at, used);
        at += used;
        if (e.method != 0 && e.method != 8) z.fail("entry " + e.name + " uses compression method " + std::to_string(e.method) + ", which cannot be checked");
        const auto local = z.read(e.localOffset, 30, ("the local header of entry " + e.name).c_str());
        if (le(local.data(), 4) != kLocal) z.fail("the local header of entry " + e.name + " is damaged");
        const std::uint64_t dataAt = e.localOffset + 30 + le(&local[26], 2) + le(&local[28], 2);
        const std::uint32_t crc = crcOfEntry(z, e, dataAt);
        if (crc != e.crc) {
            char buf[64];
            std::snprintf(buf, sizeof buf, " (CRC-32 %08x, recorded %08x)", crc, e.crc);
            z.fail("entry " + e.name + " is damaged" + buf + ": the file was changed or corrupted after it was written");
        }
        ++check.entries;
        check.bytes += e.uncompressed;
    }
    return check;
}

}  // namespace hescape
