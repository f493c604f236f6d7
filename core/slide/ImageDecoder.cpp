// JPEG (libjpeg-turbo, scanline streaming), PNG (libpng simplified API) and
// TIFF (libtiff RGBA interface) decoding with per-file error messages.
#include "core/slide/ImageDecoder.h"

#include "core/common/MemoryBudget.h"
#include "core/slide/Slide.h"
#include "core/slide/TiffOpen.h"

#include <csetjmp>
#include <filesystem>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <vector>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>
#include <tiffio.h>

namespace hescape {

namespace {

std::string sniffFormat(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw SlideError(path + ": cannot open the file for reading");
    unsigned char magic[8] = {};
    in.read(reinterpret_cast<char*>(magic), sizeof magic);
    const auto got = in.gcount();
    if (got == 0) throw SlideError(path + ": the file is empty");
    if (got >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF) return "jpeg";
    if (got >= 8 && std::memcmp(magic, "\x89PNG\r\n\x1a\n", 8) == 0) return "png";
    if (got >= 4 && (std::memcmp(magic, "II*\0", 4) == 0 || std::memcmp(magic, "MM\0*", 4) == 0 ||
                     std::memcmp(magic, "II+\0", 4) == 0 || std::memcmp(magic, "MM\0+", 4) == 0)) {
        return "tiff";
    }
    throw SlideError(path + ": not a JPEG, PNG or TIFF image (unrecognised file signature)");
}

// ---- JPEG ------------------------------------------------------------------

struct JpegErrorState {
    jpeg_error_mgr mgr;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
    bool truncated;
    bool corrupt;                          // a warning about the scan data (shown as grey by libjpeg)
    char warning[JMSG_LENGTH_MAX];
};

void jpegErrorExit(j_common_ptr cinfo) {
    auto* st = reinterpret_cast<JpegErrorState*>(cinfo->err);
    (*cinfo->err->format_message)(cinfo, st->message);
    std::longjmp(st->jump, 1);
}

void jpegEmitMessage(j_common_ptr cinfo, int level) {
    auto* st = reinterpret_cast<JpegErrorState*>(cinfo->err);
    // libjpeg pads a truncated file, or a damaged stretch of scan data, with
    // grey and only warns; we refuse both. Other warnings (stray bytes
    // between markers, odd JFIF/Adobe/ICC headers) leave the picture whole.
    if (level >= 0) return;
    const int code = cinfo->err->msg_code;
    if (code == JWRN_JPEG_EOF) st->truncated = true;
    else if ((code == JWRN_HIT_MARKER || code == JWRN_HUFF_BAD_CODE || code == JWRN_MUST_RESYNC || code == JWRN_ARITH_BAD_CODE) && !st->corrupt) {
        st->corrupt = true;
        (*cinfo->err->format_message)(cinfo, st->warning);
    }
}

struct JpegDecoder {
    jpeg_decompress_struct cinfo{};
    JpegErrorState err{};
    std::FILE* file = nullptr;
    bool created = false;
    ~JpegDecoder() {
        if (created) jpeg_destroy_decompress(&cinfo);
        if (file) std::fclose(file);
    }
};

// Returns false and fills `error` on a libjpeg error; the setjmp lives in a
// frame with no C++ objects that need destroying between it and libjpeg.
bool jpegStart(JpegDecoder& d, bool headerOnly, std::string& error) {
    d.cinfo.err = jpeg_std_error(&d.err.mgr);
    d.err.mgr.error_exit = jpegErrorExit;
    d.err.mgr.emit_message = jpegEmitMessage;
    if (setjmp(d.err.jump)) {
        error = d.err.message;
        return false;
    }
    jpeg_create_decompress(&d.cinfo);
    d.created = true;
    jpeg_stdio_src(&d.cinfo, d.file);
    jpeg_read_header(&d.cinfo, TRUE);
    if (headerOnly) return true;
    d.cinfo.out_color_space = JCS_EXT_RGBA;
    jpeg_start_decompress(&d.cinfo);
    return true;
}

bool jpegReadRow(JpegDecoder& d, std::uint8_t* row, std::string& error) {
    if (setjmp(d.err.jump)) {
        error = d.err.message;
        return false;
    }
    JSAMPROW rows[1] = {row};
    jpeg_read_scanlines(&d.cinfo, rows, 1);
    return true;
}

void openJpeg(JpegDecoder& d, const std::string& path, bool headerOnly) {
    d.file = std::fopen(path.c_str(), "rb");
    if (!d.file) throw SlideError(path + ": cannot open the file for reading");
    std::string error;
    if (!jpegStart(d, headerOnly, error)) {
        if (d.cinfo.jpeg_color_space == JCS_CMYK || d.cinfo.jpeg_color_space == JCS_YCCK) {
            throw SlideError(path + ": a CMYK JPEG (print colours), which cannot be decoded to RGB here; save it as RGB first "
                                    "(e.g. ImageMagick: convert IN.jpg -colorspace sRGB OUT.jpg)");
        }
        throw SlideError(path + ": invalid JPEG: " + error);
    }
}

void decodeJpeg(const std::string& path, const RowSink& sink, const Progress& progress) {
    JpegDecoder d;
    openJpeg(d, path, false);
    const int w = static_cast<int>(d.cinfo.output_width), h = static_cast<int>(d.cinfo.output_height);
    std::vector<std::uint8_t> row(static_cast<std::size_t>(w) * 4);
    std::string error;
    for (int y = 0; y < h; ++y) {
        if (!jpegReadRow(d, row.data(), error)) throw SlideError(path + ": corrupt JPEG data: " + error);
        if (d.err.truncated) {
            throw SlideError(path + ": the JPEG data end early at row " + std::to_string(y) + " of " +
                             std::to_string(h) + " (truncated file)");
        }
        if (d.err.corrupt) {
            throw SlideError(path + ": corrupt JPEG data near row " + std::to_string(y) + " of " + std::to_string(h) + ": " + d.err.warning +
                             " (libjpeg would show a grey region there)");
        }
        sink(y, row.data());
        if ((y & 63) == 0) {
            progress.throwIfCancelled();
            progress.update(static_cast<double>(y) / h, "decoding JPEG");
        }
    }
}

// ---- PNG -------------------------------------------------------------------

// PNG and TIFF are decoded whole (libpng's simplified API, libtiff's RGBA
// interface): refuse before allocating what the header declares.
void checkWholeDecodeBudget(const std::string& path, const char* format, std::uint64_t w, std::uint64_t h) {
    if (const auto over = overMemoryBudget(multiplyBytes(multiplyBytes(w, h), 4))) {
        throw SlideError(path + ": this " + format + " of " + std::to_string(w) + " x " + std::to_string(h) + " px is decoded whole, which " +
                         *over + "; save it as a JPEG (decoded row by row) or a tiled pyramidal TIFF, or crop it with another tool first");
    }
}

struct PngImage {
    png_image image{};
    PngImage() { image.version = PNG_IMAGE_VERSION; }
    ~PngImage() { png_image_free(&image); }
};

void openPng(PngImage& png, const std::string& path) {
    if (!png_image_begin_read_from_file(&png.image, path.c_str())) {
        throw SlideError(path + ": invalid PNG: " + png.image.message);
    }
    // Deflate packs at most kDeflateMaxExpansion:1, and each row holds at least a filter byte
    // and a bit per pixel: a file smaller than that cannot hold the image its
    // header declares (a 100-byte header claiming 40,000 x 40,000 px).
    std::error_code ec;
    const auto fileSize = static_cast<std::uint64_t>(std::filesystem::file_size(path, ec));
    const std::uint64_t w = png.image.width, h = png.image.height;
    const std::uint64_t leastRaw = multiplyBytes(h, 1 + (w + 7) / 8);
    if (!ec && multiplyBytes(fileSize, kDeflateMaxExpansion) < leastRaw) {
        throw SlideError(path + ": the header declares " + std::to_string(w) + " x " + std::to_string(h) + " px, more than its " +
                         std::to_string(fileSize) + " bytes can hold even at deflate's highest compression: the file is truncated or its header corrupt");
    }
}

void decodePng(const std::string& path, const RowSink& sink, const Progress& progress) {
    PngImage png;
    openPng(png, path);
    png.image.format = PNG_FORMAT_RGBA;
    const int w = static_cast<int>(png.image.width), h = static_cast<int>(png.image.height);
    checkWholeDecodeBudget(path, "PNG", png.image.width, png.image.height);
    std::vector<std::uint8_t> buffer(PNG_IMAGE_SIZE(png.image));
    progress.update(0.0, "decoding PNG");
    if (!png_image_finish_read(&png.image, nullptr, buffer.data(), 0, nullptr)) {
        throw SlideError(path + ": corrupt or truncated PNG: " + png.image.message);
    }
    for (int y = 0; y < h; ++y) {
        sink(y, buffer.data() + static_cast<std::size_t>(y) * w * 4);
        if ((y & 255) == 0) progress.throwIfCancelled();
    }
}

// ---- TIFF ------------------------------------------------------------------

struct TiffFile {
    std::string errors;
    TIFF* tif = nullptr;
    ~TiffFile() {
        if (tif) TIFFClose(tif);
    }
};

// libtiff's RGBA interface reads a tile or strip past the end of a truncated
// file without an error and leaves the previous tile's pixels in its place:
// every tile and strip must lie inside the file before anything is decoded.
void checkTiffDataInFile(TIFF* tif, const std::string& path) {
    std::error_code ec;
    const auto fileSize = static_cast<std::uint64_t>(std::filesystem::file_size(path, ec));
    if (ec) throw SlideError(path + ": cannot read the file's size: " + ec.message());
    const std::uint32_t count = TIFFIsTiled(tif) ? TIFFNumberOfTiles(tif) : TIFFNumberOfStrips(tif);
    const char* kind = TIFFIsTiled(tif) ? "tile" : "strip";
    if (count == 0) throw SlideError(path + ": the TIFF has no " + kind + " offsets");
    if (count > fileSize) throw SlideError(path + ": the TIFF declares " + std::to_string(count) + " " + kind + "s, more than the file's " + std::to_string(fileSize) + " bytes could hold: the header is corrupt or the file is truncated");
    for (std::uint32_t i = 0; i < count; ++i) {
        int err = 0;
        const std::uint64_t offset = TIFFGetStrileOffsetWithErr(tif, i, &err), bytes = TIFFGetStrileByteCountWithErr(tif, i, &err);
        if (err) throw SlideError(path + ": the offset or byte count of " + kind + " " + std::to_string(i) + " cannot be read");
        if (bytes == 0 && offset == 0) continue;  // a sparse tile (GDAL's SPARSE_OK): empty, not missing
        if (bytes == 0 || offset > fileSize || bytes > fileSize - offset) {
            throw SlideError(path + ": " + kind + " " + std::to_string(i) + " of " + std::to_string(count) + " (offset " + std::to_string(offset) + ", " + std::to_string(bytes) + " bytes) lies past the end of the file (" + std::to_string(fileSize) + " bytes): the file is truncated");
        }
    }
}

void openTiff(TiffFile& t, const std::string& path) {
    t.tif = openTiffCollectingErrors(path, "r", &t.errors);
    if (!t.tif) throw SlideError(path + ": invalid TIFF: " + (t.errors.empty() ? "cannot open" : t.errors));
}

void decodeTiff(const std::string& path, const RowSink& sink, const Progress& progress) {
    TiffFile t;
    openTiff(t, path);
    std::uint32_t w = 0, h = 0;
    TIFFGetField(t.tif, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(t.tif, TIFFTAG_IMAGELENGTH, &h);
    if (w == 0 || h == 0) throw SlideError(path + ": TIFF has no image width/length");
    checkTiffDataInFile(t.tif, path);
    checkWholeDecodeBudget(path, "TIFF", w, h);
    std::vector<std::uint32_t> raster(static_cast<std::size_t>(w) * h);
    progress.update(0.0, "decoding TIFF");
    if (!TIFFReadRGBAImageOriented(t.tif, w, h, raster.data(), ORIENTATION_TOPLEFT, 0) || !t.errors.empty()) {
        throw SlideError(path + ": corrupt or truncated TIFF: " + (t.errors.empty() ? "read failed" : t.errors));
    }
    // libtiff's RGBA interface returns premultiplied alpha (ABGR words).
    std::vector<std::uint8_t> row(static_cast<std::size_t>(w) * 4);
    for (std::uint32_t y = 0; y < h; ++y) {
        const std::uint32_t* src = raster.data() + static_cast<std::size_t>(y) * w;
        for (std::uint32_t x = 0; x < w; ++x) {
            const std::uint32_t p = src[x];
            storeUnpremultiplied(row.data() + x * 4, TIFFGetR(p), TIFFGetG(p), TIFFGetB(p), TIFFGetA(p));
        }
        sink(static_cast<int>(y), row.data());
        if ((y & 255) == 0) progress.throwIfCancelled();
    }
}

}  // namespace

ImageInfo probeImage(const std::string& path) {
    ImageInfo info;
    info.format = sniffFormat(path);
    if (info.format == "jpeg") {
        JpegDecoder d;
        openJpeg(d, path, true);
        info.width = static_cast<int>(d.cinfo.image_width);
        info.height = static_cast<int>(d.cinfo.image_height);
    } else if (info.format == "png") {
        PngImage png;
        openPng(png, path);
        info.width = static_cast<int>(png.image.width);
        info.height = static_cast<int>(png.image.height);
    } else {
        TiffFile t;
        openTiff(t, path);
        std::uint32_t w = 0, h = 0;
        TIFFGetField(t.tif, TIFFTAG_IMAGEWIDTH, &w);
        TIFFGetField(t.tif, TIFFTAG_IMAGELENGTH, &h);
        if (w > static_cast<std::uint32_t>(std::numeric_limits<int>::max()) || h > static_cast<std::uint32_t>(std::numeric_limits<int>::max()))
            throw SlideError(path + ": the TIFF declares " + std::to_string(w) + " x " + std::to_string(h) + " px, more than is supported");
        checkTiffDataInFile(t.tif, path);
        info.width = static_cast<int>(w);
        info.height = static_cast<int>(h);
    }
    if (info.width <= 0 || info.height <= 0) throw SlideError(path + ": the image has no pixels");
    return info;
}

void decodeImage(const std::string& path, const RowSink& sink, const Progress& progress) {
    const std::string format = sniffFormat(path);
    if (format == "jpeg") decodeJpeg(path, sink, progress);
    else if (format == "png") decodePng(path, sink, progress);
    else decodeTiff(path, sink, progress);
    progress.update(1.0, "decoded");
}

}  // namespace hescape
