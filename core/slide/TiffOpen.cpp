// openTiffCollectingErrors: libtiff 4.5's per-handle error handlers.
#include "core/slide/TiffOpen.h"

#include <tiffio.h>

#include <cstdarg>
#include <cstdio>

namespace hescape {

namespace {

int collectTiffError(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
    auto* message = static_cast<std::string*>(user);
    char buf[512];
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    if (!message->empty()) *message += "; ";
    *message += (module ? std::string(module) + ": " : std::string()) + buf;
    return 1;
}

int ignoreTiffWarning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

}  // namespace

TIFF* openTiffCollectingErrors(const std::string& path, const char* mode, std::string* errors) {
    TIFFOpenOptions* options = TIFFOpenOptionsAlloc();
    TIFFOpenOptionsSetErrorHandlerExtR(options, collectTiffError, errors);
    TIFFOpenOptionsSetWarningHandlerExtR(options, ignoreTiffWarning, nullptr);
    TIFF* tif = TIFFOpenExt(path.c_str(), mode, options);
    TIFFOpenOptionsFree(options);
    return tif;
}

}  // namespace hescape
