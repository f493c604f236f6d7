// TiffHandlePool: handles opened with on-demand loading of tile offsets
// ("rO"), so a directory that declares millions of tiles costs nothing
// until a tile is read, and each handle collects its own libtiff errors.
#include "core/slide/TiffHandlePool.h"

#include "core/slide/Slide.h"
#include "core/slide/TiffOpen.h"

#include <tiffio.h>

namespace hescape {

struct TiffHandlePool::Handle {
    std::unique_ptr<std::string> errors = std::make_unique<std::string>();  // libtiff writes here
    TIFF* tif = nullptr;
    std::uint64_t directory = 0;
    bool directoryKnown = false;
    ~Handle() {
        if (tif) TIFFClose(tif);
    }
};

TiffHandlePool::TiffHandlePool(std::string path, std::size_t maxIdle) : path_(std::move(path)), maxIdle_(maxIdle) {
    idle_.push_back(open());
}

TiffHandlePool::~TiffHandlePool() = default;

std::unique_ptr<TiffHandlePool::Handle> TiffHandlePool::open() const {
    auto h = std::make_unique<Handle>();
    h->tif = openTiffCollectingErrors(path_, "rO", h->errors.get());
    if (!h->tif) {
        throw SlideError(path_ + ": libtiff cannot read the file" + (h->errors->empty() ? "" : " (" + *h->errors + ")"));
    }
    return h;
}

TiffHandlePool::Lease TiffHandlePool::acquire() {
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            auto h = std::move(idle_.back());
            idle_.pop_back();
            return Lease(*this, std::move(h));
        }
    }
    return Lease(*this, open());
}

TiffHandlePool::Lease::Lease(TiffHandlePool& pool, std::unique_ptr<Handle> handle)
    : pool_(&pool), handle_(std::move(handle)) {}

TiffHandlePool::Lease::~Lease() {
    if (!handle_) return;
    handle_->errors->clear();
    std::lock_guard lock(pool_->mutex_);
    if (pool_->idle_.size() < pool_->maxIdle_) pool_->idle_.push_back(std::move(handle_));
}

TIFF* TiffHandlePool::Lease::tiff() const { return handle_->tif; }

void TiffHandlePool::Lease::setDirectory(std::uint64_t offset) {
    if (handle_->directoryKnown && handle_->directory == offset) return;
    handle_->directoryKnown = false;
    handle_->errors->clear();
    if (!TIFFSetSubDirectory(handle_->tif, offset)) {
        throw SlideError(pool_->path_ + ": cannot read the TIFF directory at byte " + std::to_string(offset) +
                         (handle_->errors->empty() ? "" : " (" + *handle_->errors + ")"));
    }
    afterDirectoryChange();
}

bool TiffHandlePool::Lease::setMainDirectory(int index) {
    handle_->directoryKnown = false;
    handle_->errors->clear();
    if (index < 0 || !TIFFSetDirectory(handle_->tif, static_cast<tdir_t>(index))) return false;
    afterDirectoryChange();
    return true;
}

void TiffHandlePool::Lease::afterDirectoryChange() {
    // JPEG tiles stored as YCbCr: let libjpeg convert them to RGB.
    std::uint16_t compression = 0, photometric = 0;
    TIFFGetFieldDefaulted(handle_->tif, TIFFTAG_COMPRESSION, &compression);
    TIFFGetFieldDefaulted(handle_->tif, TIFFTAG_PHOTOMETRIC, &photometric);
    if (compression == COMPRESSION_JPEG && photometric == PHOTOMETRIC_YCBCR)
        TIFFSetField(handle_->tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
    handle_->directory = TIFFCurrentDirOffset(handle_->tif);
    handle_->directoryKnown = true;
}

std::string TiffHandlePool::Lease::takeErrors() {
    std::string e = std::move(*handle_->errors);
    handle_->errors->clear();
    return e;
}

}  // namespace hescape
