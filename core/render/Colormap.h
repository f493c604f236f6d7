// Colour maps for values on the tissue: matplotlib's perceptually uniform
// maps, a diverging map and a categorical palette, as 256-entry RGBA tables
// (uploaded once as textures; changing map or range re-uploads no spot data).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hescape {

enum class ColormapId { Viridis, Magma, Inferno, Cividis, Coolwarm, Categorical };

std::vector<ColormapId> allColormaps();
std::string colormapName(ColormapId id);
std::optional<ColormapId> colormapFromName(const std::string& name);

// 256 RGBA entries. Categorical repeats its 20 colours (index mod 20).
std::vector<std::uint8_t> colormapTable(ColormapId id);
// The colour of t in [0, 1] (clamped), from the same table the GPU samples.
std::array<std::uint8_t, 4> colormapColor(ColormapId id, double t);
std::array<std::uint8_t, 4> categoryColor(int category);

}  // namespace hescape
