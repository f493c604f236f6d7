// Checks a ZIP archive against its own CRC-32s: a LibTorch checkpoint is a
// ZIP (PyTorch's format, entries stored uncompressed), and LibTorch reads a
// damaged entry without complaint -- 40 KB zeroed in the middle of a
// checkpoint resumed training silently. Every entry of the central directory
// is read and its CRC compared before the checkpoint is loaded, as Python's
// zipfile does. Stored and deflated entries and ZIP64 records are handled.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace hescape {

class ZipIntegrityError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ZipCheck {
    std::uint64_t entries = 0, bytes = 0;  // entries verified, their uncompressed bytes
};

// Throws ZipIntegrityError naming `path` and, for a damaged entry, the entry:
// not a ZIP, truncated, a record out of bounds, a CRC-32 that differs, an
// unsupported compression method.
ZipCheck verifyZipCrcs(const std::string& path);

}  // namespace hescape
