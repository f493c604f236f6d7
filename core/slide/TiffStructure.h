// A check of a TIFF's directory structure run on every TIFF before OpenSlide
// (or our own readers) see it. OpenSlide 3.4.1 reads every tag of every
// directory itself (its "tifflike" parser) and allocates what a tag declares
// without checking it against the file, and allocates a declared tile whole:
// fuzzing found 4-370 GB requests from files of 200-600 bytes (an
// ImageDescription declaring 4,244,570,448 bytes; tiles of 256 x 11264 or
// 8257792 x 11264 px for a 600 x 500 image; docs/fuzzing.md). This walks the
// directory chain the way such a parser does, with nothing allocated from
// the file's counts.
#pragma once

#include <string>

namespace hescape {

// Tiles larger than both their image (rounded up to 16) and this are refused.
inline constexpr unsigned kLargestSaneTileSide = 4096;

// For a file with TIFF or BigTIFF magic (others return at once): every
// directory, and every tag value stored outside its entry, must lie inside
// the file (a directory past the end: "the file is truncated", the usual
// case of an interrupted copy); directories must not loop; a tiled directory's tile may not
// exceed max(image side rounded up to 16, kLargestSaneTileSide). Throws
// SlideError naming the file, the directory, the tag and the sizes.
void checkTiffStructure(const std::string& path);

}  // namespace hescape
