// The HDF5 patch store: patches extracted from a slide are kept in one HDF5
// file per (slide, spots, patch options), so a second training run, `hescape
// embed` or the app reads them back instead of decoding the slide again.
// A store is found by a key that covers everything the pixels depend on: the
// slide file (path, size, modification time), its microns per pixel, the
// spot centres and the patch options. A damaged or stale store is ignored
// and rewritten, never trusted. Plain C++ (no torch).
#pragma once

#include "core/engine/PatchExtractor.h"

#include <string>

namespace hescape {

struct PatchStoreResult {
    PatchSet patches;
    bool reused = false;        // read from the store, the slide was not decoded
    std::string storePath;      // the store file used (empty without a store folder)
    std::string note;           // e.g. why an existing store was not used
};

// The key string and the store file for these inputs (the file name carries
// the key's hash; the key itself is kept inside the file and compared).
std::string patchStoreKey(const Slide& slide, const std::vector<Point2>& centres, const PatchOptions& options);
std::string patchStoreFile(const std::string& storeDir, const Slide& slide, const std::string& key);

// Reads the store when it matches, else extracts and writes it (atomically).
// With an empty `storeDir`, just extracts. Throws what extractPatches throws.
PatchStoreResult extractPatchesWithStore(const Slide& slide, const std::vector<Point2>& centres, const PatchOptions& options,
                                         const std::string& storeDir, const Progress& progress = {});

}  // namespace hescape
