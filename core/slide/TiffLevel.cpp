// describeTiffDirectory / readTiffTile: libtiff decodes every compression it
// was built with (none, LZW, Deflate, JPEG, PackBits, zstd, ...); JPEG 2000
// tiles are read raw and handed to OpenJPEG.
#include "core/slide/TiffLevel.h"

#include "core/slide/Jpeg2000Decoder.h"
#include "core/slide/Slide.h"

#include <tiffio.h>

#include <algorithm>
#include <cstring>

namespace hescape {

namespace {

// One decoded tile or strip may hold at most this many bytes; larger
// layouts (a whole slide in one strip) must be converted first.
constexpr std::size_t kMaxTileBytes = std::size_t{256} << 20;
constexpr std::int64_t kMaxSide = std::int64_t{1} << 31;

[[noreturn]] void unsupported(const std::string& path, const std::string& where, const std::string& what) {
    throw SlideError(path + ": " + where + ": " + what);
}

}  // namespace

bool isJpeg2000Compression(std::uint16_t c) { return c == 33003 || c == 33004 || c == 33005 || c == 34712; }

TiffLevel describeTiffDirectory(TIFF* tif, const std::string& path, const std::string& where, std::uint64_t fileSize) {
    TiffLevel lv;
    lv.where = where;
    lv.directoryOffset = TIFFCurrentDirOffset(tif);
    std::uint32_t w = 0, h = 0, subfile = 0;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
    if (w == 0 || h == 0) unsupported(path, where, "the image has no pixels (width or height 0)");
    lv.width = w;
    lv.height = h;
    if (TIFFGetField(tif, TIFFTAG_SUBFILETYPE, &subfile)) lv.reducedResolution = (subfile & FILETYPE_REDUCEDIMAGE) != 0;
    std::uint16_t planar = PLANARCONFIG_CONTIG, sampleFormat = SAMPLEFORMAT_UINT;
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &lv.bitsPerSample);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &lv.samplesPerPixel);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &sampleFormat);
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &lv.compression);
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &lv.photometric)) lv.photometric = PHOTOMETRIC_MINISBLACK;

    if (lv.bitsPerSample != 8 && lv.bitsPerSample != 16)
        unsupported(path, where, std::to_string(lv.bitsPerSample) + "-bit samples are not supported (8 or 16 are)");
    if (sampleFormat != SAMPLEFORMAT_UINT) unsupported(path, where, "signed or floating-point samples are not supported");
    if (lv.samplesPerPixel < 1 || lv.samplesPerPixel > 4)
        unsupported(path, where, std::to_string(lv.samplesPerPixel) + " samples per pixel are not supported (1 to 4 are)");
    if (planar != PLANARCONFIG_CONTIG && lv.samplesPerPixel > 1)
        unsupported(path, where, "planar-separate samples are not supported");
    if (lv.photometric != PHOTOMETRIC_MINISBLACK && lv.photometric != PHOTOMETRIC_RGB &&
        !(lv.photometric == PHOTOMETRIC_YCBCR && lv.compression == COMPRESSION_JPEG))
        unsupported(path, where, "photometric interpretation " + std::to_string(lv.photometric) + " is not supported");
    if (!isJpeg2000Compression(lv.compression) && !TIFFIsCODECConfigured(lv.compression))
        unsupported(path, where, "compression " + std::to_string(lv.compression) + " is not supported by this libtiff");
    if (isJpeg2000Compression(lv.compression) && !TIFFIsTiled(tif))
        unsupported(path, where, "JPEG 2000 in strips is not supported (only tiles)");

    lv.tiled = TIFFIsTiled(tif) != 0;
    if (lv.tiled) {
        TIFFGetField(tif, TIFFTAG_TILEWIDTH, &lv.tileWidth);
        TIFFGetField(tif, TIFFTAG_TILELENGTH, &lv.tileHeight);
        if (lv.tileWidth == 0 || lv.tileHeight == 0 || lv.tileWidth % 16 || lv.tileHeight % 16)
            unsupported(path, where, "tile size " + std::to_string(lv.tileWidth) + " x " + std::to_string(lv.tileHeight) +
                                         " is not a positive multiple of 16");
    } else {
        std::uint32_t rows = 0;
        TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rows);
        lv.tileWidth = w;
        lv.tileHeight = std::clamp<std::uint32_t>(rows, 1, h);
    }
    if (lv.width > kMaxSide || lv.height > kMaxSide) unsupported(path, where, "the image is larger than 2^31 pixels a side");
    if (static_cast<double>(lv.tileWidth) * lv.tileHeight * lv.samplesPerPixel * lv.bytesPerSample() > kMaxTileBytes) {
        unsupported(path, where, std::string(lv.tiled ? "tiles" : "strips") + " of " + std::to_string(lv.tileWidth) + " x " +
                                     std::to_string(lv.tileHeight) + " pixels are too large to decode one at a time; "
                                     "convert the file with `hescape convert`");
    }
    // Every tile needs an offset and a byte count in the file: a directory
    // declaring more tiles than the file could list is truncated or corrupt.
    const std::uint64_t tiles = std::uint64_t{lv.tilesAcross()} * lv.tilesDown();
    if (tiles > 1 && tiles * 8 > fileSize) {
        unsupported(path, where, "declares " + std::to_string(tiles) + " tiles, more than a file of " + std::to_string(fileSize) +
                                     " bytes can hold (truncated, or a corrupt size)");
    }
    return lv;
}

namespace {

void readJpeg2000Tile(TIFF* tif, const TiffLevel& lv, std::uint32_t index, const std::string& context,
                      std::vector<std::uint8_t>& out) {
    const auto rawSize = static_cast<tmsize_t>(TIFFGetStrileByteCount(tif, index));
    if (rawSize <= 0) throw SlideError(context + ": the tile has no data");
    if (static_cast<std::size_t>(rawSize) > kMaxTileBytes) throw SlideError(context + ": the tile's byte count is implausibly large");
    std::vector<std::uint8_t> raw(static_cast<std::size_t>(rawSize));
    const tmsize_t got = TIFFReadRawTile(tif, index, raw.data(), rawSize);
    if (got != rawSize) throw SlideError(context + ": the tile is cut short (the file is truncated)");
    Jpeg2000Target target{static_cast<int>(lv.tileWidth), static_cast<int>(lv.tileHeight), lv.samplesPerPixel,
                          static_cast<int>(lv.bytesPerSample()), lv.compression == 33003};
    decodeJpeg2000(raw.data(), raw.size(), target, context, out);
}

}  // namespace

void readTiffTile(TIFF* tif, const TiffLevel& lv, std::uint32_t index, const std::string& path, std::vector<std::uint8_t>& out) {
    const std::string context = path + ": " + lv.where + (lv.tiled ? " tile " : " strip ") + std::to_string(index);
    if (index >= lv.tilesAcross() * lv.tilesDown()) throw SlideError(context + " does not exist");
    if (isJpeg2000Compression(lv.compression)) {
        readJpeg2000Tile(tif, lv, index, context, out);
        return;
    }
    out.assign(lv.tileBytes(), 0);
    const tmsize_t got = lv.tiled ? TIFFReadEncodedTile(tif, index, out.data(), static_cast<tmsize_t>(out.size()))
                                  : TIFFReadEncodedStrip(tif, index, out.data(), static_cast<tmsize_t>(out.size()));
    if (got < 0) throw SlideError(context + " cannot be decoded (corrupt or truncated)");
}

}  // namespace hescape
