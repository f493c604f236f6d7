// ChannelDisplayState: the lookup tables are rebuilt on every change (65,536
// entries per 16-bit channel, microseconds) so decoding threads only index.
#include "core/slide/ChannelDisplay.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>

namespace hescape {

namespace {

std::shared_ptr<const ChannelLookup> buildLookup(const std::vector<ChannelInfo>& channels, std::vector<ChannelDisplay> display) {
    auto out = std::make_shared<ChannelLookup>();
    out->intensity.resize(channels.size());
    for (std::size_t c = 0; c < channels.size(); ++c) {
        const auto& d = display[c];
        auto& table = out->intensity[c];
        table.resize(std::size_t{channels[c].maxValue()} + 1);
        const double span = d.high - d.low;
        for (std::size_t v = 0; v < table.size(); ++v) {
            const double t = std::clamp((static_cast<double>(v) - d.low) / span, 0.0, 1.0);
            table[v] = static_cast<std::uint8_t>(std::lround(255.0 * (d.gamma == 1.0 ? t : std::pow(t, d.gamma))));
        }
    }
    out->display = std::move(display);
    return out;
}

std::string lower(std::string s) {
    for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
}

}  // namespace

Rgb8 defaultChannelColour(const std::string& name, std::size_t index, std::size_t count) {
    const std::string n = lower(name);
    if (n.find("dapi") != std::string::npos || n.find("hoechst") != std::string::npos) return {0, 110, 255};
    if (count == 1) return {255, 255, 255};
    static const Rgb8 kPalette[] = {{0, 110, 255}, {0, 255, 0}, {255, 0, 0}, {255, 0, 255},
                                    {0, 255, 255}, {255, 255, 0}, {255, 128, 0}, {255, 255, 255}};
    return kPalette[index % (sizeof kPalette / sizeof kPalette[0])];
}

double histogramQuantile(const std::vector<std::uint64_t>& histogram, double q) {
    std::uint64_t total = 0;
    for (const auto n : histogram) total += n;
    if (total == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(std::floor(std::clamp(q, 0.0, 1.0) * static_cast<double>(total - 1)));
    std::uint64_t seen = 0;
    for (std::size_t v = 0; v < histogram.size(); ++v) {
        seen += histogram[v];
        if (seen > rank) return static_cast<double>(v);
    }
    return static_cast<double>(histogram.size() - 1);
}

std::vector<ChannelDisplay> ChannelDisplayState::defaults(const std::vector<ChannelInfo>& channels) {
    std::vector<ChannelDisplay> out;
    for (const auto& c : channels) {
        ChannelDisplay d;
        d.colour = c.defaultColour;
        d.low = c.autoLow;
        d.high = c.autoHigh > c.autoLow ? c.autoHigh : std::min<double>(c.autoLow + 1, c.maxValue());
        if (d.high <= d.low) d.low = d.high - 1;
        out.push_back(d);
    }
    return out;
}

ChannelDisplayState::ChannelDisplayState(std::vector<ChannelInfo> channels) : channels_(std::move(channels)) {
    lookup_ = buildLookup(channels_, defaults(channels_));
}

std::vector<ChannelDisplay> ChannelDisplayState::settings() const {
    std::lock_guard lock(mutex_);
    return lookup_->display;
}

void ChannelDisplayState::validate(const std::vector<ChannelDisplay>& s) const {
    if (s.size() != channels_.size())
        throw std::invalid_argument("expected settings for " + std::to_string(channels_.size()) + " channels, got " + std::to_string(s.size()));
    for (std::size_t c = 0; c < s.size(); ++c) {
        const auto& d = s[c];
        const double top = channels_[c].maxValue();
        const std::string which = "channel " + std::to_string(c) + " (" + channels_[c].name + ")";
        if (!std::isfinite(d.low) || !std::isfinite(d.high) || d.low < 0 || d.high > top || !(d.high > d.low))
            throw std::invalid_argument(which + ": the window must satisfy 0 <= low < high <= " + std::to_string(channels_[c].maxValue()));
        if (!(d.gamma > 0) || !std::isfinite(d.gamma)) throw std::invalid_argument(which + ": gamma must be positive");
    }
}

void ChannelDisplayState::setSettings(std::vector<ChannelDisplay> settings) {
    validate(settings);
    auto lookup = buildLookup(channels_, std::move(settings));
    std::lock_guard lock(mutex_);
    if (lookup->display == lookup_->display) return;
    lookup_ = std::move(lookup);
    ++generation_;
}

void ChannelDisplayState::setChannel(std::size_t index, const ChannelDisplay& display) {
    auto s = settings();
    if (index >= s.size()) throw std::invalid_argument("channel " + std::to_string(index) + " does not exist");
    s[index] = display;
    setSettings(std::move(s));
}

void ChannelDisplayState::reset() { setSettings(defaults(channels_)); }

std::uint64_t ChannelDisplayState::generation() const {
    std::lock_guard lock(mutex_);
    return generation_;
}

std::shared_ptr<const ChannelLookup> ChannelDisplayState::lookup() const {
    std::lock_guard lock(mutex_);
    return lookup_;
}

}  // namespace hescape
