// ParquetCodecs: size-checked wrappers over libsnappy, zlib and libzstd.
#include "core/io/ParquetCodecs.h"

#include "core/common/MemoryBudget.h"
#include "core/io/ParquetMetadata.h"

#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <limits>
#include <string>

namespace hescape {

namespace {

using namespace parquet_enum;

std::string bytes(std::size_t n) { return std::to_string(n) + " bytes"; }

// The most each format can expand its input, so that a header declaring more
// is refused before allocating: a snappy copy of 64 bytes costs 3 bytes;
// deflate's best is 258 bytes per 2 bits (1032:1); a zstd RLE block turns 4
// bytes into 128 KiB (well under 65536:1). A few bytes of slack cover the
// format headers.
std::size_t maxExpansion(std::int32_t codec, std::size_t compressed) {
    const std::size_t ratio = codec == kSnappy ? 22 : codec == kGzip ? static_cast<std::size_t>(kDeflateMaxExpansion) : 65536;
    if (compressed > std::numeric_limits<std::size_t>::max() / ratio - 64) return std::numeric_limits<std::size_t>::max();
    return compressed * ratio + 64;
}

std::vector<std::uint8_t> snappyDecode(std::span<const std::uint8_t> data, std::size_t expected) {
    const auto* in = reinterpret_cast<const char*>(data.data());
    std::size_t declared = 0;
    if (snappy_uncompressed_length(in, data.size(), &declared) != SNAPPY_OK)
        throw ParquetError("SNAPPY data is corrupt (no valid length preamble)");
    if (declared != expected)
        throw ParquetError("SNAPPY data declares " + bytes(declared) + ", the page header " + bytes(expected));
    std::vector<std::uint8_t> out(expected);
    std::size_t n = out.size();
    if (snappy_uncompress(in, data.size(), reinterpret_cast<char*>(out.data()), &n) != SNAPPY_OK || n != expected)
        throw ParquetError("SNAPPY data is corrupt or truncated");
    return out;
}

// The content sizes the zstd frames declare, summed; ZSTD_CONTENTSIZE_UNKNOWN
// when a frame does not say, ZSTD_CONTENTSIZE_ERROR when the data is no frame.
unsigned long long zstdDeclaredSize(std::span<const std::uint8_t> data) {
    unsigned long long total = 0;
    for (std::size_t pos = 0; pos < data.size();) {
        const unsigned long long frame = ZSTD_getFrameContentSize(data.data() + pos, data.size() - pos);
        const std::size_t frameBytes = ZSTD_findFrameCompressedSize(data.data() + pos, data.size() - pos);
        if (frame == ZSTD_CONTENTSIZE_ERROR || ZSTD_isError(frameBytes)) return ZSTD_CONTENTSIZE_ERROR;
        if (frame == ZSTD_CONTENTSIZE_UNKNOWN) return ZSTD_CONTENTSIZE_UNKNOWN;
        if (frame > kParquetMaxPageBytes - std::min<unsigned long long>(total, kParquetMaxPageBytes)) return kParquetMaxPageBytes + 1;
        total += frame;
        pos += frameBytes;
    }
    return total;
}

std::vector<std::uint8_t> zstdDecode(std::span<const std::uint8_t> data, std::size_t expected) {
    const unsigned long long declared = zstdDeclaredSize(data);
    if (declared == ZSTD_CONTENTSIZE_ERROR) throw ParquetError("ZSTD data is corrupt (not a sequence of zstd frames)");
    if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != expected)
        throw ParquetError("ZSTD data declares " + std::to_string(declared) + " bytes, the page header " + bytes(expected));
    std::vector<std::uint8_t> out(expected);
    const std::size_t n = ZSTD_decompress(out.data(), out.size(), data.data(), data.size());
    if (ZSTD_isError(n)) throw ParquetError(std::string("ZSTD data is corrupt: ") + ZSTD_getErrorName(n));
    if (n != expected) throw ParquetError("ZSTD data decompresses to " + bytes(n) + ", the page header says " + bytes(expected));
    return out;
}

// GZIP pages hold gzip members (zlib headers are accepted too); several
// members in a row are concatenated, as gzip itself does. Deflate has no
// size field, so the buffer grows with the output instead of trusting the
// page header, and output past the declared size is refused.
std::vector<std::uint8_t> gzipDecode(std::span<const std::uint8_t> data, std::size_t expected) {
    std::vector<std::uint8_t> out(std::min<std::size_t>(expected + 1, std::size_t{1} << 16));  // +1 tells "too long" from "exact"
    z_stream z{};
    if (inflateInit2(&z, 15 + 32) != Z_OK) throw ParquetError("zlib could not start");
    z.next_in = const_cast<Bytef*>(data.data());
    z.avail_in = static_cast<uInt>(data.size());
    std::size_t produced = 0;
    const char* failure = nullptr;
    while (failure == nullptr) {
        z.next_out = out.data() + produced;
        z.avail_out = static_cast<uInt>(out.size() - produced);
        const int rc = inflate(&z, Z_NO_FLUSH);
        produced = out.size() - z.avail_out;
        if (rc == Z_STREAM_END && z.avail_in == 0) break;
        if (rc == Z_STREAM_END) failure = inflateReset(&z) == Z_OK ? nullptr : "GZIP data is corrupt";
        else if (rc != Z_OK && rc != Z_BUF_ERROR) failure = "GZIP data is corrupt";
        else if (z.avail_out > 0) failure = "GZIP data is truncated";
        else if (out.size() > expected) failure = "GZIP data decompresses to more than the page header says";
        else out.resize(std::min(expected + 1, out.size() * 2));
    }
    inflateEnd(&z);
    if (failure) throw ParquetError(std::string(failure) + " (" + bytes(expected) + ")");
    if (produced != expected) throw ParquetError("GZIP data decompresses to " + bytes(produced) + ", the page header says " + bytes(expected));
    out.resize(expected);
    return out;
}

}  // namespace

bool parquetCodecSupported(std::int32_t codec) {
    return codec == kUncompressed || codec == kSnappy || codec == kGzip || codec == kZstd;
}

std::vector<std::uint8_t> parquetDecompress(std::int32_t codec, std::span<const std::uint8_t> data, std::size_t uncompressedSize) {
    if (uncompressedSize > kParquetMaxPageBytes)
        throw ParquetError("the page header declares an uncompressed size of " + bytes(uncompressedSize) + ", more than the " +
                           bytes(kParquetMaxPageBytes) + " a page may have");
    if (codec == kUncompressed) {
        if (data.size() != uncompressedSize)
            throw ParquetError("an UNCOMPRESSED page holds " + bytes(data.size()) + " but its header says " + bytes(uncompressedSize));
        return {data.begin(), data.end()};
    }
    if (!parquetCodecSupported(codec))
        throw ParquetError("codec " + parquetCodecName(codec) + " is not supported (UNCOMPRESSED, SNAPPY, GZIP and ZSTD are)");
    if (uncompressedSize > maxExpansion(codec, data.size()))
        throw ParquetError("the page header declares " + bytes(uncompressedSize) + " uncompressed, more than " + parquetCodecName(codec) +
                           " can expand " + bytes(data.size()) + " to");
    if (data.size() > std::numeric_limits<uInt>::max()) throw ParquetError("a compressed page is larger than 4 GiB");
    if (codec == kSnappy) return snappyDecode(data, uncompressedSize);
    if (codec == kZstd) return zstdDecode(data, uncompressedSize);
    return gzipDecode(data, uncompressedSize);
}

}  // namespace hescape
