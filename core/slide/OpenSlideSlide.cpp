// OpenSlide-backed Slide: opens the file, reads levels, properties, physical
// scale and associated images, and converts OpenSlide's premultiplied ARGB.
#include "core/slide/OpenSlideSlide.h"

#include <openslide.h>

#include <cstdlib>
#include <sstream>

namespace hescape {

namespace {

std::optional<double> parseDouble(const char* text) {
    if (text == nullptr || *text == '\0') return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(text, &end);
    if (end == text) return std::nullopt;
    return v;
}

// OpenSlide 3.4 reports MPP only for vendor formats; for generic TIFFs we fall
// back on the TIFF resolution tags, which our own pyramid writer sets.
std::optional<MicronsPerPixel> mppFromProperties(openslide_t* osr) {
    const auto mx = parseDouble(openslide_get_property_value(osr, OPENSLIDE_PROPERTY_NAME_MPP_X));
    const auto my = parseDouble(openslide_get_property_value(osr, OPENSLIDE_PROPERTY_NAME_MPP_Y));
    if (mx && my && *mx > 0 && *my > 0) return MicronsPerPixel{*mx, *my};

    const auto rx = parseDouble(openslide_get_property_value(osr, "tiff.XResolution"));
    const auto ry = parseDouble(openslide_get_property_value(osr, "tiff.YResolution"));
    const char* unit = openslide_get_property_value(osr, "tiff.ResolutionUnit");
    if (!rx || !ry || *rx <= 0 || *ry <= 0 || unit == nullptr) return std::nullopt;
    const std::string u(unit);
    double micronsPerUnit = 0;
    if (u == "centimeter") micronsPerUnit = 1e4;
    else if (u == "inch") micronsPerUnit = 25400.0;
    else return std::nullopt;  // "none": the numbers carry no physical meaning
    return MicronsPerPixel{micronsPerUnit / *rx, micronsPerUnit / *ry};
}

}  // namespace

void unpremultiplyArgbToRgba(const std::uint32_t* argb, std::size_t count, std::uint8_t* rgba) {
    for (std::size_t i = 0; i < count; ++i) {
        const std::uint32_t p = argb[i];
        storeUnpremultiplied(rgba + i * 4, (p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff, p >> 24);
    }
}

void OpenSlideSlide::Closer::operator()(openslide_t* osr) const { openslide_close(osr); }

bool OpenSlideSlide::canOpen(const std::string& path) { return openslide_detect_vendor(path.c_str()) != nullptr; }

OpenSlideSlide::OpenSlideSlide(const std::string& path) : Slide(path) {
    const char* vendor = openslide_detect_vendor(path.c_str());
    if (vendor == nullptr) {
        throw SlideError(path + ": not a slide format OpenSlide recognises");
    }
    vendor_ = vendor;
    osr_.reset(openslide_open(path.c_str()));
    if (!osr_) throw SlideError(path + ": OpenSlide could not open the file");
    throwIfError("open");

    const int n = openslide_get_level_count(osr_.get());
    if (n <= 0) throw SlideError(path + ": the slide has no pyramid levels");
    for (int i = 0; i < n; ++i) {
        SlideLevel lv;
        openslide_get_level_dimensions(osr_.get(), i, &lv.width, &lv.height);
        lv.downsample = openslide_get_level_downsample(osr_.get(), i);
        levels_.push_back(lv);
    }
    throwIfError("reading the level dimensions");
    if (levels_.front().width <= 0 || levels_.front().height <= 0) {
        throw SlideError(path + ": level 0 has no pixels");
    }

    for (const char* const* name = openslide_get_property_names(osr_.get()); name && *name; ++name) {
        const char* value = openslide_get_property_value(osr_.get(), *name);
        properties_[*name] = value ? value : "";
    }
    for (const char* const* name = openslide_get_associated_image_names(osr_.get()); name && *name; ++name) {
        associatedNames_.emplace_back(*name);
    }
    fileMpp_ = mppFromProperties(osr_.get());
    if (fileMpp_) {
        fileMppSource_ = properties_.count(OPENSLIDE_PROPERTY_NAME_MPP_X) ? "vendor metadata (openslide.mpp-x/y)"
                                                                         : "TIFF resolution tags";
    }
    objectivePower_ = parseDouble(openslide_get_property_value(osr_.get(), OPENSLIDE_PROPERTY_NAME_OBJECTIVE_POWER));
}

OpenSlideSlide::~OpenSlideSlide() = default;

void OpenSlideSlide::throwIfError(const char* what) const {
    if (const char* err = openslide_get_error(osr_.get())) {
        throw SlideError(path() + ": OpenSlide failed while " + what + ": " + err);
    }
}

void OpenSlideSlide::readRegionInto(int level, std::int64_t x, std::int64_t y, RgbaImage& out) const {
    std::vector<std::uint32_t> argb(static_cast<std::size_t>(out.width) * out.height);
    openslide_read_region(osr_.get(), argb.data(), x, y, level, out.width, out.height);
    throwIfError("reading a region");
    unpremultiplyArgbToRgba(argb.data(), argb.size(), out.pixels.data());
}

RgbaImage OpenSlideSlide::readAssociatedImage(const std::string& name) const {
    std::int64_t w = -1, h = -1;
    openslide_get_associated_image_dimensions(osr_.get(), name.c_str(), &w, &h);
    if (w <= 0 || h <= 0) return Slide::readAssociatedImage(name);
    std::vector<std::uint32_t> argb(static_cast<std::size_t>(w * h));
    openslide_read_associated_image(osr_.get(), name.c_str(), argb.data());
    throwIfError(("reading associated image '" + name + "'").c_str());
    RgbaImage out(static_cast<int>(w), static_cast<int>(h));
    unpremultiplyArgbToRgba(argb.data(), argb.size(), out.pixels.data());
    return out;
}

}  // namespace hescape
