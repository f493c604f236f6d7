// The parts of an OME-XML block (the ImageDescription of an OME-TIFF's first
// IFD) that a viewer needs: image size, pixel type, physical pixel size with
// its unit, channels (names, colours) and which TIFF IFD of which file holds
// each (channel, z, t) plane. Follows the OME 2016-06 schema; unknown
// elements are ignored, malformed XML is a SlideError naming the file.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hescape {

struct OmeChannel {
    std::string name;                                  // Name, else Fluor, else empty
    std::optional<std::array<std::uint8_t, 3>> colour;  // from Color (RGBA int32), when given
    int samplesPerPixel = 1;
};

// Where one plane lives: IFD index (counted along the main IFD chain) in a
// file (empty: the file that holds the OME-XML).
struct OmePlaneLocation {
    std::string fileName;
    int ifd = 0;
};

struct OmePixels {
    std::int64_t sizeX = 0;
    std::int64_t sizeY = 0;
    int sizeC = 1;
    int sizeZ = 1;
    int sizeT = 1;
    std::string dimensionOrder = "XYCZT";
    std::string type;  // "uint8", "uint16", ...
    std::optional<double> physicalSizeXUm;
    std::optional<double> physicalSizeYUm;
    // Why a physical size is absent although attributes exist (unknown unit, not positive).
    std::string physicalSizeNote;
    std::string imageName;
    int imageCount = 1;  // Image elements in the block; the first is read
    std::vector<OmeChannel> channels;
    // One entry per plane index (see planeIndex), or empty when TiffData is absent.
    std::vector<std::optional<OmePlaneLocation>> planes;

    // Planes: one per Channel element (an RGB channel holds 3 samples) per z and t.
    int planeCount() const { return static_cast<int>(channels.empty() ? sizeC : channels.size()) * sizeZ * sizeT; }
    // Index of plane (c, z, t) in the order DimensionOrder gives.
    int planeIndex(int c, int z, int t) const;
    // Where plane (c, z, t) is stored: TiffData's mapping, else IFD = plane index.
    std::optional<OmePlaneLocation> planeLocation(int c, int z, int t) const;
};

// True when `description` looks like an OME-XML block (cheap, no parsing).
bool looksLikeOmeXml(const std::string& description);

// Parses the first Image's Pixels. Throws SlideError("<path>: OME-XML ...").
OmePixels parseOmeXml(const std::string& xml, const std::string& path);

// Micrometres per `unit` as OME-XML writes it ("µm", "um", "nm", "mm", "cm",
// "m", "Å", "pm") or as OME-NGFF axes name it ("micrometer", "nanometer",
// ...); empty for units that are not lengths or not known.
std::optional<double> micronsPerOmeUnit(const std::string& unit);

}  // namespace hescape
