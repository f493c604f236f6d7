// openSlide(): picks the backend for a file — the OME-Zarr backend for folders
// with OME-NGFF metadata, the OME-TIFF backend for TIFFs
// carrying OME-XML (OpenSlide would see one level and no scale), OpenSlide
// for every format it recognises, the plain-image backend for other
// PNG/JPEG/TIFF files.
#include "core/slide/ImageDecoder.h"
#include "core/slide/OmeTiffSlide.h"
#include "core/slide/OmeZarrSlide.h"
#include "core/slide/OpenSlideSlide.h"
#include "core/slide/PlainImageSlide.h"
#include "core/slide/Slide.h"
#include "core/slide/TiffStructure.h"

#include <filesystem>
#include <system_error>

namespace hescape {

std::unique_ptr<Slide> openSlide(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) throw SlideError(path + ": no such file");
    if (fs::is_directory(status)) {
        if (OmeZarrSlide::canOpen(path)) return std::make_unique<OmeZarrSlide>(path);
        throw SlideError(path + ": is a folder, and not an OME-Zarr image (no OME-NGFF multiscales in it)");
    }
    if (fs::file_size(path, ec) == 0 && !ec) throw SlideError(path + ": the file is empty");
    checkTiffStructure(path);  // before OpenSlide allocates what a corrupt directory declares

    if (OmeTiffSlide::canOpen(path)) return std::make_unique<OmeTiffSlide>(path);
    if (OpenSlideSlide::canOpen(path)) return std::make_unique<OpenSlideSlide>(path);
    try {
        probeImage(path);
    } catch (const SlideError& e) {
        // The image reader's reason (truncated, corrupt, unknown magic) is the useful part.
        throw SlideError(path + ": neither a slide format OpenSlide recognises nor a readable PNG, JPEG or TIFF image (" + e.what() + ")");
    }
    return std::make_unique<PlainImageSlide>(path);
}

}  // namespace hescape
