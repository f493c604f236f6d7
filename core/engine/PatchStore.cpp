// PatchStore: HDF5 layout /rgb uint8 [n, size, size, 3] (chunked per 64
// patches), /observation int64 [n], /skipped/observation int64,
// /skipped/reason strings, and the key as an attribute of the root.
#include "core/engine/PatchStore.h"

#include "core/io/Hdf5File.h"
#include "core/io/Hdf5Writer.h"

#include <filesystem>
#include <iomanip>
#include <sstream>

namespace hescape {

namespace {

std::uint64_t fnv1a(const void* data, std::size_t bytes, std::uint64_t h = 1469598103934665603ull) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < bytes; ++i) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

std::string hex(std::uint64_t v) {
    std::ostringstream s;
    s << std::hex << std::setw(16) << std::setfill('0') << v;
    return s.str();
}

// Reads the store's pixels; any mismatch with the key or shape is an error
// the caller turns into "not reused".
PatchSet readStore(const std::string& file, const std::string& key, int size) {
    const Hdf5File f(file);
    if (f.attributeString("/", "key").value_or("") != key) throw Hdf5Error(file + ": made for other inputs");
    PatchSet set;
    set.size = size;
    set.observation = f.readInt64("/observation");
    const auto shape = f.shape("/rgb");
    const auto n = static_cast<std::int64_t>(set.observation.size());
    if (shape != std::vector<std::int64_t>{n, size, size, 3}) throw Hdf5Error(file + ": /rgb: unexpected shape");
    const auto skippedObs = f.readInt64("/skipped/observation");
    const auto skippedWhy = f.readStrings("/skipped/reason");
    if (skippedObs.size() != skippedWhy.size()) throw Hdf5Error(file + ": /skipped: lengths differ");
    for (std::size_t i = 0; i < skippedObs.size(); ++i) set.skipped.push_back({skippedObs[i], skippedWhy[i]});
    set.rgb = f.readUInt8("/rgb");
    return set;
}

void writeStore(const std::string& file, const std::string& key, const PatchSet& set) {
    Hdf5Writer w(file);
    w.setChecksums(true);  // a damaged cache is refused on reading, not trained on
    w.setAttribute("/", "key", key);
    w.setAttribute("/", "written_by", "HEScape Studio patch store");
    const auto n = static_cast<std::int64_t>(set.count());
    w.writeUInt8("/rgb", set.rgb.data(), {n, set.size, set.size, 3}, 64);
    w.writeInt64("/observation", set.observation);
    std::vector<std::int64_t> obs;
    std::vector<std::string> why;
    for (const auto& s : set.skipped) {
        obs.push_back(s.observation);
        why.push_back(s.reason);
    }
    w.writeInt64("/skipped/observation", obs);
    w.writeStrings("/skipped/reason", why);
    w.commit();
}

}  // namespace

std::string patchStoreKey(const Slide& slide, const std::vector<Point2>& centres, const PatchOptions& options) {
    std::error_code ec;
    const auto absolute = std::filesystem::weakly_canonical(slide.path(), ec);
    const auto bytes = std::filesystem::file_size(slide.path(), ec);
    const auto mtime = std::filesystem::last_write_time(slide.path(), ec).time_since_epoch().count();
    const auto mpp = slide.micronsPerPixel();
    std::uint64_t centreHash = 1469598103934665603ull;
    for (const auto& c : centres) {
        centreHash = fnv1a(&c.x, sizeof c.x, centreHash);
        centreHash = fnv1a(&c.y, sizeof c.y, centreHash);
    }
    std::ostringstream key;
    key << std::setprecision(17) << "slide=" << (ec ? slide.path() : absolute.string()) << ";bytes=" << bytes
        << ";mtime=" << mtime << ";mpp=" << (mpp ? mpp->x : 0) << "," << (mpp ? mpp->y : 0) << ";spots=" << centres.size()
        << ";centres=" << hex(centreHash) << ";size_um=" << options.sizeMicrons << ";pixels=" << options.outputPixels
        << ";background=" << options.maxBackgroundFraction << "," << options.backgroundLevel << ";version=1";
    return key.str();
}

std::string patchStoreFile(const std::string& storeDir, const Slide& slide, const std::string& key) {
    const std::string stem = std::filesystem::path(slide.path()).stem().string();
    return (std::filesystem::path(storeDir) / (stem + "-" + hex(fnv1a(key.data(), key.size())) + ".patches.h5")).string();
}

PatchStoreResult extractPatchesWithStore(const Slide& slide, const std::vector<Point2>& centres, const PatchOptions& options,
                                         const std::string& storeDir, const Progress& progress) {
    PatchStoreResult r;
    if (storeDir.empty()) {
        r.patches = extractPatches(slide, centres, options, progress);
        return r;
    }
    const std::string key = patchStoreKey(slide, centres, options);
    r.storePath = patchStoreFile(storeDir, slide, key);
    std::error_code ec;
    if (std::filesystem::exists(r.storePath, ec)) {
        try {
            r.patches = readStore(r.storePath, key, options.outputPixels);
            r.reused = true;
            progress.update(1.0, "patches read from the store");
            return r;
        } catch (const Hdf5Error& e) {
            r.note = std::string("the patch store was not used and is rewritten: ") + e.what();
        }
    }
    r.patches = extractPatches(slide, centres, options, progress);
    try {
        writeStore(r.storePath, key, r.patches);
    } catch (const Hdf5Error& e) {
        // The run goes on with the patches in memory; only the reuse is lost.
        r.note = std::string("the patch store could not be written: ") + e.what();
    }
    return r;
}

}  // namespace hescape
