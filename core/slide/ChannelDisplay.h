// How a fluorescence slide's channels become an RGB picture, as QuPath and
// Xenium Explorer show them: each visible channel's samples go through its
// contrast window [low, high] and gamma to an intensity, are tinted with the
// channel's colour and summed (additive composite, clamped). The state is
// shared by the slide (which composites on decoding threads) and the views
// and panels that change it; every change bumps a generation so that tile
// caches know their composites are stale while the decoded samples stay.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace hescape {

using Rgb8 = std::array<std::uint8_t, 3>;

struct ChannelInfo {
    std::string name;
    int bitsPerSample = 8;
    Rgb8 defaultColour{255, 255, 255};
    double autoLow = 0;   // 0.1st percentile of a coarse level
    double autoHigh = 255;  // 99.9th percentile
    std::uint32_t maxValue() const { return (std::uint32_t{1} << bitsPerSample) - 1; }
};

struct ChannelDisplay {
    bool visible = true;
    Rgb8 colour{255, 255, 255};
    double low = 0;
    double high = 255;
    double gamma = 1.0;
    bool operator==(const ChannelDisplay&) const = default;
};

// Per channel, sample value -> 0..255 intensity (window and gamma applied).
struct ChannelLookup {
    std::vector<std::vector<std::uint8_t>> intensity;
    std::vector<ChannelDisplay> display;
};

class ChannelDisplayState {
public:
    // Starts at each channel's default colour and automatic window.
    explicit ChannelDisplayState(std::vector<ChannelInfo> channels);

    const std::vector<ChannelInfo>& channels() const { return channels_; }
    std::vector<ChannelDisplay> settings() const;
    // Throws std::invalid_argument for a wrong count, a window with high <= low
    // or outside the sample range, or a gamma that is not positive.
    void setSettings(std::vector<ChannelDisplay> settings);
    void setChannel(std::size_t index, const ChannelDisplay& display);
    // Back to the default colours and automatic windows.
    void reset();
    std::uint64_t generation() const;
    // The tables for the current settings (immutable; safe to use on any thread).
    std::shared_ptr<const ChannelLookup> lookup() const;

    static std::vector<ChannelDisplay> defaults(const std::vector<ChannelInfo>& channels);

private:
    void validate(const std::vector<ChannelDisplay>& s) const;

    const std::vector<ChannelInfo> channels_;
    mutable std::mutex mutex_;
    std::shared_ptr<const ChannelLookup> lookup_;
    std::uint64_t generation_ = 0;
};

// A default colour for channel `index` of `count` named `name`: DAPI/Hoechst
// blue; otherwise white for a single channel and a fixed palette for more.
Rgb8 defaultChannelColour(const std::string& name, std::size_t index, std::size_t count);

// The q-th quantile (0..1) of a sample histogram (nearest rank, lower).
double histogramQuantile(const std::vector<std::uint64_t>& histogram, double q);

}  // namespace hescape
