// Slide backend for every format OpenSlide reads (Aperio, generic tiled TIFF,
// Hamamatsu, MIRAX, Leica, Philips, Ventana, ...).
#pragma once

#include "core/slide/Slide.h"

#include <memory>

typedef struct _openslide openslide_t;

namespace hescape {

class OpenSlideSlide final : public Slide {
public:
    // Throws SlideError naming the file when OpenSlide cannot open it.
    explicit OpenSlideSlide(const std::string& path);
    ~OpenSlideSlide() override;

    std::string format() const override { return vendor_; }
    std::vector<std::string> associatedImageNames() const override { return associatedNames_; }
    RgbaImage readAssociatedImage(const std::string& name) const override;

    // True when OpenSlide recognises the file's format (cheap; no full open).
    static bool canOpen(const std::string& path);

protected:
    void readRegionInto(int level, std::int64_t x, std::int64_t y, RgbaImage& out) const override;

private:
    void throwIfError(const char* what) const;

    struct Closer {
        void operator()(openslide_t* osr) const;
    };
    std::unique_ptr<openslide_t, Closer> osr_;
    std::string vendor_;
    std::vector<std::string> associatedNames_;
};

// OpenSlide hands out premultiplied ARGB words; we keep straight RGBA bytes.
void unpremultiplyArgbToRgba(const std::uint32_t* argb, std::size_t count, std::uint8_t* rgba);

}  // namespace hescape
