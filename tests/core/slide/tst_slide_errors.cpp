// Bad input: missing, empty, mislabelled, truncated and corrupt files,
// folders, images too large to decode, and invalid region reads. Every
// failure is a SlideError (never a crash) whose message names the file.
#include "core/slide/ImageDecoder.h"
#include "core/slide/PlainImageSlide.h"
#include "core/slide/Slide.h"
#include "tests/core/TestSupport.h"

#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

using namespace hescape;
using namespace hescape::test;

namespace {

const QString kCmu = QStringLiteral("wsi_aperio_cmu1_small_region/CMU-1-Small-Region.svs");
const QString kIhc = QStringLiteral("ihc_skimage_debian/ihc.png");
const QString kLargeJpeg = QStringLiteral("her2st_breast_st/B4_HE.jpg");
const CellPattern kPyramidPattern{2048, 1536, 256, 256};

// Opens `path` and reads every level completely; returns the SlideError's
// message, or an empty string when nothing threw.
std::string openAndReadAll(const std::string& path, int* levelsSeen = nullptr) {
    try {
        const auto slide = openSlide(path);
        if (levelsSeen) *levelsSeen = slide->levelCount();
        for (int level = 0; level < slide->levelCount(); ++level) {
            const SlideLevel& lv = slide->level(level);
            for (std::int64_t y = 0; y < lv.height; y += 512) {
                for (std::int64_t x = 0; x < lv.width; x += 512) {
                    slide->readRegion(level, static_cast<std::int64_t>(static_cast<double>(x) * lv.downsample),
                                      static_cast<std::int64_t>(static_cast<double>(y) * lv.downsample), 512, 512);
                }
            }
        }
    } catch (const SlideError& e) {
        return e.what();
    }
    return {};
}

}  // namespace

class TestSlideErrors : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    QString pyramid_;  // a valid generated pyramid (3 levels)
    QString jpeg_;     // a valid generated JPEG
    QString png_;      // a valid generated PNG

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        pyramid_ = dir_.filePath("valid.tiff");
        PyramidTiffOptions opts;
        opts.tileSize = 128;
        QCOMPARE(writePatternPyramid(toPath(pyramid_), kPyramidPattern, opts), 3);
        QCOMPARE(openAndReadAll(toPath(pyramid_)), std::string());

        const QImage img = CellPattern{800, 600, 100, 100}.toImage();
        jpeg_ = dir_.filePath("valid.jpg");
        png_ = dir_.filePath("valid.png");
        QVERIFY(img.save(jpeg_, "JPEG", 90));
        QVERIFY(img.save(png_, "PNG"));
        QCOMPARE(openAndReadAll(toPath(jpeg_)), std::string());
        QCOMPARE(openAndReadAll(toPath(png_)), std::string());
    }

    void openFails_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("fileName");
        QTest::addColumn<QString>("expect");  // part of the message after the path
        QTest::newRow("missing file") << "missing" << "nope.svs" << "no such file";
        QTest::newRow("empty file") << "empty" << "empty.svs" << "empty";
        QTest::newRow("text renamed .svs") << "text" << "notes.svs" << "neither";
        QTest::newRow("text renamed .tiff") << "text" << "notes.tiff" << "neither";
        QTest::newRow("folder") << "folder" << "folder.svs" << "folder";
        QTest::newRow("TIFF magic, garbage after") << "tiffmagic" << "garbage.tif" << "";
        QTest::newRow("PNG signature only") << "pngmagic" << "sig.png" << "";
        QTest::newRow("JPEG SOI only") << "jpegmagic" << "soi.jpg" << "";
        QTest::newRow("truncated JPEG (header intact)") << "truncjpeg" << "trunc.jpg" << "truncated";
        QTest::newRow("truncated JPEG to 10%") << "truncjpeg10" << "trunc10.jpg" << "";
        QTest::newRow("truncated PNG") << "truncpng" << "trunc.png" << "PNG";
        // The demo's C3.tiff cut at 50 %: its directory was at the end.
        QTest::newRow("demo TIFF cut at 50%") << "trunctiff" << "C3.tiff" << "the file is truncated: TIFF directory 0 is at byte";
        // libjpeg shows damaged scan data as a grey stretch and only warns.
        QTest::newRow("corrupt JPEG scan data") << "corruptscan" << "scan.jpg" << "corrupt JPEG data near row";
        QTest::newRow("CMYK JPEG (Pillow)") << "cmyk" << "cmyk.jpg" << "CMYK JPEG";
        QTest::newRow("path with spaces and UTF-8") << "text" << "dossier été/lame ü.svs" << "neither";
    }

    void openFails() {
        QFETCH(QString, kind);
        QFETCH(QString, fileName);
        QFETCH(QString, expect);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString file = dir.filePath(fileName);
        QVERIFY(QDir().mkpath(QFileInfo(file).absolutePath()));
        if (kind == "empty") QVERIFY(writeFile(file, {}));
        else if (kind == "text") QVERIFY(writeFile(file, "This is not a slide, just some notes.\n"));
        else if (kind == "folder") QVERIFY(QDir().mkpath(file));
        else if (kind == "tiffmagic") QVERIFY(writeFile(file, QByteArray("II*\0", 4) + QByteArray(4000, '\xab')));
        else if (kind == "pngmagic") QVERIFY(writeFile(file, QByteArray("\x89PNG\r\n\x1a\n", 8)));
        else if (kind == "jpegmagic") QVERIFY(writeFile(file, QByteArray("\xff\xd8\xff", 3)));
        else if (kind == "truncjpeg") QVERIFY(truncateFile(jpeg_, file, 0.5));
        else if (kind == "truncjpeg10") QVERIFY(truncateFile(jpeg_, file, 0.1));
        else if (kind == "truncpng") QVERIFY(truncateFile(png_, file, 0.5));
        else if (kind == "trunctiff") QVERIFY(truncateFile(QStringLiteral(HESCAPE_SOURCE_DIR "/resources/demo/her2st/C3.tiff"), file, 0.5));
        else if (kind == "corruptscan") {
            QFile f(jpeg_);
            QVERIFY(f.open(QIODevice::ReadOnly));
            QByteArray bytes = f.readAll();
            for (qsizetype i = bytes.size() / 2; i < bytes.size() / 2 + 300; ++i) bytes[i] = '\x37';
            QVERIFY(writeFile(file, bytes));
        } else if (kind == "cmyk") {
            const auto r = runPython("import sys; from PIL import Image; Image.new('CMYK', (64, 48), (0, 60, 120, 10)).save(sys.argv[1], 'JPEG')", {file});
            QVERIFY2(r.exitCode == 0, r.err.constData());
        }
        else QCOMPARE(kind, QStringLiteral("missing"));

        const std::string path = toPath(file);
        try {
            openSlide(path);
            QFAIL("openSlide() must throw");
        } catch (const ImageTooLargeError&) {
            QFAIL("not an ImageTooLargeError");
        } catch (const SlideError& e) {
            QVERIFY2(contains(e.what(), path), e.what());
            QVERIFY2(contains(e.what(), expect.toStdString()), e.what());
        }
    }

    // Inputs the tiff fuzz campaign stopped on inside OpenSlide (4-370 GB
    // allocations from a declared tag count or tile size): refused before
    // OpenSlide sees them, naming the directory and what it declares.
    void corruptTiffDirectories_data() {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("expect");
        QTest::newRow("tile 8257792 x 11264 px") << "crash-bb4ada7fb4b933b98a633742fcf074018b910803"
                                                  << "declares tiles of 8257792 x 11264 px for an image of 600 x 500 px";
        QTest::newRow("tile 256 x 11264 px, a rational past the end")
            << "crash-c10c80075c9b886ff025e7aea2872e8c75b7a609" << "tag 282 declares 4211081215 values of 8 bytes";
        QTest::newRow("ImageLength of 1073741825 values") << "oom-2b099b478df93f95b5d64143769a952fec1f8a83"
                                                          << "tag 257 declares 1073741825 values of 4 bytes at byte 3000000, past the end of the file (203 bytes)";
    }
    void corruptTiffDirectories() {
        QFETCH(QString, input);
        QFETCH(QString, expect);
        const std::string path = HESCAPE_SOURCE_DIR "/fuzz/corpus/tiff/" + input.toStdString();
        try {
            openSlide(path);
            QFAIL("openSlide() must throw");
        } catch (const SlideError& e) {
            QVERIFY2(contains(e.what(), path + ": TIFF directory 0"), e.what());
            QVERIFY2(contains(e.what(), expect.toStdString()), e.what());
        }
    }

    // A TIFF directory chain that loops, or starts past the end of the file.
    void tiffDirectoryChain_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("expect");
        // Header, then one directory of zero entries at byte 8 whose next pointer is 8 again.
        QTest::newRow("loop") << QByteArray("II*\0\x08\0\0\0\0\0\x08\0\0\0", 14) << "TIFF directory 1 at byte 8 loops back";
        QTest::newRow("first directory past the end") << QByteArray("II*\0\x00\x10\0\0\0\0\0\0", 12)
                                                      << "the file is truncated: TIFF directory 0 is at byte 4096 but the file has 12 bytes";
    }
    void tiffDirectoryChain() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, expect);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString file = dir.filePath("chain.tif");
        QVERIFY(writeFile(file, bytes));
        try {
            openSlide(toPath(file));
            QFAIL("openSlide() must throw");
        } catch (const SlideError& e) {
            QVERIFY2(contains(e.what(), expect.toStdString()), e.what());
        }
    }

    // A pyramid cut short anywhere: opening it or reading it throws.
    void truncatedPyramid_data() {
        QTest::addColumn<double>("fraction");
        for (const double f : {0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.97, 0.995}) {
            QTest::addRow("%.1f%%", f * 100) << f;
        }
    }
    void truncatedPyramid() {
        QFETCH(double, fraction);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString file = dir.filePath("truncated.tiff");
        QVERIFY(truncateFile(pyramid_, file, fraction));
        const std::string path = toPath(file);
        int levels = -1;
        const std::string error = openAndReadAll(path, &levels);
        if (!error.empty()) {
            QVERIFY2(contains(error, path), error.c_str());
            return;
        }
        // Cut only after level 0's tiles and directory: OpenSlide refuses the
        // file (dangling IFD chain) and it opens as a plain TIFF of level 0
        // alone. Acceptable only if every pixel it shows is right.
        const auto slide = openSlide(path);
        QCOMPARE(QString::fromStdString(slide->format()), QStringLiteral("plain-image"));
        QCOMPARE(slide->width(), std::int64_t{2048});
        QCOMPARE(slide->height(), std::int64_t{1536});
        for (const auto& s : kPyramidPattern.samples()) {
            const RgbaImage img = slide->readRegion(0, s.x, s.y, 4, 4);
            QVERIFY2(maxDeviation(img, s.colour) <= 6, qPrintable(describe(img.pixel(0, 0))));
        }
    }

    // Tile data overwritten with garbage: the file opens, reading fails.
    void corruptTileData() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString file = dir.filePath("corrupt.tiff");
        QFile in(pyramid_);
        QVERIFY(in.open(QIODevice::ReadOnly));
        QByteArray bytes = in.readAll();
        // Level 0's tiles fill the start of the file (after the 8-byte header).
        for (qsizetype i = 1000; i < bytes.size() / 3; ++i) bytes[i] = static_cast<char>((i * 7) & 0xff);
        QVERIFY(writeFile(file, bytes));
        const std::string path = toPath(file);
        const auto slide = openSlide(path);
        QCOMPARE(slide->levelCount(), 3);
        try {
            slide->readRegion(0, 0, 0, 512, 512);
            QFAIL("reading corrupt tiles must throw");
        } catch (const SlideError& e) {
            QVERIFY2(contains(e.what(), path), e.what());
        }
    }

    void truncatedJpegDecoderNamesFile() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString file = dir.filePath("half.jpg");
        QVERIFY(truncateFile(jpeg_, file, 0.5));
        const std::string path = toPath(file);
        // The header survives, so probing works ...
        const ImageInfo info = probeImage(path);
        QCOMPARE(QString::fromStdString(info.format), QStringLiteral("jpeg"));
        QCOMPARE(info.width, 800);
        QCOMPARE(info.height, 600);
        // ... but decoding refuses the missing rows instead of padding them grey.
        int rows = 0;
        try {
            decodeImage(path, [&](int, const std::uint8_t*) { ++rows; });
            QFAIL("decodeImage() must throw");
        } catch (const SlideError& e) {
            QVERIFY2(contains(e.what(), path), e.what());
            QVERIFY2(contains(e.what(), "truncated"), e.what());
        }
        QVERIFY(rows < 600);
    }

    void decoderErrorsNameFile_data() {
        QTest::addColumn<QString>("content");
        QTest::addColumn<QString>("expect");
        QTest::newRow("missing") << QString() << "cannot open";
        QTest::newRow("empty") << "" << "empty";
        QTest::newRow("text") << "hello" << "not a JPEG, PNG or TIFF";
    }
    void decoderErrorsNameFile() {
        QFETCH(QString, content);
        QFETCH(QString, expect);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString file = dir.filePath("x.png");
        if (!content.isNull()) QVERIFY(writeFile(file, content.toUtf8()));
        const std::string path = toPath(file);
        for (int pass = 0; pass < 2; ++pass) {
            try {
                if (pass == 0) probeImage(path);
                else decodeImage(path, [](int, const std::uint8_t*) {});
                QFAIL("must throw");
            } catch (const SlideError& e) {
                QVERIFY2(contains(e.what(), path), e.what());
                QVERIFY2(contains(e.what(), expect.toStdString()), e.what());
            }
        }
    }

    void imageTooLarge() {
        const QString file = sharedDataPath(kLargeJpeg);
        QVERIFY2(QFileInfo::exists(file), qPrintable("missing " + file));
        const std::string path = toPath(file);
        const ImageInfo info = probeImage(path);
        QCOMPARE(info.width, 9272);
        QCOMPARE(info.height, 9923);
        QVERIFY(std::int64_t{info.width} * info.height > PlainImageSlide::kMaxPixels);
        try {
            openSlide(path);
            QFAIL("expected ImageTooLargeError");
        } catch (const ImageTooLargeError& e) {
            QVERIFY2(contains(e.what(), path), e.what());
            QCOMPARE(e.width, std::int64_t{9272});
            QCOMPARE(e.height, std::int64_t{9923});
        }
    }

    void invalidReads_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("level");
        QTest::addColumn<int>("w");
        QTest::addColumn<int>("h");
        QTest::addColumn<QString>("expect");
        for (const QString& f : {kCmu, kIhc}) {
            const QString tag = f == kCmu ? "aperio" : "plain";
            QTest::addRow("%s: level -1", qPrintable(tag)) << f << -1 << 16 << 16 << "level -1 does not exist";
            QTest::addRow("%s: level 1 of 1", qPrintable(tag)) << f << 1 << 16 << 16 << "level 1 does not exist";
            QTest::addRow("%s: level 99", qPrintable(tag)) << f << 99 << 16 << 16 << "level 99";
            QTest::addRow("%s: zero width", qPrintable(tag)) << f << 0 << 0 << 16 << "empty or negative";
            QTest::addRow("%s: zero height", qPrintable(tag)) << f << 0 << 16 << 0 << "empty or negative";
            QTest::addRow("%s: negative width", qPrintable(tag)) << f << 0 << -5 << 16 << "empty or negative";
            QTest::addRow("%s: negative height", qPrintable(tag)) << f << 0 << 16 << -1 << "empty or negative";
            QTest::addRow("%s: too large", qPrintable(tag)) << f << 0 << 20000 << 20000 << "larger than";
        }
    }
    void invalidReads() {
        QFETCH(QString, file);
        QFETCH(int, level);
        QFETCH(int, w);
        QFETCH(int, h);
        QFETCH(QString, expect);
        const std::string path = toPath(sharedDataPath(file));
        const auto slide = openSlide(path);
        try {
            slide->readRegion(level, 0, 0, w, h);
            QFAIL("readRegion() must throw");
        } catch (const SlideError& e) {
            QVERIFY2(contains(e.what(), path), e.what());
            QVERIFY2(contains(e.what(), expect.toStdString()), e.what());
        }
        if (level != 0) {
            QVERIFY_THROWS_EXCEPTION(SlideError, slide->level(level));
        }
        // The slide still works afterwards.
        const RgbaImage ok = slide->readRegion(0, 100, 100, 8, 8);
        QCOMPARE(static_cast<int>(ok.pixel(4, 4)[3]), 255);
    }
};

QTEST_GUILESS_MAIN(TestSlideErrors)
#include "tst_slide_errors.moc"
