// ZarrTextChunks: bounded decompression and the vlen-utf8 / fixed-width layouts.
#include "core/io/ZarrTextChunks.h"

#include "core/io/Utf8.h"

#include <blosc.h>
#include <zlib.h>
#include <zstd.h>

#include <memory>

namespace hescape {

namespace {

constexpr std::size_t kStep = std::size_t{1} << 16;

[[noreturn]] void tooLong(std::size_t limit, const std::string& where) {
    throw ZarrError(where + ": decompresses to more than " + std::to_string(limit) + " bytes, the most a text chunk may hold");
}

// zlib or gzip (header detected), inflated 64 KiB at a time up to `limit`.
std::vector<std::uint8_t> inflateBounded(const std::vector<std::uint8_t>& data, std::size_t limit, const std::string& where) {
    z_stream z{};
    if (inflateInit2(&z, 15 + 32) != Z_OK) throw ZarrError(where + ": zlib could not start");
    std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, inflateEnd);
    z.next_in = const_cast<Bytef*>(data.data());
    z.avail_in = static_cast<uInt>(data.size());
    std::vector<std::uint8_t> out;
    for (;;) {
        const std::size_t have = out.size();
        if (have > limit) tooLong(limit, where);
        out.resize(have + kStep);
        z.next_out = out.data() + have;
        z.avail_out = static_cast<uInt>(kStep);
        const int rc = inflate(&z, Z_NO_FLUSH);
        out.resize(have + kStep - z.avail_out);
        if (rc == Z_STREAM_END) break;
        if (rc != Z_OK || (z.avail_in == 0 && z.avail_out != 0)) throw ZarrError(where + ": zlib/gzip data is damaged or truncated");
    }
    if (out.size() > limit) tooLong(limit, where);
    return out;
}

// A zstd frame that does not declare its size, in steps up to `limit`.
std::vector<std::uint8_t> zstdStreamBounded(const std::vector<std::uint8_t>& data, std::size_t limit, const std::string& where) {
    std::unique_ptr<ZSTD_DStream, std::size_t (*)(ZSTD_DStream*)> ds(ZSTD_createDStream(), ZSTD_freeDStream);
    if (!ds || ZSTD_isError(ZSTD_initDStream(ds.get()))) throw ZarrError(where + ": zstd could not start");
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    std::vector<std::uint8_t> out;
    std::size_t rc = 1;
    while (rc != 0) {
        const std::size_t have = out.size();
        if (have > limit) tooLong(limit, where);
        out.resize(have + kStep);
        ZSTD_outBuffer o{out.data() + have, kStep, 0};
        rc = ZSTD_decompressStream(ds.get(), &o, &in);
        out.resize(have + o.pos);
        if (ZSTD_isError(rc)) throw ZarrError(where + ": zstd: " + ZSTD_getErrorName(rc));
        if (rc != 0 && in.pos == in.size && o.pos < kStep) throw ZarrError(where + ": zstd frame is truncated");
    }
    if (out.size() > limit) tooLong(limit, where);
    return out;
}

std::uint32_t le32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 | static_cast<std::uint32_t>(p[2]) << 16 |
           static_cast<std::uint32_t>(p[3]) << 24;
}

void appendCodePoint(std::string& out, std::uint32_t cp, const std::string& where) {
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        throw ZarrError(where + ": holds " + std::to_string(cp) + ", which is not a Unicode code point");
    appendUtf8(out, cp);
}

}  // namespace

std::vector<std::uint8_t> zarrDecompressBounded(ZarrCompressor c, const std::vector<std::uint8_t>& data, std::size_t limit,
                                                const std::string& where) {
    switch (c) {
        case ZarrCompressor::None:
            if (data.size() > limit) tooLong(limit, where);
            return data;
        case ZarrCompressor::Blosc: {
            std::size_t declared = 0;
            if (data.size() < BLOSC_MIN_HEADER_LENGTH || blosc_cbuffer_validate(data.data(), data.size(), &declared) != 0)
                throw ZarrError(where + ": not a valid blosc buffer (damaged or truncated)");
            if (declared > limit) tooLong(limit, where);
            return zarrDecompress(c, data, declared, where);
        }
        case ZarrCompressor::Zstd: {
            const unsigned long long declared = ZSTD_getFrameContentSize(data.data(), data.size());
            if (declared == ZSTD_CONTENTSIZE_ERROR) throw ZarrError(where + ": not a zstd frame (damaged or wrong codec)");
            if (declared == ZSTD_CONTENTSIZE_UNKNOWN) return zstdStreamBounded(data, limit, where);
            if (declared > limit) tooLong(limit, where);
            return zarrDecompress(c, data, static_cast<std::size_t>(declared), where);
        }
        case ZarrCompressor::Zlib: return inflateBounded(data, limit, where);
    }
    return data;
}

std::vector<std::string> decodeVlenUtf8(const std::vector<std::uint8_t>& data, std::size_t items, std::size_t valid,
                                        const std::string& where) {
    if (data.size() < 4) throw ZarrError(where + ": a vlen-utf8 chunk of " + std::to_string(data.size()) + " bytes has no item count");
    const std::size_t count = le32(data.data());
    if (count != items && count != valid)
        throw ZarrError(where + ": the vlen-utf8 chunk holds " + std::to_string(count) + " items, the chunk has " + std::to_string(items));
    if (count > (data.size() - 4) / 4)  // every item has at least its 4-byte length
        throw ZarrError(where + ": the vlen-utf8 chunk declares " + std::to_string(count) + " items, more than its bytes can hold");
    std::vector<std::string> out;
    out.reserve(count);
    std::size_t pos = 4;
    for (std::size_t i = 0; i < count; ++i) {
        if (data.size() - pos < 4) throw ZarrError(where + ": the vlen-utf8 chunk ends inside item " + std::to_string(i));
        const std::size_t n = le32(data.data() + pos);
        pos += 4;
        if (n > data.size() - pos)
            throw ZarrError(where + ": vlen-utf8 item " + std::to_string(i) + " declares " + std::to_string(n) +
                            " bytes, past the end of the chunk");
        out.emplace_back(reinterpret_cast<const char*>(data.data() + pos), n);
        pos += n;
    }
    if (pos != data.size()) throw ZarrError(where + ": " + std::to_string(data.size() - pos) + " bytes follow the last vlen-utf8 item");
    return out;
}

std::vector<std::string> decodeFixedText(const std::vector<std::uint8_t>& data, std::size_t items, std::size_t width,
                                         bool utf32, bool bigEndian, const std::string& where) {
    if (width == 0 || data.size() % width != 0 || data.size() / width != items)  // no overflowing product
        throw ZarrError(where + ": holds " + std::to_string(data.size()) + " bytes, not " + std::to_string(items) + " items of " +
                        std::to_string(width) + " bytes");
    std::vector<std::string> out(items);
    for (std::size_t i = 0; i < items; ++i) {
        const std::uint8_t* p = data.data() + i * width;
        std::string& s = out[i];
        if (!utf32) {
            std::size_t n = width;
            while (n > 0 && p[n - 1] == 0) --n;
            s.assign(reinterpret_cast<const char*>(p), n);
            continue;
        }
        for (std::size_t k = 0; k + 4 <= width; k += 4) {
            const std::uint8_t b[4] = {p[k + (bigEndian ? 3 : 0)], p[k + (bigEndian ? 2 : 1)], p[k + (bigEndian ? 1 : 2)],
                                       p[k + (bigEndian ? 0 : 3)]};
            const std::uint32_t cp = le32(b);
            if (cp == 0) break;  // NumPy pads with NULs
            appendCodePoint(s, cp, where);
        }
    }
    return out;
}

}  // namespace hescape
