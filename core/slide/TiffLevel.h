// One TIFF image directory seen as a pyramid level: its geometry, sample
// layout and compression, checked against the file before anything is
// allocated, and the decoding of one of its tiles (or strips) into
// interleaved native-endian samples.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

typedef struct tiff TIFF;

namespace hescape {

class TiffHandlePool;

struct TiffLevel {
    std::uint64_t directoryOffset = 0;
    std::string where;  // "IFD 0", "IFD 0 SubIFD 2": for messages
    std::int64_t width = 0;
    std::int64_t height = 0;
    bool tiled = false;
    // Tiles, or strips seen as tiles of the full width and RowsPerStrip rows.
    std::uint32_t tileWidth = 0;
    std::uint32_t tileHeight = 0;
    std::uint16_t compression = 1;
    std::uint16_t bitsPerSample = 8;
    std::uint16_t samplesPerPixel = 1;
    std::uint16_t photometric = 1;
    bool reducedResolution = false;  // NewSubfileType bit 0

    std::uint32_t tilesAcross() const { return static_cast<std::uint32_t>((width + tileWidth - 1) / tileWidth); }
    std::uint32_t tilesDown() const { return static_cast<std::uint32_t>((height + tileHeight - 1) / tileHeight); }
    std::size_t bytesPerSample() const { return bitsPerSample / 8u; }
    std::size_t tileBytes() const {
        return std::size_t{tileWidth} * tileHeight * samplesPerPixel * bytesPerSample();
    }
};

// Describes the handle's current directory. Throws SlideError naming `path`
// and `where` for layouts this reader does not decode (bit depths other than
// 8/16, signed or float samples, planar-separate or palette images, unknown
// compressions) and for geometry the file cannot hold.
TiffLevel describeTiffDirectory(TIFF* tif, const std::string& path, const std::string& where, std::uint64_t fileSize);

// Decodes tile `index` (row-major over the level's tiles or strips) into
// `out`: tileWidth x tileHeight pixels of samplesPerPixel samples; rows past
// the end of a short last strip are zero. The lease must be on the level's
// directory. Throws SlideError naming the file, the level and the tile.
void readTiffTile(TIFF* tif, const TiffLevel& level, std::uint32_t index, const std::string& path,
                  std::vector<std::uint8_t>& out);

bool isJpeg2000Compression(std::uint16_t compression);

}  // namespace hescape
