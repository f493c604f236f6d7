// JPEG 2000 tiles of a TIFF (Aperio's 33003/33005, the generic 34712 that
// Bio-Formats and Xenium write) decoded with OpenJPEG, which libtiff does
// not do itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hescape {

struct Jpeg2000Target {
    int width = 0;       // tile width expected
    int height = 0;      // tile height expected
    int components = 1;  // samples per pixel expected
    int bytesPerSample = 1;
    bool ycbcrToRgb = false;  // Aperio 33003: the codestream holds YCbCr
};

// Decodes a J2K codestream or JP2 file in `data` into `out` (interleaved,
// native-endian, width * height * components samples). Throws SlideError
// with `context` ("file: IFD 0 tile 3") when the data is corrupt or its
// size or component count differs from `target`.
void decodeJpeg2000(const std::uint8_t* data, std::size_t size, const Jpeg2000Target& target, const std::string& context,
                    std::vector<std::uint8_t>& out);

}  // namespace hescape
