// StainNormalisation: plain arithmetic on bytes; the lookup of sRGB's
// linearisation is computed once per call (256 entries).
#include "core/engine/StainNormalisation.h"

#include <algorithm>
#include <cmath>

namespace hescape {

namespace {

constexpr double kXn = 0.95047, kYn = 1.0, kZn = 1.08883;  // D65 white
constexpr double kDelta = 6.0 / 29.0;

double linear(double c) { return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); }
double gammaEncode(double c) { return c <= 0.0031308 ? 12.92 * c : 1.055 * std::pow(c, 1.0 / 2.4) - 0.055; }
double f(double t) { return t > kDelta * kDelta * kDelta ? std::cbrt(t) : t / (3 * kDelta * kDelta) + 4.0 / 29.0; }
double fInverse(double t) { return t > kDelta ? t * t * t : 3 * kDelta * kDelta * (t - 4.0 / 29.0); }

}  // namespace

std::array<double, 3> srgbToLab(std::uint8_t r8, std::uint8_t g8, std::uint8_t b8) {
    const double r = linear(r8 / 255.0), g = linear(g8 / 255.0), b = linear(b8 / 255.0);
    const double x = 0.412453 * r + 0.357580 * g + 0.180423 * b;
    const double y = 0.212671 * r + 0.715160 * g + 0.072169 * b;
    const double z = 0.019334 * r + 0.119193 * g + 0.950227 * b;
    const double fx = f(x / kXn), fy = f(y / kYn), fz = f(z / kZn);
    return {116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)};
}

std::array<std::uint8_t, 3> labToSrgb(const std::array<double, 3>& lab) {
    const double fy = (lab[0] + 16) / 116, fx = fy + lab[1] / 500, fz = fy - lab[2] / 200;
    const double x = kXn * fInverse(fx), y = kYn * fInverse(fy), z = kZn * fInverse(fz);
    const double rgb[3] = {3.240479 * x - 1.537150 * y - 0.498535 * z, -0.969256 * x + 1.875992 * y + 0.041556 * z,
                           0.055648 * x - 0.204043 * y + 1.057311 * z};
    std::array<std::uint8_t, 3> out{};
    for (int c = 0; c < 3; ++c)
        out[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(std::clamp(std::round(255.0 * gammaEncode(std::clamp(rgb[c], 0.0, 1.0))), 0.0, 255.0));
    return out;
}

LabStatistics labStatistics(const std::uint8_t* rgb, std::size_t pixels) {
    LabStatistics s;
    std::array<double, 3> sum{}, sq{};
    for (std::size_t i = 0; i < pixels; ++i) {
        const auto lab = srgbToLab(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]);
        for (std::size_t c = 0; c < 3; ++c) {
            sum[c] += lab[c];
            sq[c] += lab[c] * lab[c];
        }
    }
    s.pixels = static_cast<double>(pixels);
    if (pixels == 0) return s;
    for (std::size_t c = 0; c < 3; ++c) {
        s.mean[c] = sum[c] / s.pixels;
        s.sd[c] = std::sqrt(std::max(0.0, sq[c] / s.pixels - s.mean[c] * s.mean[c]));
    }
    return s;
}

LabStatistics pooledStatistics(const std::vector<LabStatistics>& parts) {
    LabStatistics s;
    std::array<double, 3> second{};
    for (const auto& p : parts) {
        s.pixels += p.pixels;
        for (std::size_t c = 0; c < 3; ++c) {
            s.mean[c] += p.pixels * p.mean[c];
            second[c] += p.pixels * (p.sd[c] * p.sd[c] + p.mean[c] * p.mean[c]);
        }
    }
    if (s.pixels == 0) return s;
    for (std::size_t c = 0; c < 3; ++c) {
        s.mean[c] /= s.pixels;
        s.sd[c] = std::sqrt(std::max(0.0, second[c] / s.pixels - s.mean[c] * s.mean[c]));
    }
    return s;
}

void reinhardTransfer(std::uint8_t* rgb, std::size_t pixels, const LabStatistics& source, const LabStatistics& target) {
    std::array<double, 3> scale{};
    for (std::size_t c = 0; c < 3; ++c) scale[c] = source.sd[c] > 1e-9 ? target.sd[c] / source.sd[c] : 1.0;
    for (std::size_t i = 0; i < pixels; ++i) {
        auto lab = srgbToLab(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]);
        for (std::size_t c = 0; c < 3; ++c) lab[c] = (lab[c] - source.mean[c]) * scale[c] + target.mean[c];
        const auto out = labToSrgb(lab);
        std::copy(out.begin(), out.end(), rgb + 3 * i);
    }
}

}  // namespace hescape
