// decodeJpeg2000: OpenJPEG reading from memory; its messages are collected
// into the error instead of going to stderr. YCbCr -> RGB uses the JFIF
// (TIFF 6.0 section 21) coefficients, as OpenSlide does for Aperio 33003.
#include "core/slide/Jpeg2000Decoder.h"

#include "core/slide/Slide.h"

#include <openjpeg.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

namespace hescape {

namespace {

struct MemoryStream {
    const std::uint8_t* data;
    std::size_t size;
    std::size_t pos = 0;
};

OPJ_SIZE_T readStream(void* buffer, OPJ_SIZE_T bytes, void* user) {
    auto* s = static_cast<MemoryStream*>(user);
    if (s->pos >= s->size) return static_cast<OPJ_SIZE_T>(-1);
    const std::size_t n = std::min<std::size_t>(bytes, s->size - s->pos);
    std::memcpy(buffer, s->data + s->pos, n);
    s->pos += n;
    return n;
}

OPJ_OFF_T skipStream(OPJ_OFF_T bytes, void* user) {
    auto* s = static_cast<MemoryStream*>(user);
    const auto target = static_cast<long long>(s->pos) + bytes;
    if (target < 0) return -1;
    s->pos = std::min<std::size_t>(static_cast<std::size_t>(target), s->size);
    return bytes;
}

OPJ_BOOL seekStream(OPJ_OFF_T offset, void* user) {
    auto* s = static_cast<MemoryStream*>(user);
    if (offset < 0 || static_cast<std::size_t>(offset) > s->size) return OPJ_FALSE;
    s->pos = static_cast<std::size_t>(offset);
    return OPJ_TRUE;
}

void collectMessage(const char* msg, void* user) {
    auto* text = static_cast<std::string*>(user);
    std::string m(msg);
    while (!m.empty() && (m.back() == '\n' || m.back() == '\r')) m.pop_back();
    if (!text->empty()) *text += "; ";
    *text += m;
}

void ignoreMessage(const char*, void*) {}

struct CodecCloser {
    void operator()(opj_codec_t* c) const { opj_destroy_codec(c); }
};
struct StreamCloser {
    void operator()(opj_stream_t* s) const { opj_stream_destroy(s); }
};
struct ImageCloser {
    void operator()(opj_image_t* i) const { opj_image_destroy(i); }
};

bool isJp2File(const std::uint8_t* d, std::size_t n) {
    static const std::uint8_t kSig[] = {0, 0, 0, 0x0c, 'j', 'P', ' ', ' ', 0x0d, 0x0a, 0x87, 0x0a};
    return n >= sizeof kSig && std::memcmp(d, kSig, sizeof kSig) == 0;
}

std::unique_ptr<opj_image_t, ImageCloser> decodeImage(const std::uint8_t* data, std::size_t size, const std::string& context) {
    std::unique_ptr<opj_codec_t, CodecCloser> codec(opj_create_decompress(isJp2File(data, size) ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K));
    std::string errors;
    opj_set_error_handler(codec.get(), collectMessage, &errors);
    opj_set_warning_handler(codec.get(), ignoreMessage, nullptr);
    opj_set_info_handler(codec.get(), ignoreMessage, nullptr);
    opj_dparameters_t params;
    opj_set_default_decoder_parameters(&params);
    if (!opj_setup_decoder(codec.get(), &params)) throw SlideError(context + ": OpenJPEG could not set up a decoder");

    MemoryStream mem{data, size};
    std::unique_ptr<opj_stream_t, StreamCloser> stream(opj_stream_default_create(OPJ_TRUE));
    opj_stream_set_user_data(stream.get(), &mem, nullptr);
    opj_stream_set_user_data_length(stream.get(), size);
    opj_stream_set_read_function(stream.get(), readStream);
    opj_stream_set_skip_function(stream.get(), skipStream);
    opj_stream_set_seek_function(stream.get(), seekStream);

    opj_image_t* raw = nullptr;
    const bool header = opj_read_header(stream.get(), codec.get(), &raw);
    std::unique_ptr<opj_image_t, ImageCloser> image(raw);
    if (!header || !image) throw SlideError(context + ": corrupt JPEG 2000 header" + (errors.empty() ? "" : " (" + errors + ")"));
    if (!opj_decode(codec.get(), stream.get(), image.get()) || !opj_end_decompress(codec.get(), stream.get())) {
        throw SlideError(context + ": corrupt JPEG 2000 data" + (errors.empty() ? "" : " (" + errors + ")"));
    }
    return image;
}

inline std::uint8_t clamp8(double v) { return static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L)); }

}  // namespace

void decodeJpeg2000(const std::uint8_t* data, std::size_t size, const Jpeg2000Target& t, const std::string& context,
                    std::vector<std::uint8_t>& out) {
    if (size == 0) throw SlideError(context + ": the JPEG 2000 tile is empty");
    const auto image = decodeImage(data, size, context);
    if (static_cast<int>(image->numcomps) != t.components) {
        throw SlideError(context + ": the JPEG 2000 tile has " + std::to_string(image->numcomps) + " components, the TIFF says " +
                         std::to_string(t.components));
    }
    const opj_image_comp_t& c0 = image->comps[0];
    if (static_cast<int>(c0.w) != t.width || static_cast<int>(c0.h) != t.height) {
        throw SlideError(context + ": the JPEG 2000 tile is " + std::to_string(c0.w) + " x " + std::to_string(c0.h) +
                         " pixels, the TIFF's tiles are " + std::to_string(t.width) + " x " + std::to_string(t.height));
    }
    for (int k = 0; k < t.components; ++k) {
        const auto& c = image->comps[k];
        if (!c.data || c.dx == 0 || c.dy == 0 || c.sgnd || c.prec > static_cast<OPJ_UINT32>(8 * t.bytesPerSample) ||
            c.w < (c0.w + c.dx - 1) / c.dx || c.h < (c0.h + c.dy - 1) / c.dy) {
            throw SlideError(context + ": JPEG 2000 component " + std::to_string(k) + " does not fit the TIFF's samples");
        }
    }
    const std::size_t n = static_cast<std::size_t>(t.width) * t.height;
    out.assign(n * t.components * t.bytesPerSample, 0);
    const auto sample = [&](int k, int x, int y) {
        const auto& c = image->comps[k];
        return c.data[static_cast<std::size_t>(y / static_cast<int>(c.dy)) * c.w + static_cast<std::size_t>(x / static_cast<int>(c.dx))];
    };
    for (int y = 0; y < t.height; ++y) {
        for (int x = 0; x < t.width; ++x) {
            const std::size_t p = static_cast<std::size_t>(y) * t.width + x;
            if (t.ycbcrToRgb && t.components == 3 && t.bytesPerSample == 1) {
                const double Y = sample(0, x, y), cb = sample(1, x, y) - 128.0, cr = sample(2, x, y) - 128.0;
                out[p * 3 + 0] = clamp8(Y + 1.402 * cr);
                out[p * 3 + 1] = clamp8(Y - 0.344136 * cb - 0.714136 * cr);
                out[p * 3 + 2] = clamp8(Y + 1.772 * cb);
                continue;
            }
            for (int k = 0; k < t.components; ++k) {
                const auto v = static_cast<std::uint32_t>(sample(k, x, y));
                if (t.bytesPerSample == 1) {
                    out[p * t.components + k] = static_cast<std::uint8_t>(v);
                } else {
                    const auto v16 = static_cast<std::uint16_t>(v);
                    std::memcpy(&out[(p * t.components + k) * 2], &v16, 2);
                }
            }
        }
    }
}

}  // namespace hescape
