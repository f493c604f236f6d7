// Shared helpers of the core and CLI test suites: where the real data sets
// are, running the reference Python (Debian's /usr/bin/python3 with
// python3-openslide and python3-pil) and the command line, and synthetic
// images of flat colour cells whose expected pixel values are known exactly.
#pragma once

#include "core/slide/PyramidTiffWriter.h"
#include "core/slide/Slide.h"

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace hescape::test {

inline QString sharedDataPath(const QString& relative) {
    return QDir(QStringLiteral(HESCAPE_SHARED_DATA_DIR)).filePath(relative);
}

// File names as the core library (std::string, local 8-bit) sees them.
inline std::string toPath(const QString& path) { return QFile::encodeName(path).toStdString(); }

inline bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

struct ProcessResult {
    bool started = false;
    bool finished = false;
    bool normalExit = false;
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

inline ProcessResult runProcess(const QString& program, const QStringList& args, int timeoutMs = 180000) {
    ProcessResult r;
    QProcess p;
    p.start(program, args);
    r.started = p.waitForStarted(timeoutMs);
    if (!r.started) {
        r.err = "cannot start " + program.toUtf8() + ": " + p.errorString().toUtf8();
        return r;
    }
    p.closeWriteChannel();
    r.finished = p.waitForFinished(timeoutMs);
    if (!r.finished) {
        p.kill();
        p.waitForFinished();
    }
    r.normalExit = p.exitStatus() == QProcess::NormalExit;
    r.exitCode = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err += p.readAllStandardError();
    return r;
}

inline ProcessResult runPython(const QString& script, const QStringList& args = {}) {
    return runProcess(QStringLiteral(HESCAPE_TEST_PYTHON), QStringList{QStringLiteral("-c"), script} + args);
}

// A HEST-1k folder in HEST's layout under `dir`, built from the bundled demo
// by tests/core/spatial/make_hest_folder.py (anndata, h5py, PIL): hest/ with
// samples B4 and C3 (C3 with patches/), hest_bad/ with malformed metadata,
// hest_patches_bad.h5. Check the result's exitCode (and err when it fails).
inline ProcessResult makeHestFolder(const QString& dir) {
    return runProcess(QStringLiteral(HESCAPE_TEST_PYTHON), {QStringLiteral(HESCAPE_SOURCE_DIR "/tests/core/spatial/make_hest_folder.py"),
                                                            QStringLiteral(HESCAPE_SOURCE_DIR "/resources/demo/her2st"), dir});
}

// Visium and Visium HD folders with a CytAssist image under `dir`, built from
// copies of the real ones in shared/data by
// tests/core/spatial/make_cytassist_folders.py (h5py, tifffile, numpy):
// hd_affine, hd_projective, hd_two_slices, hd_bad_*, visium_cytassist,
// visium_cytassist_mismatch and expected.json (numpy's placements). Check the
// result's exitCode (and err when it fails).
inline ProcessResult makeCytAssistFolders(const QString& dir) {
    return runProcess(QStringLiteral(HESCAPE_TEST_PYTHON), {QStringLiteral(HESCAPE_SOURCE_DIR "/tests/core/spatial/make_cytassist_folders.py"),
                                                            QStringLiteral(HESCAPE_SHARED_DATA_DIR), dir});
}

// ---- synthetic content: flat cells of cellW x cellH pixels -------------------

using Rgb = std::array<int, 3>;

// Neighbouring cells differ by tens of units in every channel.
inline Rgb cellColour(int cx, int cy) {
    return {30 + (cx * 47 + cy * 13) % 190, 30 + (cy * 59 + cx * 7) % 190, 60 + ((cx + cy) * 31) % 160};
}

struct CellPattern {
    int width = 0;
    int height = 0;
    int cellW = 0;
    int cellH = 0;

    Rgb colourAt(int x, int y) const { return cellColour(x / cellW, y / cellH); }

    void fillRow(int y, std::vector<std::uint8_t>& rgba) const {
        rgba.resize(static_cast<std::size_t>(width) * 4);
        for (int x = 0; x < width; ++x) {
            const Rgb c = colourAt(x, y);
            for (int i = 0; i < 3; ++i) rgba[static_cast<std::size_t>(x) * 4 + i] = static_cast<std::uint8_t>(c[i]);
            rgba[static_cast<std::size_t>(x) * 4 + 3] = 255;
        }
    }

    QImage toImage() const {
        QImage img(width, height, QImage::Format_RGBA8888);
        std::vector<std::uint8_t> row;
        for (int y = 0; y < height; ++y) {
            fillRow(y, row);
            std::copy(row.begin(), row.end(), img.scanLine(y));
        }
        return img;
    }

    // Level-0 centre of every cell, with the cell's colour and the smaller of
    // its two sides (cells at the right/bottom edge may be cut short).
    struct Sample {
        int x, y, minSide;
        Rgb colour;
    };
    std::vector<Sample> samples() const {
        std::vector<Sample> out;
        for (int y0 = 0; y0 < height; y0 += cellH) {
            for (int x0 = 0; x0 < width; x0 += cellW) {
                const int x1 = std::min(width, x0 + cellW), y1 = std::min(height, y0 + cellH);
                out.push_back({(x0 + x1) / 2, (y0 + y1) / 2, std::min(x1 - x0, y1 - y0), colourAt(x0, y0)});
            }
        }
        return out;
    }
};

// Writes `pattern` with PyramidTiffWriter; returns the writer's level count.
inline int writePatternPyramid(const std::string& path, const CellPattern& pattern, const PyramidTiffOptions& options) {
    PyramidTiffWriter writer(path, pattern.width, pattern.height, options);
    std::vector<std::uint8_t> row;
    for (int y = 0; y < pattern.height; ++y) {
        pattern.fillRow(y, row);
        writer.appendRow(row.data());
    }
    writer.finish();
    return writer.levelCount();
}

// Largest difference over R, G, B between every pixel of `img` and `expected`;
// also fails (returns 999) on a pixel that is not fully opaque.
inline int maxDeviation(const RgbaImage& img, const Rgb& expected) {
    int worst = 0;
    for (int y = 0; y < img.height; ++y) {
        for (int x = 0; x < img.width; ++x) {
            const std::uint8_t* p = img.pixel(x, y);
            if (p[3] != 255) return 999;
            for (int c = 0; c < 3; ++c) worst = std::max(worst, std::abs(p[c] - expected[static_cast<std::size_t>(c)]));
        }
    }
    return worst;
}

inline QString describe(const Rgb& c) { return QStringLiteral("(%1, %2, %3)").arg(c[0]).arg(c[1]).arg(c[2]); }
inline QString describe(const std::uint8_t* p) {
    return QStringLiteral("(%1, %2, %3, %4)").arg(p[0]).arg(p[1]).arg(p[2]).arg(p[3]);
}

inline bool writeFile(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

inline bool truncateFile(const QString& source, const QString& target, double fraction) {
    QFile in(source);
    if (!in.open(QIODevice::ReadOnly)) return false;
    const QByteArray all = in.readAll();
    return writeFile(target, all.left(static_cast<qsizetype>(static_cast<double>(all.size()) * fraction)));
}

}  // namespace hescape::test
