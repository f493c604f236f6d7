// hestPatches: one HDF5 read of `img`, then a centre crop and area resampling per patch.
#include "core/engine/HestPatches.h"

#include "core/io/Hdf5File.h"

#include <cmath>
#include <unordered_map>

namespace hescape {

namespace {

constexpr std::uint64_t kMaxPatchBytes = std::uint64_t{4} << 30;

struct Stored {
    std::int64_t count = 0, side = 0;
    std::vector<std::uint8_t> pixels;
    std::vector<std::string> barcodes;
};

Stored readStored(const std::string& path) {
    const Hdf5File f(path);
    const auto shape = f.shape("/img");
    if (shape.size() != 4 || shape[1] != shape[2] || shape[3] != 3 || shape[1] < 1 || shape[1] > 4096 || shape[0] < 0)
        throw SlideError(path + ": /img: expected N x S x S x 3 pixels, found another shape");
    const auto bytes = static_cast<std::uint64_t>(shape[0]) * static_cast<std::uint64_t>(shape[1] * shape[2] * 3);
    if (bytes > kMaxPatchBytes)
        throw SlideError(path + ": /img: " + std::to_string(bytes >> 20) + " MiB of patches is more than is read at once (4096 MiB)");
    Stored s{shape[0], shape[1], {}, f.readStrings("/barcode")};
    if (static_cast<std::int64_t>(s.barcodes.size()) != s.count)
        throw SlideError(path + ": /barcode: has " + std::to_string(s.barcodes.size()) + " entries but /img has " +
                         std::to_string(s.count) + " patches");
    s.pixels = f.readUInt8("/img");
    return s;
}

// The central `crop` x `crop` pixels of patch `k` as an opaque RGBA image.
RgbaImage centre(const Stored& s, std::int64_t k, int crop) {
    RgbaImage img;
    img.width = img.height = crop;
    img.pixels.resize(static_cast<std::size_t>(crop) * crop * 4);
    const std::int64_t offset = (s.side - crop) / 2;
    const std::uint8_t* patch = s.pixels.data() + static_cast<std::size_t>(k * s.side * s.side * 3);
    for (int y = 0; y < crop; ++y)
        for (int x = 0; x < crop; ++x) {
            const std::uint8_t* p = patch + ((y + offset) * s.side + (x + offset)) * 3;
            std::uint8_t* q = img.pixels.data() + (static_cast<std::size_t>(y) * crop + x) * 4;
            q[0] = p[0], q[1] = p[1], q[2] = p[2], q[3] = 255;
        }
    return img;
}

}  // namespace

PatchSet hestPatches(const std::string& h5Path, const std::vector<std::string>& obsNames, const PatchOptions& options,
                     const Progress& progress) {
    if (options.outputPixels <= 0) throw SlideError(h5Path + ": patch size must be positive");
    const Stored s = readStored(h5Path);
    const double field = static_cast<double>(s.side) * kHestPatchMicronsPerPixel;
    if (options.sizeMicrons > field + 1e-9)
        throw SlideError(h5Path + ": HEST's patches cover " + std::to_string(field) + " um; a field of view of " +
                         std::to_string(options.sizeMicrons) + " um needs the slide (leave patch_source at \"slide\")");
    const int crop = std::max(1, static_cast<int>(std::lround(options.sizeMicrons / kHestPatchMicronsPerPixel)));
    std::unordered_map<std::string, std::int64_t> patchOf;
    for (std::int64_t k = 0; k < s.count; ++k) patchOf.emplace(s.barcodes[static_cast<std::size_t>(k)], k);
    PatchSet out;
    out.size = options.outputPixels;
    const std::size_t patchBytes = static_cast<std::size_t>(out.size) * out.size * 3;
    for (std::size_t obs = 0; obs < obsNames.size(); ++obs) {
        if (obs % 256 == 0) {
            progress.throwIfCancelled();
            progress.update(static_cast<double>(obs) / static_cast<double>(obsNames.size()), "HEST patches");
        }
        const auto it = patchOf.find(obsNames[obs]);
        if (it == patchOf.end()) {
            out.skipped.push_back({static_cast<std::int64_t>(obs), "no HEST patch for this barcode"});
            continue;
        }
        out.observation.push_back(static_cast<std::int64_t>(obs));
        out.rgb.resize(out.rgb.size() + patchBytes);
        resampleToSize(centre(s, it->second, crop), out.size, out.rgb.data() + out.rgb.size() - patchBytes);
    }
    progress.update(1.0, "HEST patches");
    return out;
}

}  // namespace hescape
