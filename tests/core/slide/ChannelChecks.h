// Checks shared by the channel-image backend tests (OME-TIFF, OME-Zarr):
// reference samples written beside a corpus as raw C-order arrays, the
// intensity a window must give, and "every pixel of every level of one
// channel, windowed, equals its reference".
#pragma once

#include "core/slide/Slide.h"

#include <QFile>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace hescape::test {

inline std::vector<std::uint8_t> readRaw(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    const QByteArray b = f.readAll();
    return {b.begin(), b.end()};
}

inline std::vector<std::uint16_t> readRaw16(const QString& path) {
    const auto bytes = readRaw(path);
    std::vector<std::uint16_t> out(bytes.size() / 2);
    std::memcpy(out.data(), bytes.data(), out.size() * 2);
    return out;
}

// 8- or 16-bit samples as values.
inline std::vector<double> readRawSamples(const QString& path, int bits) {
    std::vector<double> out;
    if (bits == 8) for (auto v : readRaw(path)) out.push_back(v);
    else for (auto v : readRaw16(path)) out.push_back(v);
    return out;
}

// What the compositor must produce for one white channel through [low, high].
inline int windowed(double v, double low, double high, double gamma = 1.0) {
    const double t = std::clamp((v - low) / (high - low), 0.0, 1.0);
    return static_cast<int>(std::lround(255.0 * std::pow(t, gamma)));
}

inline void showOnly(ChannelDisplayState& state, std::size_t channel, double low, double high, double gamma = 1.0) {
    auto s = state.settings();
    for (std::size_t c = 0; c < s.size(); ++c) s[c] = {c == channel, {255, 255, 255}, low, high, gamma};
    state.setSettings(s);
}

// Channel `c` shown alone, white, through [low, high]: every pixel of every
// level equals the reference `<prefix>.c<c>.level<k>.raw`.
inline void checkChannelLevels(const Slide& slide, const QString& prefix, std::size_t c, int bits, double low, double high) {
    showOnly(*slide.channelDisplay(), c, low, high);
    for (int k = 0; k < slide.levelCount(); ++k) {
        const auto& lv = slide.level(k);
        const auto expected = readRawSamples(QStringLiteral("%1.c%2.level%3.raw").arg(prefix).arg(c).arg(k), bits);
        QCOMPARE(expected.size(), static_cast<std::size_t>(lv.width * lv.height));
        const RgbaImage img = slide.readRegion(k, 0, 0, static_cast<int>(lv.width), static_cast<int>(lv.height));
        int bad = 0;
        for (std::size_t i = 0; i < expected.size() && bad < 5; ++i) {
            const int want = windowed(expected[i], low, high);
            const auto* p = img.pixels.data() + i * 4;
            if (p[0] != want || p[1] != want || p[2] != want || p[3] != 255) {
                qWarning("%s channel %zu level %d pixel %zu: got %d, want %d", qPrintable(prefix), c, k, i, p[0], want);
                ++bad;
            }
        }
        QCOMPARE(bad, 0);
    }
}

}  // namespace hescape::test
