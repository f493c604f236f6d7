// Slide backend for OME-Zarr images (OME-NGFF 0.4 on Zarr v2, 0.5 on Zarr v3,
// sharded or not), as SpatialData stores and newer pipelines keep them: the
// multiscale levels become the pyramid, the level-0 scale with the x/y axis
// units the microns per pixel, the channel axis the fluorescence channels
// (composited through a ChannelDisplayState, as OME-TIFF's are). Three 8-bit
// channels without colours other than red, green, blue are shown as RGB.
// Time and z show their first plane.
#pragma once

#include "core/slide/ChannelComposite.h"
#include "core/slide/DecodedTileCache.h"
#include "core/slide/OmeNgff.h"
#include "core/slide/Slide.h"

#include <memory>

namespace hescape {

class ZarrArray;

class OmeZarrSlide final : public Slide {
public:
    // A folder holding OME-NGFF multiscales (or a bioformats2raw root).
    static bool canOpen(const std::string& path);

    explicit OmeZarrSlide(const std::string& path);
    ~OmeZarrSlide() override;
    std::string format() const override { return "ome-zarr"; }

    const NgffImage& ngff() const { return ngff_; }
    bool isRgb() const { return rgb_; }
    int channelCount() const { return channels_; }
    std::shared_ptr<ChannelDisplayState> channelDisplay() const override { return display_; }

protected:
    void readRegionInto(int level, std::int64_t x, std::int64_t y, RgbaImage& out) const override;

private:
    struct Level {
        std::unique_ptr<ZarrArray> array;
        std::int64_t chunkW = 0, chunkH = 0, across = 0;
    };

    void openLevels();
    void checkLevel(std::size_t k, const ZarrArray& array, const std::vector<std::int64_t>& first) const;
    void readMetadata();
    std::vector<ChannelInfo> channelInfo() const;
    void applyOmeroSettings();
    // Channel `channel`'s samples in chunk (cx, cy) of `level`.
    SampleBlock block(int level, int channel, std::int64_t cx, std::int64_t cy, DecodedTileCache::Tile& hold) const;
    template <typename F>
    void forEachChunk(int level, const LevelWindow& win, F&& f) const;
    void copyRgb(int level, const LevelWindow& win, RgbaImage& out) const;
    void composite(int level, const LevelWindow& win, RgbaImage& out) const;

    NgffImage ngff_;
    std::vector<Level> zarrLevels_;
    int channelAxis_ = -1;
    int channels_ = 1;
    int bits_ = 8;
    bool rgb_ = false;
    std::shared_ptr<ChannelDisplayState> display_;
    mutable DecodedTileCache tiles_{std::size_t{192} << 20};
};

}  // namespace hescape
