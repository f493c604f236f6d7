// Reinhard et al. (2001) colour transfer as stain normalisation: each
// section's patches are moved, per CIE L*a*b* channel, from the section's own
// mean and sd to a target's (the training sections' pooled statistics), so
// that a scanner's or a lab's staining is not what the image encoder learns.
// sRGB (D65) <-> L*a*b* by the CIE formulas; statistics over every pixel of
// the section's patches (they are cut around spots, so mostly tissue). The
// target is fitted on training sections only; a held-out section contributes
// only its own colour statistics, no label.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hescape {

struct LabStatistics {
    std::array<double, 3> mean{}, sd{};
    double pixels = 0;
};

std::array<double, 3> srgbToLab(std::uint8_t r, std::uint8_t g, std::uint8_t b);
std::array<std::uint8_t, 3> labToSrgb(const std::array<double, 3>& lab);  // rounded, clipped to 0..255

// Over `pixels` RGB triplets.
LabStatistics labStatistics(const std::uint8_t* rgb, std::size_t pixels);
// The statistics of all the pixels the parts cover together.
LabStatistics pooledStatistics(const std::vector<LabStatistics>& parts);
// In place: from `source` statistics to `target`'s (a channel with sd 0 is only shifted).
void reinhardTransfer(std::uint8_t* rgb, std::size_t pixels, const LabStatistics& source, const LabStatistics& target);

}  // namespace hescape
