// Slide backend for OME-TIFF on libtiff directly (OpenSlide has no SubIFD or
// OME support): pyramids in SubIFDs (tag 330, also IFD8 in BigTIFF) or as
// reduced-resolution IFDs after each plane, tiled or stripped levels, every
// libtiff compression plus JPEG 2000, the OME-XML's pixel size, channels and
// plane layout (planes may live in sibling files, as in Xenium's
// morphology_focus/ folder). 8-bit RGB images are shown as they are; 8- and
// 16-bit channel images are composited through a ChannelDisplayState.
#pragma once

#include "core/slide/DecodedTileCache.h"
#include "core/slide/OmeXml.h"
#include "core/slide/Slide.h"
#include "core/slide/TiffLevel.h"

#include <memory>

namespace hescape {

class TiffHandlePool;
struct LevelWindow;

class OmeTiffSlide final : public Slide {
public:
    // A TIFF whose first ImageDescription is an OME-XML block.
    static bool canOpen(const std::string& path);

    explicit OmeTiffSlide(const std::string& path);
    ~OmeTiffSlide() override;
    std::string format() const override { return "ome-tiff"; }

    const OmePixels& ome() const { return ome_; }
    bool isRgb() const { return rgb_; }
    // The TIFF level behind pyramid level `level` of channel `channel`.
    const TiffLevel& tiffLevel(std::size_t channel, int level) const;
    std::shared_ptr<ChannelDisplayState> channelDisplay() const override { return display_; }

protected:
    void readRegionInto(int level, std::int64_t x, std::int64_t y, RgbaImage& out) const override;

private:
    struct Plane {
        TiffHandlePool* pool = nullptr;
        std::vector<TiffLevel> levels;
    };
    TiffHandlePool& poolFor(const std::string& fileName);
    Plane readPlane(TiffHandlePool& pool, int ifd, const std::string& channelName) const;
    void checkPlanes();
    void readMetadata();
    std::vector<ChannelInfo> channelInfo() const;
    DecodedTileCache::Tile tile(std::size_t plane, int level, std::uint32_t index) const;
    // Calls f(tileData, tileX0, tileY0) for every tile of `plane` meeting `win`.
    template <typename F>
    void forEachTile(std::size_t plane, int level, const LevelWindow& win, F&& f) const;
    void copyRgb(int level, const LevelWindow& win, RgbaImage& out) const;
    void composite(int level, const LevelWindow& win, RgbaImage& out) const;

    OmePixels ome_;
    std::vector<std::pair<std::string, std::unique_ptr<TiffHandlePool>>> pools_;
    std::vector<Plane> planes_;
    bool rgb_ = false;
    std::shared_ptr<ChannelDisplayState> display_;
    mutable DecodedTileCache tiles_{std::size_t{192} << 20};
};

}  // namespace hescape
