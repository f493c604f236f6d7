// convertToPyramidTiff: a generated PNG/JPEG converted whole or cropped,
// checked for output size, levels, recorded MPP and the pixel content of the
// cropped region; progress reporting; cancellation at every stage leaves no
// output and no temporary file behind; a tiled TIFF cut short (written by
// tifffile) and a 218-byte header declaring 1,000,000 x 1,000,000 px are
// refused before anything is decoded or allocated, and a pyramid larger
// than the memory budget is refused with what to do.
#include "core/slide/ImageDecoder.h"
#include "core/slide/PyramidTiffConverter.h"
#include "core/slide/PyramidTiffWriter.h"
#include "core/slide/Slide.h"
#include "tests/core/TestSupport.h"

#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <cmath>

using namespace hescape;
using namespace hescape::test;

Q_DECLARE_METATYPE(hescape::PixelRect)
Q_DECLARE_METATYPE(std::optional<hescape::PixelRect>)

namespace {
const CellPattern kSource{1000, 800, 128, 128};
}

class TestPyramidTiffConverter : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    QString png_;
    QString jpeg_;

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        png_ = dir_.filePath("source.png");
        jpeg_ = dir_.filePath("source.jpg");
        const QImage img = kSource.toImage();
        QVERIFY(img.save(png_, "PNG"));
        QVERIFY(img.save(jpeg_, "JPEG", 95));
    }

    void convert_data() {
        QTest::addColumn<QString>("input");
        QTest::addColumn<std::optional<PixelRect>>("crop");
        QTest::addColumn<QRect>("expected");  // the written rectangle, in source pixels
        QTest::addColumn<int>("levels");
        QTest::addColumn<int>("tolerance");
        QTest::newRow("png, whole") << "png" << std::optional<PixelRect>() << QRect(0, 0, 1000, 800) << 2 << 6;
        QTest::newRow("png, crop inside") << "png" << std::optional<PixelRect>(PixelRect{128, 64, 600, 500})
                                          << QRect(128, 64, 600, 500) << 2 << 6;
        QTest::newRow("png, crop small") << "png" << std::optional<PixelRect>(PixelRect{256, 256, 300, 200})
                                         << QRect(256, 256, 300, 200) << 1 << 6;
        QTest::newRow("png, crop clipped bottom-right")
            << "png" << std::optional<PixelRect>(PixelRect{512, 384, 5000, 5000}) << QRect(512, 384, 488, 416) << 1 << 6;
        QTest::newRow("png, crop clipped top-left")
            << "png" << std::optional<PixelRect>(PixelRect{-100, -50, 740, 690}) << QRect(0, 0, 640, 640) << 2 << 6;
        QTest::newRow("jpeg, crop") << "jpeg" << std::optional<PixelRect>(PixelRect{128, 128, 768, 640})
                                    << QRect(128, 128, 768, 640) << 2 << 8;
    }

    void convert() {
        QFETCH(QString, input);
        QFETCH(std::optional<PixelRect>, crop);
        QFETCH(QRect, expected);
        QFETCH(int, levels);
        QFETCH(int, tolerance);

        QTemporaryDir out;
        QVERIFY(out.isValid());
        const std::string output = toPath(out.filePath("converted.tiff"));
        PyramidConversion conv;
        conv.crop = crop;
        conv.tiff.mpp = MicronsPerPixel{0.5, 0.5};
        conv.tiff.description = "converted for a test";
        std::vector<double> fractions;
        Progress progress;
        progress.report = [&](double f, const std::string&) { fractions.push_back(f); };

        const PixelRect r = convertToPyramidTiff(toPath(input == "png" ? png_ : jpeg_), output, conv, progress);
        QCOMPARE(QRect(r.x, r.y, r.width, r.height), expected);
        QCOMPARE(QDir(out.path()).entryList(QDir::Files), QStringList{"converted.tiff"});

        // Progress: starts at 0 or above, never goes back, ends at 1.
        QVERIFY(!fractions.empty());
        QVERIFY(fractions.front() >= 0.0);
        QCOMPARE(fractions.back(), 1.0);
        QVERIFY(std::is_sorted(fractions.begin(), fractions.end()));

        const auto slide = openSlide(output);
        QCOMPARE(QString::fromStdString(slide->format()), QStringLiteral("generic-tiff"));
        QCOMPARE(slide->width(), std::int64_t{expected.width()});
        QCOMPARE(slide->height(), std::int64_t{expected.height()});
        QCOMPARE(slide->levelCount(), levels);
        QVERIFY(std::abs(slide->micronsPerPixel()->x - 0.5) < 1e-5);
        QCOMPARE(slide->properties().at("tiff.ImageDescription"), std::string("converted for a test"));

        // Output pixel (x, y) is source pixel (x + crop.x, y + crop.y); check the
        // centre of every source cell that lies well inside the crop.
        int checked = 0;
        for (const auto& s : kSource.samples()) {
            const int ox = s.x - expected.x(), oy = s.y - expected.y();
            if (ox < 24 || oy < 24 || ox + 24 > expected.width() || oy + 24 > expected.height()) continue;
            const RgbaImage img = slide->readRegion(0, ox - 2, oy - 2, 4, 4);
            QVERIFY2(maxDeviation(img, s.colour) <= tolerance,
                     qPrintable(QStringLiteral("output %1,%2: got %3 expected %4")
                                    .arg(ox)
                                    .arg(oy)
                                    .arg(describe(img.pixel(0, 0)), describe(s.colour))));
            if (levels > 1) {
                const RgbaImage low = slide->readRegion(1, ox - 4, oy - 4, 4, 4);
                QVERIFY2(maxDeviation(low, s.colour) <= tolerance, qPrintable(describe(low.pixel(0, 0))));
            }
            ++checked;
        }
        QVERIFY(checked >= 2);
    }

    void cropOutsideImage_data() {
        QTest::addColumn<PixelRect>("crop");
        QTest::newRow("right of the image") << PixelRect{1000, 0, 10, 10};
        QTest::newRow("below") << PixelRect{0, 900, 10, 10};
        QTest::newRow("above-left") << PixelRect{-50, -50, 50, 50};
        QTest::newRow("zero size") << PixelRect{10, 10, 0, 0};
    }
    void cropOutsideImage() {
        QFETCH(PixelRect, crop);
        QTemporaryDir out;
        QVERIFY(out.isValid());
        const std::string output = toPath(out.filePath("never.tiff"));
        PyramidConversion conv;
        conv.crop = crop;
        const std::string input = toPath(png_);
        try {
            convertToPyramidTiff(input, output, conv);
            QFAIL("expected SlideError");
        } catch (const SlideError& e) {
            QVERIFY2(contains(e.what(), input), e.what());
        }
        QVERIFY(QDir(out.path()).entryList(QDir::Files).isEmpty());
    }

    void badInputLeavesNothing() {
        QTemporaryDir out;
        QVERIFY(out.isValid());
        const QString truncated = out.filePath("half.jpg");
        QVERIFY(truncateFile(jpeg_, truncated, 0.5));
        const std::string output = toPath(out.filePath("never.tiff"));
        try {
            convertToPyramidTiff(toPath(truncated), output, PyramidConversion{});
            QFAIL("expected SlideError");
        } catch (const SlideError& e) {
            QVERIFY2(contains(e.what(), toPath(truncated)), e.what());
        }
        QCOMPARE(QDir(out.path()).entryList(QDir::Files), QStringList{"half.jpg"});
    }

    void truncatedTiledTiffIsRefused_data() {
        QTest::addColumn<QString>("compression");
        QTest::newRow("uncompressed") << "None";
        QTest::newRow("deflate") << "'zlib'";
    }

    // libtiff's RGBA reader fills the tiles past the end with the previous
    // tile's pixels and reports nothing; the converter used to write that.
    void truncatedTiledTiffIsRefused() {
        QFETCH(QString, compression);
        QTemporaryDir out;
        const QString cut = out.filePath("cut.tif");
        const auto r = runPython(QStringLiteral(R"(
import sys, numpy as np, tifffile
img = (np.random.default_rng(0).random((512, 512, 3)) * 255).astype(np.uint8)
tifffile.imwrite(sys.argv[1] + '.whole', img, tile=(64, 64), photometric='rgb', compression=%1)
data = open(sys.argv[1] + '.whole', 'rb').read()
open(sys.argv[1], 'wb').write(data[:len(data) // 2])
)").arg(compression), {cut});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        try {
            convertToPyramidTiff(toPath(cut), toPath(out.filePath("never.tiff")), PyramidConversion{});
            QFAIL("expected SlideError");
        } catch (const SlideError& e) {
            QVERIFY2(contains(e.what(), toPath(cut)) && contains(e.what(), "lies past the end of the file") && contains(e.what(), "truncated"), e.what());
        }
        QVERIFY(!QFileInfo::exists(out.filePath("never.tiff")));
        // The whole file converts.
        convertToPyramidTiff(toPath(cut + ".whole"), toPath(out.filePath("whole.tiff")), PyramidConversion{});
        QVERIFY(QFileInfo::exists(out.filePath("whole.tiff")));
    }

    void declaredSizesAreCheckedBeforeAllocating() {
        QTemporaryDir out;
        // A strip TIFF header declaring 1,000,000 x 1,000,000 px with one strip per row, 218 bytes in all.
        const QString header = out.filePath("huge.tif");
        const auto r = runPython(QStringLiteral(R"(
import struct, sys
w = h = 1000000
tags = [(256, 4, 1, w), (257, 4, 1, h), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1), (273, 4, 1, 200),
        (277, 3, 1, 1), (278, 4, 1, 1), (279, 4, 1, w)]
ifd = struct.pack('<H', len(tags)) + b''.join(struct.pack('<HHII', *t) for t in tags) + struct.pack('<I', 0)
data = bytes([73, 73, 42, 0]) + struct.pack('<I', 8) + ifd
open(sys.argv[1], 'wb').write(data + bytes(218 - len(data)))
)"), {header});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        try {
            probeImage(toPath(header));
            QFAIL("expected SlideError");
        } catch (const SlideError& e) {
            QVERIFY2(contains(e.what(), "declares 1000000 strips, more than the file's 218 bytes could hold"), e.what());
        }
        // A PNG of a signature, an IHDR declaring 40,000 x 40,000 RGBA px, one small IDAT and an IEND: 69 bytes.
        const QString png = out.filePath("huge.png");
        const auto p = runPython(QStringLiteral(R"(
import struct, sys, zlib
def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
ihdr = struct.pack('>IIBBBBB', 40000, 40000, 8, 6, 0, 0, 0)
open(sys.argv[1], 'wb').write(bytes([137, 80, 78, 71, 13, 10, 26, 10]) + chunk(b'IHDR', ihdr) + chunk(b'IDAT', zlib.compress(bytes(64))) + chunk(b'IEND', b''))
)"), {png});
        QVERIFY2(p.exitCode == 0, p.err.constData());
        try {
            convertToPyramidTiff(toPath(png), toPath(out.filePath("never.tiff")), PyramidConversion{});
            QFAIL("expected SlideError");
        } catch (const SlideError& e) {
            QVERIFY2(contains(e.what(), "declares 40000 x 40000 px, more than its 69 bytes can hold"), e.what());
        }
        // A pyramid whose level 1 alone is beyond half the memory: refused by the writer, with the way out.
        try {
            PyramidTiffWriter writer(toPath(out.filePath("big.tiff")), 2000000000, 2000000000, PyramidTiffOptions{});
            QFAIL("expected SlideError");
        } catch (const SlideError& e) {
            QVERIFY2(contains(e.what(), "more than half of this machine's memory") && contains(e.what(), "--crop"), e.what());
        }
        QCOMPARE(QDir(out.path()).entryList(QDir::Files), (QStringList{"huge.png", "huge.tif"}));
    }

    // Cancelled before starting, while decoding, or while writing the lower
    // levels: CancelledError, and neither the output nor a temporary remains.
    void cancellation_data() {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("when");
        for (const QString in : {"png", "jpeg"}) {
            QTest::addRow("%s, before start", qPrintable(in)) << in << "start";
            QTest::addRow("%s, during decoding", qPrintable(in)) << in << "decode";
            QTest::addRow("%s, writing lower levels", qPrintable(in)) << in << "levels";
        }
    }
    void cancellation() {
        QFETCH(QString, input);
        QFETCH(QString, when);
        // 2048 x 1600: three levels, so the level loop checks the flag again.
        QTemporaryDir out;
        QVERIFY(out.isValid());
        const QString source = out.filePath(input == "png" ? "big.png" : "big.jpg");
        const CellPattern big{2048, 1600, 256, 256};
        QVERIFY(big.toImage().save(source, input == "png" ? "PNG" : "JPEG"));
        const QString output = out.filePath("cancelled.tiff");

        std::atomic<bool> cancel{when == "start"};
        Progress progress;
        progress.cancel = &cancel;
        double lastFraction = -1;
        progress.report = [&](double f, const std::string& step) {
            lastFraction = f;
            // The PNG decoder reports once, before decoding; JPEG every 64 rows.
            if (when == "decode" && (input == "png" || f > 0.0)) cancel = true;
            if (when == "levels" && step.rfind("writing level", 0) == 0) cancel = true;
        };
        QVERIFY_THROWS_EXCEPTION(CancelledError, convertToPyramidTiff(toPath(source), toPath(output), PyramidConversion{}, progress));
        QVERIFY(cancel.load());
        if (when == "levels") QVERIFY(lastFraction >= 0.85);
        if (when == "decode" && input == "jpeg") QVERIFY(lastFraction > 0.0 && lastFraction < 0.85);
        // Only the source is left: no output, no "*.partial-*".
        QCOMPARE(QDir(out.path()).entryList(QDir::Files | QDir::Hidden), QStringList{QFileInfo(source).fileName()});
    }
};

QTEST_GUILESS_MAIN(TestPyramidTiffConverter)
#include "tst_pyramid_tiff_converter.moc"
