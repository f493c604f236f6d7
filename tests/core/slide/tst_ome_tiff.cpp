// OME-TIFF backend against an independent writer and decoder: the corpus is
// written by python3-tifffile with PIL-encoded JPEG / JPEG 2000 tiles
// (make_ome_tiff_corpus.py), with each level's expected samples beside it;
// auto-contrast windows are checked against numpy, Aperio JPEG 2000 tiles
// against python3-openslide; every bad file must fail with a message naming
// it and the fault.
#include "core/slide/OmeTiffSlide.h"
#include "core/slide/OmeXml.h"
#include "core/slide/TiffHandlePool.h"
#include "core/slide/TiffLevel.h"
#include "tests/core/TestSupport.h"
#include "tests/core/slide/ChannelChecks.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>

using namespace hescape;
using namespace hescape::test;

class TestOmeTiff : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

    QString file(const QString& name) const { return dir_.filePath(name); }
    std::unique_ptr<Slide> open(const QString& name) const { return openSlide(file(name).toStdString()); }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        const auto r = hescape::test::runProcess(QStringLiteral(HESCAPE_TEST_PYTHON),
                                                 {QStringLiteral(HESCAPE_SOURCE_DIR "/tests/core/slide/make_ome_tiff_corpus.py"), dir_.path()});
        QVERIFY2(r.finished && r.exitCode == 0, r.err.constData());
    }

    void rgbPyramidsMatchTheirSamples_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("tolerance");
        QTest::newRow("uncompressed, SubIFDs") << "he_none.ome.tif" << 0;
        QTest::newRow("deflate, BigTIFF SubIFDs") << "he_zlib.ome.tif" << 0;
        // libtiff's libjpeg and PIL's decode the same YCbCr 4:2:0 streams.
        QTest::newRow("JPEG YCbCr, nm units") << "he_jpeg.ome.tif" << 1;
    }
    void rgbPyramidsMatchTheirSamples() {
        QFETCH(QString, name);
        QFETCH(int, tolerance);
        const auto slide = open(name);
        QCOMPARE(slide->format(), std::string("ome-tiff"));
        QVERIFY(!slide->channelDisplay());
        QCOMPARE(slide->levelCount(), 3);
        QCOMPARE(slide->width(), 1100);
        QCOMPARE(slide->height(), 900);
        QCOMPARE(slide->level(2).width, 275);
        QCOMPARE(slide->level(2).downsample, 4.0);
        QVERIFY(slide->micronsPerPixel());
        QVERIFY(std::abs(slide->micronsPerPixel()->x - 0.69) < 1e-9);
        QCOMPARE(slide->micronsPerPixelSource(), std::string("OME-XML PhysicalSizeX/Y"));
        for (int k = 0; k < 3; ++k) {
            const auto& lv = slide->level(k);
            const auto expected = readRaw(file(QStringLiteral("%1.level%2.raw").arg(name).arg(k)));
            QCOMPARE(expected.size(), static_cast<std::size_t>(lv.width * lv.height * 3));
            const RgbaImage img = slide->readRegion(k, 0, 0, static_cast<int>(lv.width), static_cast<int>(lv.height));
            int worst = 0;
            for (std::size_t i = 0; i < static_cast<std::size_t>(lv.width * lv.height); ++i) {
                for (int ch = 0; ch < 3; ++ch) worst = std::max(worst, std::abs(img.pixels[i * 4 + ch] - expected[i * 3 + ch]));
                QCOMPARE(img.pixels[i * 4 + 3], std::uint8_t{255});
            }
            QVERIFY2(worst <= tolerance, qPrintable(QStringLiteral("level %1: largest difference %2").arg(k).arg(worst)));
        }
        // A region across tile borders and off the left edge: outside is transparent.
        const RgbaImage part = slide->readRegion(1, -20, 500, 300, 3);
        const auto expected = readRaw(file(QStringLiteral("%1.level1.raw").arg(name)));
        QCOMPARE(part.pixel(0, 0)[3], std::uint8_t{0});
        QCOMPARE(part.pixel(9, 0)[3], std::uint8_t{0});
        const std::size_t i = (250 * 550 + 0) * 3;  // level-1 pixel (0, 250) is part (10, 0)
        QVERIFY(std::abs(part.pixel(10, 0)[0] - expected[i]) <= tolerance);
        QCOMPARE(part.pixel(10, 0)[3], std::uint8_t{255});
    }

    void fluorescenceChannelsAndMetadata() {
        const auto slide = open("fluo_4ch.ome.tif");
        const auto state = slide->channelDisplay();
        QVERIFY(state);
        QCOMPARE(slide->levelCount(), 3);
        QCOMPARE(slide->micronsPerPixel()->x, 0.2125);
        const auto& ch = state->channels();
        QCOMPARE(ch.size(), std::size_t{4});
        QCOMPARE(ch[0].name, std::string("DAPI"));
        QCOMPARE(ch[3].name, std::string("PanCK"));
        QCOMPARE(ch[0].bitsPerSample, 16);
        // OME Color is RGBA as a signed int: -16776961 = 0xFF0000FF is red.
        QCOMPARE(ch[0].defaultColour, (Rgb8{255, 0, 0}));
        QCOMPARE(ch[1].defaultColour, (Rgb8{0, 255, 0}));
        QCOMPARE(ch[2].defaultColour, (Rgb8{255, 255, 0}));
        QCOMPARE(ch[3].defaultColour, (Rgb8{0, 0, 255}));
        for (std::size_t c = 0; c < 4; ++c) checkChannelLevels(*slide, file("fluo_4ch.ome.tif"), c, 16, 100, 4100);
    }

    void automaticWindowsAreNumpysPercentiles() {
        const auto slide = open("fluo_4ch.ome.tif");
        const auto& ch = slide->channelDisplay()->channels();
        // The coarsest level has 4 tiles, so every sample is in the histogram.
        for (std::size_t c = 0; c < ch.size(); ++c) {
            const QString raw = file(QStringLiteral("fluo_4ch.ome.tif.c%1.level2.raw").arg(c));
            const auto r = hescape::test::runPython(QStringLiteral(
                "import sys, numpy as np\n"
                "a = np.sort(np.fromfile(sys.argv[1], np.uint16))\n"
                "n = a.size - 1\n"
                "print(a[int(np.floor(0.001 * n))], a[int(np.floor(0.999 * n))])\n"), {raw});
            QVERIFY2(r.exitCode == 0, r.err.constData());
            const auto parts = QString::fromUtf8(r.out).split(' ');
            QCOMPARE(ch[c].autoLow, parts[0].toDouble());
            QCOMPARE(ch[c].autoHigh, parts[1].trimmed().toDouble());
            QVERIFY(ch[c].autoHigh > ch[c].autoLow);
        }
    }

    void compositeAddsTintedChannels() {
        const auto slide = open("fluo_4ch.ome.tif");
        auto state = slide->channelDisplay();
        auto s = state->settings();
        for (auto& d : s) d.visible = false;
        s[0] = {true, {255, 0, 0}, 100, 2100, 1.0};
        s[1] = {true, {0, 128, 255}, 100, 4100, 2.0};
        state->setSettings(s);
        const auto a = readRaw16(file("fluo_4ch.ome.tif.c0.level1.raw"));
        const auto b = readRaw16(file("fluo_4ch.ome.tif.c1.level1.raw"));
        const RgbaImage img = slide->readRegion(1, 0, 0, 600, 750);
        for (std::size_t i = 0; i < a.size(); i += 37) {
            const int ta = windowed(a[i], 100, 2100), tb = windowed(b[i], 100, 4100, 2.0);
            const auto mix = [](int sum) { return std::min(255, (sum + 127) / 255); };
            QCOMPARE(int(img.pixels[i * 4 + 0]), mix(255 * ta));
            QCOMPARE(int(img.pixels[i * 4 + 1]), mix(128 * tb));
            QCOMPARE(int(img.pixels[i * 4 + 2]), mix(255 * tb));
        }
        const auto before = state->generation();
        state->reset();
        QVERIFY(state->generation() > before);
        QVERIFY(state->settings()[2].visible);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, state->setChannel(0, {true, {1, 2, 3}, 500, 400, 1.0}));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, state->setChannel(0, {true, {1, 2, 3}, 0, 70000, 1.0}));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, state->setChannel(0, {true, {1, 2, 3}, 0, 10, 0.0}));
    }

    void stripsWithReducedIfdPyramids() {
        const auto slide = open("fluo_strips_reduced.ome.tif");
        QCOMPARE(slide->levelCount(), 3);
        QVERIFY(std::abs(slide->micronsPerPixel()->x - 0.325) < 1e-12);  // 325 nm
        const auto state = slide->channelDisplay();
        QCOMPARE(state->channels()[0].name, std::string("Hoechst"));
        QCOMPARE(state->channels()[0].defaultColour, (Rgb8{0, 110, 255}));  // a nuclear stain is blue
        QCOMPARE(slide->properties().at("tiff.pyramid"), std::string("reduced-resolution IFDs"));
        // Window [0, 255] passes 8-bit samples through unchanged.
        for (std::size_t c = 0; c < 2; ++c) checkChannelLevels(*slide, file("fluo_strips_reduced.ome.tif"), c, 8, 0, 255);
    }

    void otherCompressionsAndPlaneFiles_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("reference");
        QTest::addColumn<int>("channels");
        QTest::newRow("LZW strips (tiffcp)") << "single_lzw.ome.tif" << "single_lzw.ome.tif" << 1;
        QTest::newRow("JPEG 2000 16-bit tiles") << "j2k_16bit.ome.tif" << "j2k_16bit.ome.tif" << 1;
        QTest::newRow("one file per channel") << "morphology_focus/ch0000_dapi.ome.tif" << "morphology_focus" << 2;
    }
    void otherCompressionsAndPlaneFiles() {
        QFETCH(QString, name);
        QFETCH(QString, reference);
        QFETCH(int, channels);
        const auto slide = open(name);
        QCOMPARE(slide->channelDisplay()->channels().size(), static_cast<std::size_t>(channels));
        for (int c = 0; c < channels; ++c) checkChannelLevels(*slide, file(reference), static_cast<std::size_t>(c), 16, 0, 5000);
    }

    void xeniumToyMorphologyIsNotBlack() {
        const auto path = hescape::test::toPath(hescape::test::sharedDataPath("xenium_toy_sfe/morphology_focus.ome.tif"));
        const auto slide = openSlide(path);
        QCOMPARE(slide->format(), std::string("ome-tiff"));
        QCOMPARE(slide->width(), 237);
        // The only pixel size in its XML is the original acquisition's, in
        // OriginalMetadata: reported, not used (the image was resampled).
        QVERIFY(!slide->micronsPerPixel());
        QVERIFY(contains(slide->properties().at("ome.PhysicalSize note"), "0.2125"));
        const auto& ch = slide->channelDisplay()->channels()[0];
        QVERIFY(ch.autoHigh <= 255 && ch.autoHigh > ch.autoLow);  // values are 0-255 in uint16
        const RgbaImage img = slide->readRegion(0, 0, 0, 237, 237);
        int bright = 0;
        for (int i = 0; i < 237 * 237; ++i) bright += img.pixels[static_cast<std::size_t>(i) * 4 + 2] > 40;
        QVERIFY2(bright > 237 * 237 / 20, qPrintable(QString::number(bright)));
    }

    void aperioJpeg2000TilesMatchOpenSlide() {
        // A real Aperio SVS with JPEG 2000 tiles (33005, RGB), decoded here
        // through the OME backend's tile reader and by OpenSlide.
        const QString svs = hescape::test::sharedDataPath("wsi_aperio_tcga_hnsc_jp2k/TCGA-CR-7395-01A-01-TS1.svs");
        const std::string path = hescape::test::toPath(svs);
        TiffHandlePool pool(path, 1);
        auto lease = pool.acquire();
        QVERIFY(lease.setMainDirectory(0));
        const TiffLevel lv = describeTiffDirectory(lease.tiff(), path, "IFD 0", QFileInfo(svs).size());
        QCOMPARE(lv.compression, std::uint16_t{33005});
        std::vector<std::uint8_t> tile;
        const std::uint32_t index = lv.tilesAcross() + 1;  // an inner tile
        readTiffTile(lease.tiff(), lv, index, path, tile);
        const int x0 = static_cast<int>(lv.tileWidth), y0 = static_cast<int>(lv.tileHeight);
        const auto r = hescape::test::runPython(QStringLiteral(
            "import sys, openslide\n"
            "s = openslide.OpenSlide(sys.argv[1])\n"
            "im = s.read_region((int(sys.argv[2]), int(sys.argv[3])), 0, (int(sys.argv[4]), int(sys.argv[5]))).convert('RGB')\n"
            "sys.stdout.buffer.write(im.tobytes())\n"),
            {svs, QString::number(x0), QString::number(y0), QString::number(lv.tileWidth), QString::number(lv.tileHeight)});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(static_cast<std::size_t>(r.out.size()), tile.size());
        int worst = 0;
        for (std::size_t i = 0; i < tile.size(); ++i) worst = std::max(worst, std::abs(int(tile[i]) - int(std::uint8_t(r.out[qsizetype(i)]))));
        QVERIFY2(worst <= 1, qPrintable(QStringLiteral("largest difference from OpenSlide: %1").arg(worst)));
    }

    void badFilesNameFileAndFault_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("fault");
        QTest::addColumn<bool>("atOpen");
        QTest::newRow("malformed XML") << "bad_malformed_xml.ome.tif" << "OME-XML is malformed" << true;
        QTest::newRow("XML size disagrees") << "bad_size_mismatch.ome.tif" << "1000 x 256 pixels but its IFD 0 is 256 x 256" << true;
        QTest::newRow("SizeC 0") << "bad_size_c0.ome.tif" << "SizeC is 0" << true;
        QTest::newRow("type disagrees") << "bad_type_mismatch.ome.tif" << "8-bit samples but OME-XML says uint16" << true;
        QTest::newRow("IFD missing") << "bad_missing_ifd.ome.tif" << "IFD 5, which the file does not have" << true;
        QTest::newRow("plane file missing") << "bad_missing_plane_file.ome.tif" << "'absent.ome.tif' that is not beside it" << true;
        QTest::newRow("truncated before the XML") << "bad_truncated.ome.tif" << "the file is truncated" << true;
        QTest::newRow("SubIFD past the end") << "bad_subifd_offset.ome.tif" << "SubIFD 0 starts at byte" << true;
        QTest::newRow("30M x 30M declared") << "bad_huge_declared.ome.tif" << "libtiff cannot read the file" << true;
        QTest::newRow("3M x 3M declared") << "bad_large_declared.ome.tif" << "declares 137334961 tiles" << true;
        QTest::newRow("JPEG 2000 tile of the wrong size") << "bad_j2k_tile_size.ome.tif" << "tile is 128 x 128 pixels" << false;
        QTest::newRow("truncated tiles") << "bad_truncated_tiles.ome.tif" << "IFD 0 tile" << false;
    }
    void badFilesNameFileAndFault() {
        QFETCH(QString, name);
        QFETCH(QString, fault);
        QFETCH(bool, atOpen);
        const std::string path = file(name).toStdString();
        std::string message;
        try {
            const auto slide = openSlide(path);
            QVERIFY2(!atOpen, "opened a file that should have been refused");
            QCOMPARE(slide->format(), std::string("ome-tiff"));
            slide->readRegion(0, 0, 0, static_cast<int>(slide->width()), static_cast<int>(slide->height()));
        } catch (const SlideError& e) {
            message = e.what();
        }
        QVERIFY2(contains(message, path), message.c_str());
        QVERIFY2(contains(message, fault.toStdString()), message.c_str());
    }

    void omeXmlPlanesFollowDimensionOrder() {
        const std::string xml =
            "<OME><Image><Pixels DimensionOrder=\"XYZCT\" Type=\"uint16\" SizeX=\"4\" SizeY=\"4\" SizeC=\"3\" SizeZ=\"2\" SizeT=\"1\""
            " PhysicalSizeX=\"0.5\" PhysicalSizeXUnit=\"mm\"><Channel Color=\"-1\"/><Channel Color=\"16711935\" Name=\"b\"/>"
            "<Channel/><TiffData FirstC=\"1\" FirstZ=\"0\" IFD=\"10\" PlaneCount=\"2\"/></Pixels></Image></OME>";
        const OmePixels p = parseOmeXml(xml, "x.ome.tif");
        QCOMPARE(p.planeIndex(1, 0, 0), 2);  // Z varies fastest
        QCOMPARE(p.planeLocation(1, 0, 0)->ifd, 10);
        QCOMPARE(p.planeLocation(1, 1, 0)->ifd, 11);
        QVERIFY(!p.planeLocation(0, 0, 0));  // no TiffData covers it
        QCOMPARE(*p.physicalSizeXUm, 500.0);  // one axis given stands for both
        QCOMPARE(*p.physicalSizeYUm, 500.0);
        QVERIFY(!p.channels[0].colour);  // -1 is Bio-Formats' "unset"
        QCOMPARE(*p.channels[1].colour, (std::array<std::uint8_t, 3>{0, 255, 0}));
        const auto unknownUnit = parseOmeXml(
            "<ome:OME xmlns:ome=\"x\"><ome:Image><ome:Pixels SizeX=\"2\" SizeY=\"2\" Type=\"uint8\" PhysicalSizeX=\"1\""
            " PhysicalSizeXUnit=\"parsec\"/></ome:Image></ome:OME>", "y.ome.tif");
        QVERIFY(!unknownUnit.physicalSizeXUm);
        QVERIFY(contains(unknownUnit.physicalSizeNote, "parsec"));
        QVERIFY_THROWS_EXCEPTION(SlideError, parseOmeXml("<OME><Image><Pixels SizeX=\"-3\" SizeY=\"2\"/></Image></OME>", "z"));
        QVERIFY_THROWS_EXCEPTION(SlideError, parseOmeXml("<OME><Image><Pixels SizeX=\"2\" SizeY=\"2\" DimensionOrder=\"XYQ\"/></Image></OME>", "z"));
        QVERIFY_THROWS_EXCEPTION(SlideError, parseOmeXml("<OME/>", "z"));
    }
};

QTEST_GUILESS_MAIN(TestOmeTiff)
#include "tst_ome_tiff.moc"
