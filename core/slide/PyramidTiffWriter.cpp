// Streaming pyramidal TIFF writer on libtiff. Level 0 is encoded a strip of
// tiles at a time, so its size is bounded only by disk; levels 1.. are kept
// in memory (a quarter of level 0 and less) until finish() writes them.
#include "core/slide/PyramidTiffWriter.h"

#include "core/common/MemoryBudget.h"

#include "core/slide/TiffOpen.h"

#include <tiffio.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <unistd.h>
#include <vector>

namespace hescape {

namespace {

struct Rgb {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> data;  // 3 bytes per pixel
    std::uint8_t* row(int y) { return data.data() + static_cast<std::size_t>(y) * width * 3; }
    const std::uint8_t* row(int y) const { return data.data() + static_cast<std::size_t>(y) * width * 3; }
};

// One output row of the next level, a box filter over `step` input rows
// (rows[i]) and `step` columns; the right edge replicates the last column.
void reduceRows(const std::uint8_t* const* rows, int step, int srcWidth, std::uint8_t* out) {
    const int dstWidth = (srcWidth + step - 1) / step;
    const unsigned n = static_cast<unsigned>(step * step);
    for (int x = 0; x < dstWidth; ++x) {
        for (int c = 0; c < 3; ++c) {
            unsigned s = 0;
            for (int j = 0; j < step; ++j) {
                for (int i = 0; i < step; ++i) s += rows[j][std::min(step * x + i, srcWidth - 1) * 3 + c];
            }
            out[x * 3 + c] = static_cast<std::uint8_t>((s + n / 2) / n);
        }
    }
}

// Rows y*step .. y*step+step-1 of `img` (clamped to its last row) reduced into out.
void reduceImageRow(const Rgb& img, int y, int step, std::uint8_t* out) {
    const std::uint8_t* rows[8];
    for (int j = 0; j < step; ++j) rows[j] = img.row(std::min(y * step + j, img.height - 1));
    reduceRows(rows, step, img.width, out);
}

}  // namespace

struct PyramidTiffWriter::Impl {
    std::string path;
    std::string tempPath;
    PyramidTiffOptions opts;
    std::string errors;
    TIFF* tif = nullptr;
    std::vector<std::pair<int, int>> levelSizes;
    Rgb strip;        // up to tileSize rows of level 0
    int stripRows = 0;
    int rowsDone = 0;
    Rgb level1;       // built while level 0 streams through
    bool finished = false;

    ~Impl() {
        if (tif) TIFFClose(tif);
        if (!finished && !tempPath.empty()) {
            std::error_code ec;
            std::filesystem::remove(tempPath, ec);
        }
    }

    void check(bool ok, const std::string& what) {
        if (!ok || !errors.empty()) {
            throw SlideError(path + ": writing the pyramidal TIFF failed while " + what + ": " +
                             (errors.empty() ? std::string("libtiff reported failure") : errors));
        }
    }

    void startDirectory(int level) {
        const auto [w, h] = levelSizes[static_cast<std::size_t>(level)];
        bool ok = TIFFSetField(tif, TIFFTAG_SUBFILETYPE, level == 0 ? 0 : FILETYPE_REDUCEDIMAGE);
        ok = ok && TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, static_cast<std::uint32_t>(w));
        ok = ok && TIFFSetField(tif, TIFFTAG_IMAGELENGTH, static_cast<std::uint32_t>(h));
        ok = ok && TIFFSetField(tif, TIFFTAG_TILEWIDTH, static_cast<std::uint32_t>(opts.tileSize));
        ok = ok && TIFFSetField(tif, TIFFTAG_TILELENGTH, static_cast<std::uint32_t>(opts.tileSize));
        ok = ok && TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
        ok = ok && TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 3);
        ok = ok && TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
        ok = ok && TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_JPEG);
        ok = ok && TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_YCBCR);
        ok = ok && TIFFSetField(tif, TIFFTAG_YCBCRSUBSAMPLING, 2, 2);
        ok = ok && TIFFSetField(tif, TIFFTAG_JPEGQUALITY, opts.jpegQuality);
        ok = ok && TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
        ok = ok && TIFFSetField(tif, TIFFTAG_SOFTWARE, "HEScape Studio");
        if (opts.mpp) {
            const double ds = static_cast<double>(levelSizes[0].first) / w;
            ok = ok && TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_CENTIMETER);
            ok = ok && TIFFSetField(tif, TIFFTAG_XRESOLUTION, static_cast<float>(1e4 / (opts.mpp->x * ds)));
            ok = ok && TIFFSetField(tif, TIFFTAG_YRESOLUTION, static_cast<float>(1e4 / (opts.mpp->y * ds)));
        }
        if (level == 0 && !opts.description.empty()) {
            ok = ok && TIFFSetField(tif, TIFFTAG_IMAGEDESCRIPTION, opts.description.c_str());
        }
        check(ok, "setting the tags of level " + std::to_string(level));
    }

    // Encodes `rows` rows of an RGB image whose first row is at `y0`, which
    // must be a multiple of the tile size.
    void writeTileRow(const Rgb& img, int firstRow, int rows, int y0, int level) {
        const int ts = opts.tileSize;
        std::vector<std::uint8_t> tile(static_cast<std::size_t>(ts) * ts * 3);
        for (int tx = 0; tx < img.width; tx += ts) {
            for (int r = 0; r < ts; ++r) {
                // Replicate edge pixels into the padding: cheaper for JPEG than a hard edge.
                const std::uint8_t* src = img.row(firstRow + std::min(r, rows - 1));
                std::uint8_t* dst = tile.data() + static_cast<std::size_t>(r) * ts * 3;
                const int n = std::min(ts, img.width - tx);
                std::memcpy(dst, src + static_cast<std::size_t>(tx) * 3, static_cast<std::size_t>(n) * 3);
                for (int c = n; c < ts; ++c) std::memcpy(dst + c * 3, dst + (n - 1) * 3, 3);
            }
            check(TIFFWriteTile(tif, tile.data(), static_cast<std::uint32_t>(tx), static_cast<std::uint32_t>(y0), 0, 0) >= 0,
                  "encoding a tile of level " + std::to_string(level));
        }
    }

    void flushStrip() {
        if (stripRows == 0) return;
        const int y0 = rowsDone - stripRows;
        writeTileRow(strip, 0, stripRows, y0, 0);
        if (levelSizes.size() > 1) {
            const int step = opts.levelStep;
            const std::uint8_t* rows[8];
            for (int r = 0; r < stripRows; r += step) {
                for (int j = 0; j < step; ++j) rows[j] = strip.row(std::min(r + j, stripRows - 1));
                reduceRows(rows, step, strip.width, level1.row((y0 + r) / step));
            }
        }
        stripRows = 0;
    }
};

PyramidTiffWriter::PyramidTiffWriter(std::string path, int width, int height, PyramidTiffOptions options)
    : impl_(std::make_unique<Impl>()) {
    Impl& d = *impl_;
    d.path = std::move(path);
    d.opts = std::move(options);
    if (width <= 0 || height <= 0) throw SlideError(d.path + ": cannot write an image with no pixels");
    if (d.opts.tileSize < 16 || d.opts.tileSize % 16 != 0) throw SlideError(d.path + ": tile size must be a multiple of 16");
    if (d.opts.jpegQuality < 1 || d.opts.jpegQuality > 100) throw SlideError(d.path + ": JPEG quality must be 1..100");

    d.levelSizes.emplace_back(width, height);
    if (d.opts.levelStep != 2 && d.opts.levelStep != 4) throw SlideError(d.path + ": level step must be 2 or 4");
    const int step = d.opts.levelStep;
    while (std::max(d.levelSizes.back().first, d.levelSizes.back().second) > d.opts.smallestLevel) {
        const auto [w, h] = d.levelSizes.back();
        d.levelSizes.emplace_back((w + step - 1) / step, (h + step - 1) / step);
    }
    // One band of tiles of level 0 and the whole of level 1 are held in memory.
    const std::uint64_t held = multiplyBytes(multiplyBytes(static_cast<std::uint64_t>(width), static_cast<std::uint64_t>(d.opts.tileSize)), 3) +
                               (d.levelSizes.size() > 1 ? multiplyBytes(multiplyBytes(static_cast<std::uint64_t>(d.levelSizes[1].first),
                                                                                      static_cast<std::uint64_t>(d.levelSizes[1].second)),
                                                                        3)
                                                        : 0);
    if (const auto over = overMemoryBudget(held)) {
        throw SlideError(d.path + ": writing a " + std::to_string(width) + " x " + std::to_string(height) + " px pyramid with " +
                         std::to_string(d.opts.tileSize) + " px tiles " + *over + "; convert a crop (--crop X,Y,W,H) or use smaller tiles");
    }
    d.strip.width = width;
    d.strip.data.resize(static_cast<std::size_t>(width) * d.opts.tileSize * 3);
    if (d.levelSizes.size() > 1) {
        d.level1.width = d.levelSizes[1].first;
        d.level1.height = d.levelSizes[1].second;
        d.level1.data.resize(static_cast<std::size_t>(d.level1.width) * d.level1.height * 3);
    }

    d.tempPath = d.path + ".partial-" + std::to_string(::getpid());
    // Classic TIFF offsets are 32-bit: switch to BigTIFF when the file could pass 4 GiB.
    const bool big = static_cast<double>(width) * height * 3 > 3.0e9;
    d.tif = openTiffCollectingErrors(d.tempPath, big ? "w8" : "w", &d.errors);
    if (!d.tif) throw SlideError(d.path + ": cannot create the file: " + d.errors);
    d.startDirectory(0);
}

PyramidTiffWriter::~PyramidTiffWriter() = default;

int PyramidTiffWriter::rowsWritten() const { return impl_->rowsDone; }
int PyramidTiffWriter::levelCount() const { return static_cast<int>(impl_->levelSizes.size()); }

void PyramidTiffWriter::appendRow(const std::uint8_t* rgba) {
    Impl& d = *impl_;
    if (d.rowsDone >= d.levelSizes[0].second) throw SlideError(d.path + ": more rows appended than the image has");
    std::uint8_t* dst = d.strip.row(d.stripRows);
    for (int x = 0; x < d.strip.width; ++x) {
        const unsigned a = rgba[x * 4 + 3];
        for (int c = 0; c < 3; ++c) dst[x * 3 + c] = static_cast<std::uint8_t>((rgba[x * 4 + c] * a + 255 * (255 - a) + 127) / 255);
    }
    ++d.stripRows;
    ++d.rowsDone;
    if (d.stripRows == d.opts.tileSize || d.rowsDone == d.levelSizes[0].second) d.flushStrip();
}

void PyramidTiffWriter::finish(const Progress& progress) {
    Impl& d = *impl_;
    if (d.rowsDone != d.levelSizes[0].second) {
        throw SlideError(d.path + ": only " + std::to_string(d.rowsDone) + " of " +
                         std::to_string(d.levelSizes[0].second) + " rows were written");
    }
    d.check(TIFFWriteDirectory(d.tif) != 0, "closing level 0");
    Rgb current = std::move(d.level1);
    for (std::size_t level = 1; level < d.levelSizes.size(); ++level) {
        progress.throwIfCancelled();
        progress.update(static_cast<double>(level) / d.levelSizes.size(), "writing level " + std::to_string(level));
        d.startDirectory(static_cast<int>(level));
        for (int y0 = 0; y0 < current.height; y0 += d.opts.tileSize) {
            d.writeTileRow(current, y0, std::min(d.opts.tileSize, current.height - y0), y0, static_cast<int>(level));
        }
        d.check(TIFFWriteDirectory(d.tif) != 0, "closing level " + std::to_string(level));
        if (level + 1 < d.levelSizes.size()) {
            Rgb next;
            next.width = d.levelSizes[level + 1].first;
            next.height = d.levelSizes[level + 1].second;
            next.data.resize(static_cast<std::size_t>(next.width) * next.height * 3);
            for (int y = 0; y < next.height; ++y) reduceImageRow(current, y, d.opts.levelStep, next.row(y));
            current = std::move(next);
        }
    }
    TIFFClose(d.tif);
    d.tif = nullptr;
    d.check(true, "closing the file");
    std::error_code ec;
    std::filesystem::rename(d.tempPath, d.path, ec);
    if (ec) throw SlideError(d.path + ": cannot move the finished file into place: " + ec.message());
    d.finished = true;
    progress.update(1.0, "written");
}

}  // namespace hescape
