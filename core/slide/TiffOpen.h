// Opening a TIFF with libtiff so that its errors are collected per file
// (into a string the caller owns) instead of going to libtiff's global
// handler on stderr; warnings are dropped.
#pragma once

#include <string>

typedef struct tiff TIFF;

namespace hescape {

// Returns nullptr on failure, with the reason in *errors. `errors` must
// outlive the handle: libtiff keeps appending to it while the file is open.
TIFF* openTiffCollectingErrors(const std::string& path, const char* mode, std::string* errors);

}  // namespace hescape
