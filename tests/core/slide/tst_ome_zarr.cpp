// OME-Zarr backend (and the Zarr array reader under it) against independent
// writers: Zarr v2 stores written by python3-zarr with numcodecs' blosc, zstd,
// zlib and gzip, their expected samples read back by python3-zarr; Zarr v3
// stores (sharded and not) laid out from the specification with numcodecs
// codecs (make_ome_zarr_corpus.py). Every bad store must fail with a message
// naming it and the fault.
#include "core/io/ZarrArray.h"
#include "core/slide/OmeZarrSlide.h"
#include "tests/core/TestSupport.h"
#include "tests/core/slide/ChannelChecks.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>

using namespace hescape;
using namespace hescape::test;

class TestOmeZarr : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

    QString file(const QString& name) const { return dir_.filePath(name); }
    std::unique_ptr<Slide> open(const QString& name) const { return openSlide(file(name).toStdString()); }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        const auto r = hescape::test::runProcess(QStringLiteral(HESCAPE_TEST_PYTHON),
                                                 {QStringLiteral(HESCAPE_SOURCE_DIR "/tests/core/slide/make_ome_zarr_corpus.py"), dir_.path()});
        QVERIFY2(r.finished && r.exitCode == 0, r.err.constData());
    }

    void crc32cIsCastagnoli() {
        const std::string check = "123456789";
        QCOMPARE(crc32c(reinterpret_cast<const std::uint8_t*>(check.data()), check.size()), 0xE3069283u);
        QCOMPARE(crc32c(nullptr, 0), 0u);
    }

    void rgbImagesMatchTheirSamples_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("levels");
        QTest::addColumn<double>("mpp");
        QTest::newRow("NGFF 0.4, Zarr v2, blosc") << "he_v2_blosc.zarr" << 3 << 0.5;
        QTest::newRow("NGFF 0.5, Zarr v3, sharded blosc, empty inner chunks") << "he_v3_sharded.zarr" << 2 << 0.25;
    }
    void rgbImagesMatchTheirSamples() {
        QFETCH(QString, name);
        QFETCH(int, levels);
        QFETCH(double, mpp);
        const auto slide = open(name);
        QCOMPARE(slide->format(), std::string("ome-zarr"));
        QVERIFY(!slide->channelDisplay());
        QCOMPARE(slide->levelCount(), levels);
        QVERIFY(slide->micronsPerPixel());
        QVERIFY(std::abs(slide->micronsPerPixel()->x - mpp) < 1e-12);
        QCOMPARE(slide->micronsPerPixelSource(), std::string("OME-NGFF level-0 scale (micrometer)"));
        for (int k = 0; k < levels; ++k) {
            const auto& lv = slide->level(k);
            const auto expected = readRawSamples(file(QStringLiteral("%1.level%2.raw").arg(name).arg(k)), 8);
            QCOMPARE(expected.size(), static_cast<std::size_t>(lv.width * lv.height * 3));
            const RgbaImage img = slide->readRegion(k, 0, 0, static_cast<int>(lv.width), static_cast<int>(lv.height));
            int bad = 0;
            for (std::size_t i = 0; i < expected.size() / 3 && bad < 5; ++i)
                for (int ch = 0; ch < 3; ++ch)
                    if (img.pixels[i * 4 + static_cast<std::size_t>(ch)] != expected[i * 3 + static_cast<std::size_t>(ch)]) ++bad;
            QCOMPARE(bad, 0);
        }
        // A region hanging over the edge: outside is transparent, inside matches.
        const RgbaImage edge = slide->readRegion(0, slide->width() - 10, -5, 20, 20);
        QCOMPARE(int(edge.pixel(15, 10)[3]), 0);
        QCOMPARE(int(edge.pixel(2, 2)[3]), 0);
        QCOMPARE(int(edge.pixel(5, 10)[3]), 255);
    }

    void channelImagesMatchTheirSamples_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("channels");
        QTest::addColumn<int>("bits");
        QTest::newRow("NGFF 0.4, zstd, czyx, chunks of 2 channels") << "fluo_v2_zstd.zarr" << 4 << 16;
        QTest::newRow("yx, big-endian, zlib, a missing chunk") << "gray_v2_zlib_be.zarr" << 1 << 16;
        QTest::newRow("8-bit, gzip") << "nounit_v2_gzip.zarr" << 2 << 8;
        QTest::newRow("NGFF 0.5, Zarr v3, zstd") << "fluo_v3_zstd.zarr" << 3 << 16;
        QTest::newRow("NGFF 0.5, tcyx, shard index at start, gzip, big-endian") << "fluo_v3_shard_start.zarr" << 2 << 16;
    }
    void channelImagesMatchTheirSamples() {
        QFETCH(QString, name);
        QFETCH(int, channels);
        QFETCH(int, bits);
        const auto slide = open(name);
        QVERIFY(slide->channelDisplay());
        QCOMPARE(static_cast<int>(slide->channelDisplay()->channels().size()), channels);
        for (int c = 0; c < channels; ++c) {
            QCOMPARE(slide->channelDisplay()->channels()[static_cast<std::size_t>(c)].bitsPerSample, bits);
            // The whole range, and a 256-wide window where every sample value maps to its own intensity.
            checkChannelLevels(*slide, file(name), static_cast<std::size_t>(c), bits, 0, bits == 8 ? 255 : 65535);
            if (bits == 16) checkChannelLevels(*slide, file(name), static_cast<std::size_t>(c), bits, 20000, 20255);
        }
    }

    void metadataAndOmeroChannels() {
        const auto fluo = open("fluo_v2_zstd.zarr");
        // 106.25 nm per pixel, doubled by the multiscale's own scale.
        QVERIFY(std::abs(fluo->micronsPerPixel()->x - 0.2125) < 1e-12);
        QCOMPARE(fluo->micronsPerPixelSource(), std::string("OME-NGFF level-0 scale (nanometer)"));
        QCOMPARE(fluo->level(1).downsample, 2.0);
        QCOMPARE(fluo->properties().at("ome-zarr.shown z"), std::string("0 of 2"));
        QCOMPARE(fluo->properties().at("ome-zarr.version"), std::string("0.4"));
        QCOMPARE(fluo->properties().at("ome-zarr.translation (y, x)"), std::string("6.000000, 10.000000"));
        const auto& ch = fluo->channelDisplay()->channels();
        QCOMPARE(ch[0].name, std::string("DAPI"));
        QCOMPARE(ch[3].name, std::string("18S"));
        QVERIFY((ch[1].defaultColour == Rgb8{0, 255, 0}));
        const auto s = fluo->channelDisplay()->settings();
        QVERIFY(s[0].visible && !s[2].visible);
        QCOMPARE(s[0].low, 100.0);
        QCOMPARE(s[0].high, 30000.0);
        // 18S's omero window ends at 70000, past 16 bits: the automatic window instead, and a note.
        QCOMPARE(s[3].high, ch[3].autoHigh);
        QVERIFY(fluo->properties().count("ome-zarr.channel 3 window note"));

        const auto nounit = open("nounit_v2_gzip.zarr");
        QVERIFY(!nounit->micronsPerPixel());
        QVERIFY(contains(nounit->properties().at("ome-zarr.pixel size note"), "no unit"));
        QCOMPARE(nounit->channelDisplay()->channels()[1].name, std::string("Channel 1"));

        const auto v3 = open("fluo_v3_zstd.zarr");
        QCOMPARE(v3->properties().at("ome-zarr.zarr_format"), std::string("3"));
        QVERIFY(std::abs(v3->micronsPerPixel()->y - 0.2125) < 1e-12);
        QVERIFY((v3->channelDisplay()->channels()[1].defaultColour == Rgb8{255, 0, 255}));
        QVERIFY(contains(open("he_v3_sharded.zarr")->properties().at("ome-zarr.chunks"), "in shards of 3 x 128 x 128"));
    }

    void bioformats2rawRootOpensSeriesZero() {
        const auto slide = open("bf2raw.zarr");
        QCOMPARE(slide->width(), 240);
        checkChannelLevels(*slide, file("nounit_v2_gzip.zarr"), 0, 8, 0, 255);
    }

    void missingChunksAreTheFillValue() {
        const ZarrArray array(file("gray_v2_zlib_be.zarr/0").toStdString());
        QCOMPARE(array.info().dataType, std::string("uint16"));
        QVERIFY(array.info().codecs.bigEndian);
        const auto chunk = array.readChunk({1, 2});
        QCOMPARE(chunk.size(), std::size_t{64 * 64 * 2});
        std::uint16_t v = 0;
        for (std::size_t i = 0; i < chunk.size(); i += 2) {
            std::memcpy(&v, chunk.data() + i, 2);
            if (v != 7) QFAIL("a missing chunk must read as the fill value 7");
        }
        QVERIFY_THROWS_EXCEPTION(ZarrError, array.readChunk({9, 0}));
    }

    // 30,000,000 x 30,000,000 declared, nothing written: opens without allocating it.
    void sparseHugeArrayOpensWithoutAllocating() {
        const auto slide = open("sparse_huge.zarr");
        QCOMPARE(slide->width(), std::int64_t{30'000'000});
        showOnly(*slide->channelDisplay(), 0, 0, 255);
        const RgbaImage img = slide->readRegion(0, 29'999'900, 29'999'900, 200, 200);
        QCOMPARE(int(img.pixel(10, 10)[0]), windowed(3, 0, 255));
        QCOMPARE(int(img.pixel(150, 150)[3]), 0);
    }

    void badStoresNameStoreAndFault_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("fault");
        QTest::addColumn<bool>("atOpen");
        QTest::newRow("truncated blosc chunk") << "bad_truncated_chunk.zarr" << "not a valid blosc buffer" << false;
        QTest::newRow("truncated zstd chunk") << "bad_zstd_bytes.zarr" << "zstd" << false;
        QTest::newRow("shard index crc") << "bad_shard_crc.zarr" << "crc32c checksum mismatch" << false;
        QTest::newRow("shard entry past the end") << "bad_shard_offset.zarr" << "points past the end of the shard" << false;
        QTest::newRow("float samples") << "bad_float.zarr" << "data type 'float32' is not shown" << true;
        QTest::newRow("20 GB chunks declared") << "bad_huge_chunk.zarr" << "rechunk the array" << true;
        QTest::newRow("axes and rank disagree") << "bad_rank.zarr" << "scale must hold 2 numbers, one per axis" << true;
        QTest::newRow("y, x not last") << "bad_axes_order.zarr" << "the last two axes must be 'y' and 'x'" << true;
        QTest::newRow("no axes") << "bad_no_axes.zarr" << "multiscales has no 'axes'" << true;
        QTest::newRow("malformed JSON") << "bad_json.zarr" << ".zattrs" << true;
        QTest::newRow("levels growing") << "bad_level_order.zarr" << "is not smaller than the level above it" << true;
        QTest::newRow("a level missing") << "bad_missing_level.zarr" << "is not a Zarr array" << true;
        QTest::newRow("path leaving the store") << "bad_path_escape.zarr" << "has no usable 'path'" << true;
        QTest::newRow("lz4 compressor") << "bad_compressor.zarr" << "compressor 'lz4' is not supported" << true;
        QTest::newRow("zero scale") << "bad_scale.zarr" << "not a positive number" << true;
        QTest::newRow("filters") << "bad_filters.zarr" << "'filters' are not supported" << true;
        QTest::newRow("Fortran order") << "bad_order_f.zarr" << "Fortran-order arrays are not read" << true;
        QTest::newRow("1000 channels") << "bad_channels.zarr" << "1000 channels; between 1 and 128 are shown" << true;
        QTest::newRow("a folder that is no image") << "plain_folder" << "not an OME-Zarr image" << true;
    }
    void badStoresNameStoreAndFault() {
        QFETCH(QString, name);
        QFETCH(QString, fault);
        QFETCH(bool, atOpen);
        std::string message;
        try {
            const auto slide = open(name);
            QVERIFY2(!atOpen, "opened a store that must be refused");
            for (int k = 0; k < slide->levelCount(); ++k)
                slide->readRegion(k, 0, 0, static_cast<int>(std::min<std::int64_t>(slide->level(k).width, 4096)),
                                  static_cast<int>(std::min<std::int64_t>(slide->level(k).height, 4096)));
            QFAIL("read every level of a damaged store without an error");
        } catch (const SlideError& e) {
            message = e.what();
        }
        QVERIFY2(contains(message, file(name).toStdString()), message.c_str());
        QVERIFY2(contains(message, fault.toStdString()), message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestOmeZarr)
#include "tst_ome_zarr.moc"
