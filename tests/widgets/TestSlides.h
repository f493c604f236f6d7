// Slides with known content for GUI tests: a pyramidal TIFF written through
// core's writer, whose four quadrants are flat, well-separated colours.
#pragma once

#include "core/slide/PyramidTiffWriter.h"

#include <QColor>
#include <QString>

#include <vector>

namespace hescape::test {

// Quadrant colours: top-left, top-right, bottom-left, bottom-right.
inline const QColor kQuadrant[4] = {QColor(220, 40, 40), QColor(40, 200, 60), QColor(40, 60, 220), QColor(230, 210, 40)};

inline QColor quadrantAt(double x, double y, int size) {
    return kQuadrant[(y >= size / 2 ? 2 : 0) + (x >= size / 2 ? 1 : 0)];
}

inline void writeQuadrantSlide(const QString& path, int size, double mpp = 0.5) {
    PyramidTiffOptions opts;
    opts.mpp = MicronsPerPixel{mpp, mpp};
    opts.jpegQuality = 95;
    opts.smallestLevel = 256;
    PyramidTiffWriter writer(path.toStdString(), size, size, opts);
    std::vector<std::uint8_t> row(static_cast<std::size_t>(size) * 4);
    for (int y = 0; y < size; ++y) {
        for (int x = 0; x < size; ++x) {
            const QColor c = quadrantAt(x, y, size);
            row[x * 4 + 0] = static_cast<std::uint8_t>(c.red());
            row[x * 4 + 1] = static_cast<std::uint8_t>(c.green());
            row[x * 4 + 2] = static_cast<std::uint8_t>(c.blue());
            row[x * 4 + 3] = 255;
        }
        writer.appendRow(row.data());
    }
    writer.finish();
}

inline bool near(QColor a, QColor b, int tolerance = 24) {
    return std::abs(a.red() - b.red()) <= tolerance && std::abs(a.green() - b.green()) <= tolerance &&
           std::abs(a.blue() - b.blue()) <= tolerance;
}

}  // namespace hescape::test
