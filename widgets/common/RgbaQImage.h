// A core RgbaImage as a QImage that owns its pixels (the one conversion the
// slide view, the slide loader and the all-sections grid share).
#pragma once

#include "core/slide/RgbaImage.h"

#include <QImage>

namespace hescape {

inline QImage toQImage(const RgbaImage& img) {
    const QImage view(reinterpret_cast<const uchar*>(img.pixels.data()), img.width, img.height, img.width * 4, QImage::Format_RGBA8888);
    return view.copy();  // detach from the RgbaImage's storage
}

}  // namespace hescape
