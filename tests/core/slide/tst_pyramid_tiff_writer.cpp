// PyramidTiffWriter: pyramids the tests generate (flat colour cells with
// known values) opened back through openSlide() (OpenSlide generic-tiff):
// level count and sizes, downsamples, microns per pixel from the resolution
// tags, pixel values at every level, transparency outside the slide, option
// validation and clean-up of unfinished files.
#include "core/slide/PyramidTiffWriter.h"
#include "core/slide/Slide.h"
#include "tests/core/TestSupport.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace hescape;
using namespace hescape::test;

namespace {

std::vector<std::pair<std::int64_t, std::int64_t>> expectedLevelSizes(int w, int h, int step, int smallest) {
    std::vector<std::pair<std::int64_t, std::int64_t>> sizes{{w, h}};
    while (std::max(sizes.back().first, sizes.back().second) > smallest) {
        const auto [lw, lh] = sizes.back();
        sizes.emplace_back((lw + step - 1) / step, (lh + step - 1) / step);
    }
    return sizes;
}

QStringList filesIn(const QTemporaryDir& dir) { return QDir(dir.path()).entryList(QDir::Files | QDir::Hidden); }

}  // namespace

class TestPyramidTiffWriter : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void pyramidReadsBack_data() {
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("height");
        QTest::addColumn<int>("cellW");
        QTest::addColumn<int>("cellH");
        QTest::addColumn<int>("tileSize");
        QTest::addColumn<int>("levelStep");
        QTest::addColumn<int>("smallestLevel");
        QTest::addColumn<int>("quality");
        QTest::addColumn<double>("mpp");  // 0: none recorded
        QTest::addColumn<int>("levels");
        QTest::addColumn<int>("tolerance");

        QTest::newRow("step 2, quadrants") << 2048 << 1536 << 1024 << 768 << 256 << 2 << 512 << 85 << 0.5 << 3 << 6;
        QTest::newRow("step 2, odd size, 128 px tiles")
            << 1501 << 1099 << 256 << 192 << 128 << 2 << 512 << 85 << 0.3 << 3 << 6;
        QTest::newRow("step 4, like Aperio") << 4096 << 2048 << 512 << 512 << 256 << 4 << 512 << 85 << 0.0 << 3 << 6;
        QTest::newRow("step 4, odd size") << 2100 << 700 << 320 << 352 << 256 << 4 << 512 << 90 << 0.25 << 3 << 6;
        QTest::newRow("single level") << 400 << 300 << 100 << 100 << 256 << 2 << 512 << 85 << 2.0 << 1 << 6;
        QTest::newRow("many small levels") << 1024 << 1024 << 128 << 128 << 64 << 2 << 64 << 95 << 0.0 << 5 << 4;
        QTest::newRow("low quality") << 1024 << 768 << 256 << 256 << 256 << 2 << 512 << 30 << 0.0 << 2 << 12;
    }

    void pyramidReadsBack() {
        QFETCH(int, width);
        QFETCH(int, height);
        QFETCH(int, cellW);
        QFETCH(int, cellH);
        QFETCH(int, tileSize);
        QFETCH(int, levelStep);
        QFETCH(int, smallestLevel);
        QFETCH(int, quality);
        QFETCH(double, mpp);
        QFETCH(int, levels);
        QFETCH(int, tolerance);

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = toPath(dir.filePath("pyramid.tiff"));
        PyramidTiffOptions opts;
        opts.tileSize = tileSize;
        opts.levelStep = levelStep;
        opts.smallestLevel = smallestLevel;
        opts.jpegQuality = quality;
        opts.description = "test pyramid " + std::to_string(width) + "x" + std::to_string(height);
        if (mpp > 0) opts.mpp = MicronsPerPixel{mpp, mpp};
        const CellPattern pattern{width, height, cellW, cellH};

        QCOMPARE(writePatternPyramid(path, pattern, opts), levels);
        // Only the finished file is left: no temporary.
        QCOMPARE(filesIn(dir), QStringList{"pyramid.tiff"});

        const auto slide = openSlide(path);
        QCOMPARE(QString::fromStdString(slide->format()), QStringLiteral("generic-tiff"));
        QCOMPARE(slide->levelCount(), levels);
        const auto sizes = expectedLevelSizes(width, height, levelStep, smallestLevel);
        QCOMPARE(static_cast<int>(sizes.size()), levels);
        for (int i = 0; i < levels; ++i) {
            const SlideLevel& lv = slide->level(i);
            QCOMPARE(lv.width, sizes[static_cast<std::size_t>(i)].first);
            QCOMPARE(lv.height, sizes[static_cast<std::size_t>(i)].second);
            // OpenSlide: the mean of the two axes' ratios; close to step^i.
            const double exact = (static_cast<double>(width) / lv.width + static_cast<double>(height) / lv.height) / 2;
            QVERIFY2(std::abs(lv.downsample - exact) < 1e-9, qPrintable(QString::number(lv.downsample)));
            const double nominal = std::pow(levelStep, i);
            QVERIFY2(std::abs(lv.downsample / nominal - 1) < 0.01,
                     qPrintable(QStringLiteral("level %1 downsample %2").arg(i).arg(lv.downsample)));
        }

        const auto m = slide->micronsPerPixel();
        if (mpp > 0) {
            QVERIFY(m.has_value());
            QVERIFY(slide->micronsPerPixelFromFile());
            QVERIFY2(std::abs(m->x - mpp) < 1e-5 * mpp && std::abs(m->y - mpp) < 1e-5 * mpp,
                     qPrintable(QStringLiteral("%1 x %2").arg(m->x).arg(m->y)));
            QCOMPARE(QString::fromStdString(slide->properties().at("tiff.ResolutionUnit")), QStringLiteral("centimeter"));
        } else {
            QVERIFY(!m.has_value());
        }
        QCOMPARE(slide->properties().at("tiff.ImageDescription"), opts.description);
        QCOMPARE(QString::fromStdString(slide->properties().at("tiff.Software")), QStringLiteral("HEScape Studio"));

        // Pixel values: the centre of every cell that is still big enough at
        // this level to hold a JPEG block untouched by the cell's edges.
        int checked = 0;
        for (int level = 0; level < levels; ++level) {
            const double ds = slide->level(level).downsample;
            for (const auto& s : pattern.samples()) {
                if (s.minSide / std::pow(levelStep, level) < 48) continue;
                const RgbaImage img = slide->readRegion(level, s.x, s.y, 4, 4);
                const int dev = maxDeviation(img, s.colour);
                QVERIFY2(dev <= tolerance, qPrintable(QStringLiteral("level %1 (ds %2) at %3,%4: got %5 expected %6")
                                                          .arg(level)
                                                          .arg(ds)
                                                          .arg(s.x)
                                                          .arg(s.y)
                                                          .arg(describe(img.pixel(0, 0)), describe(s.colour))));
                ++checked;
            }
        }
        QVERIFY(checked >= levels);
    }

    // Lower levels are box-filtered from the original pixels, not from the
    // JPEG-compressed level above: a 1-pixel checkerboard becomes flat grey.
    void reducedLevelsAverageFineDetail_data() {
        QTest::addColumn<int>("levelStep");
        QTest::newRow("step 2") << 2;
        QTest::newRow("step 4") << 4;
    }
    void reducedLevelsAverageFineDetail() {
        QFETCH(int, levelStep);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = toPath(dir.filePath("checker.tiff"));
        const int w = 1024, h = 1024;
        PyramidTiffOptions opts;
        opts.levelStep = levelStep;
        opts.smallestLevel = 128;
        {
            PyramidTiffWriter writer(path, w, h, opts);
            std::vector<std::uint8_t> row(static_cast<std::size_t>(w) * 4);
            for (int y = 0; y < h; ++y) {
                for (int x = 0; x < w; ++x) {
                    const std::uint8_t v = ((x + y) & 1) ? 255 : 0;
                    std::uint8_t* p = row.data() + static_cast<std::size_t>(x) * 4;
                    p[0] = p[1] = p[2] = v;
                    p[3] = 255;
                }
                writer.appendRow(row.data());
            }
            QCOMPARE(writer.rowsWritten(), h);
            writer.finish();
        }
        const auto slide = openSlide(path);
        QVERIFY(slide->levelCount() >= 2);
        for (int level = 1; level < slide->levelCount(); ++level) {
            const RgbaImage img = slide->readRegion(level, 256, 256, 16, 16);
            QVERIFY2(maxDeviation(img, {128, 128, 128}) <= 3,
                     qPrintable(QStringLiteral("level %1: %2").arg(level).arg(describe(img.pixel(3, 3)))));
        }
    }

    // Transparent input is composited on white; partly transparent mixes.
    void alphaIsCompositedOnWhite_data() {
        QTest::addColumn<int>("r");
        QTest::addColumn<int>("g");
        QTest::addColumn<int>("b");
        QTest::addColumn<int>("a");
        QTest::addColumn<int>("er");
        QTest::addColumn<int>("eg");
        QTest::addColumn<int>("eb");
        QTest::newRow("transparent black") << 0 << 0 << 0 << 0 << 255 << 255 << 255;
        QTest::newRow("transparent red") << 255 << 0 << 0 << 0 << 255 << 255 << 255;
        QTest::newRow("half black") << 0 << 0 << 0 << 128 << 127 << 127 << 127;
        QTest::newRow("quarter blue") << 0 << 0 << 255 << 64 << 191 << 191 << 255;
        QTest::newRow("opaque") << 10 << 100 << 200 << 255 << 10 << 100 << 200;
    }
    void alphaIsCompositedOnWhite() {
        QFETCH(int, r);
        QFETCH(int, g);
        QFETCH(int, b);
        QFETCH(int, a);
        QFETCH(int, er);
        QFETCH(int, eg);
        QFETCH(int, eb);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = toPath(dir.filePath("alpha.tiff"));
        const int w = 128, h = 64;
        {
            PyramidTiffWriter writer(path, w, h, PyramidTiffOptions{});
            std::vector<std::uint8_t> row(static_cast<std::size_t>(w) * 4);
            for (int x = 0; x < w; ++x) {
                row[x * 4 + 0] = static_cast<std::uint8_t>(r);
                row[x * 4 + 1] = static_cast<std::uint8_t>(g);
                row[x * 4 + 2] = static_cast<std::uint8_t>(b);
                row[x * 4 + 3] = static_cast<std::uint8_t>(a);
            }
            for (int y = 0; y < h; ++y) writer.appendRow(row.data());
            QCOMPARE(writer.levelCount(), 1);
            writer.finish();
        }
        const auto slide = openSlide(path);
        const RgbaImage img = slide->readRegion(0, 0, 0, w, h);
        QVERIFY2(maxDeviation(img, {er, eg, eb}) <= 3, qPrintable(describe(img.pixel(5, 5))));
    }

    void regionsOutsideAreTransparent_data() {
        QTest::addColumn<int>("level");
        QTest::addColumn<qint64>("x");
        QTest::addColumn<qint64>("y");
        QTest::addColumn<int>("w");
        QTest::addColumn<int>("h");
        QTest::addColumn<int>("opaqueColumns");  // leftmost columns inside, -1: none
        QTest::addColumn<int>("opaqueRows");
        // Slide 1024 x 768 (levels 1024x768, 512x384).
        QTest::newRow("right of the slide") << 0 << qint64(2000) << qint64(0) << 32 << 32 << 0 << 0;
        QTest::newRow("below the slide") << 1 << qint64(0) << qint64(5000) << 32 << 32 << 0 << 0;
        QTest::newRow("above-left") << 0 << qint64(-100) << qint64(-100) << 50 << 50 << 0 << 0;
        QTest::newRow("straddles right edge l0") << 0 << qint64(1024 - 10) << qint64(100) << 32 << 8 << 10 << 8;
        QTest::newRow("straddles bottom edge l0") << 0 << qint64(100) << qint64(768 - 5) << 8 << 20 << 8 << 5;
        QTest::newRow("straddles right edge l1") << 1 << qint64(1024 - 20) << qint64(100) << 32 << 8 << 10 << 8;
        QTest::newRow("straddles bottom-right corner l1")
            << 1 << qint64(1024 - 8) << qint64(768 - 12) << 16 << 16 << 4 << 6;
    }
    void regionsOutsideAreTransparent() {
        QFETCH(int, level);
        QFETCH(qint64, x);
        QFETCH(qint64, y);
        QFETCH(int, w);
        QFETCH(int, h);
        QFETCH(int, opaqueColumns);
        QFETCH(int, opaqueRows);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = toPath(dir.filePath("edges.tiff"));
        PyramidTiffOptions opts;
        const CellPattern pattern{1024, 768, 256, 256};
        QCOMPARE(writePatternPyramid(path, pattern, opts), 2);
        const auto slide = openSlide(path);
        const RgbaImage img = slide->readRegion(level, x, y, w, h);
        QCOMPARE(img.width, w);
        QCOMPARE(img.height, h);
        for (int py = 0; py < h; ++py) {
            for (int px = 0; px < w; ++px) {
                const std::uint8_t* p = img.pixel(px, py);
                const bool inside = px < opaqueColumns && py < opaqueRows;
                if (inside) {
                    QVERIFY2(p[3] == 255, qPrintable(QStringLiteral("%1,%2 %3").arg(px).arg(py).arg(describe(p))));
                } else {
                    QVERIFY2(p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0,
                             qPrintable(QStringLiteral("%1,%2 %3").arg(px).arg(py).arg(describe(p))));
                }
            }
        }
    }

    void invalidOptionsRejected_data() {
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("height");
        QTest::addColumn<int>("tileSize");
        QTest::addColumn<int>("quality");
        QTest::addColumn<int>("levelStep");
        QTest::newRow("zero width") << 0 << 10 << 256 << 85 << 2;
        QTest::newRow("negative height") << 10 << -1 << 256 << 85 << 2;
        QTest::newRow("tile not a multiple of 16") << 100 << 100 << 100 << 85 << 2;
        QTest::newRow("tile too small") << 100 << 100 << 0 << 85 << 2;
        QTest::newRow("quality 0") << 100 << 100 << 256 << 0 << 2;
        QTest::newRow("quality 101") << 100 << 100 << 256 << 101 << 2;
        QTest::newRow("level step 3") << 100 << 100 << 256 << 85 << 3;
        QTest::newRow("level step 8") << 100 << 100 << 256 << 85 << 8;
    }
    void invalidOptionsRejected() {
        QFETCH(int, width);
        QFETCH(int, height);
        QFETCH(int, tileSize);
        QFETCH(int, quality);
        QFETCH(int, levelStep);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = toPath(dir.filePath("bad.tiff"));
        PyramidTiffOptions opts;
        opts.tileSize = tileSize;
        opts.jpegQuality = quality;
        opts.levelStep = levelStep;
        try {
            PyramidTiffWriter writer(path, width, height, opts);
            QFAIL("expected SlideError");
        } catch (const SlideError& e) {
            QVERIFY2(contains(e.what(), path), e.what());
        }
        QVERIFY(filesIn(dir).isEmpty());
    }

    void cannotCreateInMissingFolder() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = toPath(dir.filePath("no/such/folder/out.tiff"));
        try {
            PyramidTiffWriter writer(path, 64, 64, PyramidTiffOptions{});
            QFAIL("expected SlideError");
        } catch (const SlideError& e) {
            QVERIFY2(contains(e.what(), path), e.what());
        }
    }

    void unfinishedFileIsRemoved() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = toPath(dir.filePath("unfinished.tiff"));
        {
            PyramidTiffWriter writer(path, 600, 600, PyramidTiffOptions{});
            QCOMPARE(writer.levelCount(), 2);
            std::vector<std::uint8_t> row(600 * 4, 200);
            for (int y = 0; y < 300; ++y) writer.appendRow(row.data());
            QCOMPARE(writer.rowsWritten(), 300);
            QCOMPARE(filesIn(dir).size(), 1);  // the temporary
            QVERIFY(filesIn(dir).first().startsWith("unfinished.tiff.partial-"));
            try {
                writer.finish();
                QFAIL("finish() with missing rows must throw");
            } catch (const SlideError& e) {
                QVERIFY2(contains(e.what(), path), e.what());
                QVERIFY2(contains(e.what(), "300 of 600"), e.what());
            }
        }
        QVERIFY(filesIn(dir).isEmpty());
    }

    void tooManyRowsRejected() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = toPath(dir.filePath("rows.tiff"));
        PyramidTiffWriter writer(path, 32, 4, PyramidTiffOptions{});
        std::vector<std::uint8_t> row(32 * 4, 255);
        for (int y = 0; y < 4; ++y) writer.appendRow(row.data());
        try {
            writer.appendRow(row.data());
            QFAIL("expected SlideError");
        } catch (const SlideError& e) {
            QVERIFY2(contains(e.what(), path), e.what());
        }
        writer.finish();
        const auto slide = openSlide(path);
        QCOMPARE(slide->width(), std::int64_t{32});
        QCOMPARE(slide->height(), std::int64_t{4});
        QVERIFY(maxDeviation(slide->readRegion(0, 0, 0, 32, 4), {255, 255, 255}) <= 2);
    }
};

QTEST_GUILESS_MAIN(TestPyramidTiffWriter)
#include "tst_pyramid_tiff_writer.moc"
