// ZarrCodecs: thin, size-checked wrappers over libblosc, libzstd and zlib.
#include "core/io/ZarrCodecs.h"

#include <blosc.h>
#include <zlib.h>
#include <zstd.h>

#include <array>
#include <cstring>

namespace hescape {

namespace {

std::string bytes(std::size_t n) { return std::to_string(n) + " bytes"; }

std::vector<std::uint8_t> bloscDecode(const std::vector<std::uint8_t>& data, std::size_t expected, const std::string& where) {
    std::size_t declared = 0;
    if (data.size() < BLOSC_MIN_HEADER_LENGTH || blosc_cbuffer_validate(data.data(), data.size(), &declared) != 0)
        throw ZarrError(where + ": not a valid blosc buffer (damaged or truncated)");
    if (declared != expected)
        throw ZarrError(where + ": blosc header declares " + bytes(declared) + ", the chunk holds " + bytes(expected));
    std::vector<std::uint8_t> out(expected);
    const int n = blosc_decompress_ctx(data.data(), out.data(), out.size(), 1);
    if (n < 0 || static_cast<std::size_t>(n) != expected) throw ZarrError(where + ": blosc could not decompress it (damaged data)");
    return out;
}

std::vector<std::uint8_t> zstdDecode(const std::vector<std::uint8_t>& data, std::size_t expected, const std::string& where) {
    const unsigned long long declared = ZSTD_getFrameContentSize(data.data(), data.size());
    if (declared == ZSTD_CONTENTSIZE_ERROR) throw ZarrError(where + ": not a zstd frame (damaged or wrong codec)");
    if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != expected)
        throw ZarrError(where + ": zstd frame declares " + bytes(declared) + ", the chunk holds " + bytes(expected));
    std::vector<std::uint8_t> out(expected);
    const std::size_t n = ZSTD_decompress(out.data(), out.size(), data.data(), data.size());
    if (ZSTD_isError(n)) throw ZarrError(where + ": zstd: " + ZSTD_getErrorName(n));
    if (n != expected) throw ZarrError(where + ": decompresses to " + bytes(n) + ", the chunk holds " + bytes(expected));
    return out;
}

std::vector<std::uint8_t> inflateDecode(const std::vector<std::uint8_t>& data, std::size_t expected, const std::string& where) {
    std::vector<std::uint8_t> out(expected + 1);  // one spare byte tells "too long" from "exact"
    z_stream z{};
    if (inflateInit2(&z, 15 + 32) != Z_OK) throw ZarrError(where + ": zlib could not start");  // 32: zlib or gzip header
    z.next_in = const_cast<Bytef*>(data.data());
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = inflate(&z, Z_FINISH);
    const std::size_t n = out.size() - z.avail_out;
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
        if (n > expected) throw ZarrError(where + ": decompresses to more than the chunk's " + bytes(expected));
        throw ZarrError(where + ": zlib/gzip data is damaged or truncated");
    }
    if (n != expected) throw ZarrError(where + ": decompresses to " + bytes(n) + ", the chunk holds " + bytes(expected));
    out.resize(expected);
    return out;
}

}  // namespace

ZarrCompressor zarrCompressorNamed(const std::string& id, const std::string& where) {
    if (id.empty()) return ZarrCompressor::None;
    if (id == "blosc") return ZarrCompressor::Blosc;
    if (id == "zstd") return ZarrCompressor::Zstd;
    if (id == "zlib" || id == "gzip") return ZarrCompressor::Zlib;
    throw ZarrError(where + ": compressor '" + id + "' is not supported (blosc, zstd, zlib, gzip and none are)");
}

std::string zarrCompressorName(ZarrCompressor c) {
    switch (c) {
        case ZarrCompressor::None: return "none";
        case ZarrCompressor::Blosc: return "blosc";
        case ZarrCompressor::Zstd: return "zstd";
        case ZarrCompressor::Zlib: return "zlib/gzip";
    }
    return "?";
}

std::vector<std::uint8_t> zarrDecompress(ZarrCompressor c, const std::vector<std::uint8_t>& data, std::size_t expectedBytes,
                                         const std::string& where) {
    switch (c) {
        case ZarrCompressor::Blosc: return bloscDecode(data, expectedBytes, where);
        case ZarrCompressor::Zstd: return zstdDecode(data, expectedBytes, where);
        case ZarrCompressor::Zlib: return inflateDecode(data, expectedBytes, where);
        case ZarrCompressor::None: break;
    }
    if (data.size() != expectedBytes)
        throw ZarrError(where + ": holds " + bytes(data.size()) + " uncompressed, the chunk needs " + bytes(expectedBytes));
    return data;
}

std::uint32_t crc32c(const std::uint8_t* data, std::size_t size) {
    static constexpr auto table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    std::uint32_t crc = 0xFFFFFFFFu;
    for (std::size_t i = 0; i < size; ++i) crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}

}  // namespace hescape
