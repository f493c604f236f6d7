// The one interface every whole-slide image goes through, whatever its file
// format: pyramid levels, physical scale, metadata, associated images and
// region reads into straight (non-premultiplied) RGBA.
#pragma once

#include "core/slide/RgbaImage.h"

#include "core/slide/ChannelDisplay.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace hescape {

// Every failure to open or read a slide. The message names the file and what
// was wrong with it.
class SlideError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct SlideLevel {
    std::int64_t width = 0;
    std::int64_t height = 0;
    double downsample = 1.0;  // level-0 pixels per pixel of this level
};

struct MicronsPerPixel {
    double x = 0.0;
    double y = 0.0;
};

class Slide {
public:
    virtual ~Slide() = default;
    Slide(const Slide&) = delete;
    Slide& operator=(const Slide&) = delete;

    const std::string& path() const { return path_; }
    // "aperio", "generic-tiff", "plain-image", ...
    virtual std::string format() const = 0;

    int levelCount() const { return static_cast<int>(levels_.size()); }
    const SlideLevel& level(int index) const;
    const std::vector<SlideLevel>& levels() const { return levels_; }
    std::int64_t width() const { return levels_.front().width; }
    std::int64_t height() const { return levels_.front().height; }
    // The coarsest level whose downsample is at most `downsample`.
    int bestLevelForDownsample(double downsample) const;

    // From the file's metadata, or as set by the user; empty when neither knows.
    std::optional<MicronsPerPixel> micronsPerPixel() const;
    bool micronsPerPixelFromFile() const { return fileMpp_.has_value(); }
    // Where the file's microns per pixel came from ("OME-XML PhysicalSizeX/Y",
    // "TIFF resolution tags", ...); empty when the file records none.
    const std::string& micronsPerPixelSource() const { return fileMppSource_; }
    void setMicronsPerPixel(std::optional<MicronsPerPixel> mpp);
    // For images whose file records no pixel size but a companion file does
    // (Visium's scale factors): reported as the file's, with its source.
    void setMicronsPerPixelFrom(MicronsPerPixel mpp, std::string source);
    std::optional<double> objectivePower() const { return objectivePower_; }

    const std::map<std::string, std::string>& properties() const { return properties_; }
    // Fluorescence slides: the channels and how they are composited, shared
    // with the views that change it. Null for brightfield (RGB) slides.
    virtual std::shared_ptr<ChannelDisplayState> channelDisplay() const { return nullptr; }
    virtual std::vector<std::string> associatedImageNames() const { return {}; }
    virtual RgbaImage readAssociatedImage(const std::string& name) const;

    // Reads a w x h region of `level`; (x, y) is the top-left corner in
    // level-0 pixels (OpenSlide's convention). Areas outside the slide or
    // without data come back transparent (alpha 0). Thread-safe.
    RgbaImage readRegion(int level, std::int64_t x, std::int64_t y, int w, int h) const;

protected:
    explicit Slide(std::string path) : path_(std::move(path)) {}
    virtual void readRegionInto(int level, std::int64_t x, std::int64_t y, RgbaImage& out) const = 0;

    std::vector<SlideLevel> levels_;
    std::map<std::string, std::string> properties_;
    std::optional<MicronsPerPixel> fileMpp_;
    std::string fileMppSource_;
    std::optional<double> objectivePower_;

private:
    std::string path_;
    std::optional<MicronsPerPixel> userMpp_;
};

// Opens any slide: every format OpenSlide knows, and plain PNG/JPEG/TIFF
// images small enough to hold in memory. Throws SlideError (or
// ImageTooLargeError for plain images that need converting first).
std::unique_ptr<Slide> openSlide(const std::string& path);

}  // namespace hescape
