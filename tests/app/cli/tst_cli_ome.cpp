// `hescape info` and `hescape convert` on OME-TIFF: info reports levels,
// the pixel size with where it came from, and the channels; convert writes
// the project's pyramidal TIFF (read back by OpenSlide through the core)
// and fails, writing nothing, on a corrupt input.
#include "core/slide/Slide.h"
#include "tests/app/cli/CliProcess.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace hescape;
using namespace hescape::test;

class TestCliOme : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        const auto r = runProcess(QStringLiteral(HESCAPE_TEST_PYTHON),
                                  {QStringLiteral(HESCAPE_SOURCE_DIR "/tests/core/slide/make_ome_tiff_corpus.py"), dir_.path()});
        QVERIFY2(r.finished && r.exitCode == 0, r.err.constData());
    }

    void infoJsonReportsChannelsAndScaleSource() {
        const auto r = hescapeCli({"info", "--json", dir_.filePath("fluo_4ch.ome.tif")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o["format"].toString(), QStringLiteral("ome-tiff"));
        QCOMPARE(o["levels"].toArray().size(), 3);
        QCOMPARE(o["mpp"].toObject()["x"].toDouble(), 0.2125);
        QCOMPARE(o["mpp"].toObject()["source"].toString(), QStringLiteral("OME-XML PhysicalSizeX/Y"));
        const QJsonArray ch = o["channels"].toArray();
        QCOMPARE(ch.size(), 4);
        QCOMPARE(ch[0].toObject()["name"].toString(), QStringLiteral("DAPI"));
        QCOMPARE(ch[0].toObject()["colour"].toString(), QStringLiteral("#ff0000"));
        QCOMPARE(ch[0].toObject()["bits"].toInt(), 16);
        QVERIFY(ch[0].toObject()["auto_high"].toDouble() > ch[0].toObject()["auto_low"].toDouble());
        const auto rgb = hescapeCli({"info", "--json", dir_.filePath("he_jpeg.ome.tif")});
        QVERIFY(QJsonDocument::fromJson(rgb.out).object()["channels"].isNull());
        const auto text = hescapeCli({"info", dir_.filePath("he_jpeg.ome.tif")});
        QVERIFY(text.out.contains("microns per pixel: 0.69 x 0.69\nmicrons per pixel from: OME-XML PhysicalSizeX/Y\n"));
        QVERIFY(text.out.contains("tiff.pyramid = SubIFDs"));
    }

    void convertWritesThePyramidalTiff() {
        const QString out = dir_.filePath("he.tiff");
        const auto r = hescapeCli({"convert", dir_.filePath("he_zlib.ome.tif"), out, "--quality", "100"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto slide = openSlide(toPath(out));
        QCOMPARE(slide->format(), std::string("generic-tiff"));
        QCOMPARE(slide->width(), 1100);
        QCOMPARE(slide->height(), 900);
        QVERIFY(std::abs(slide->micronsPerPixel()->x - 0.69) < 1e-6);  // carried over from the OME-XML
        // Same pixels up to JPEG at quality 100.
        const auto source = openSlide(toPath(dir_.filePath("he_zlib.ome.tif")));
        const RgbaImage a = source->readRegion(0, 300, 200, 64, 64), b = slide->readRegion(0, 300, 200, 64, 64);
        double diff = 0;
        for (std::size_t i = 0; i < a.pixels.size(); ++i) diff += std::abs(int(a.pixels[i]) - int(b.pixels[i]));
        QVERIFY2(diff / a.pixels.size() < 3.0, qPrintable(QString::number(diff / a.pixels.size())));
    }

    void convertOfACorruptInputFailsAndWritesNothing() {
        const QString out = dir_.filePath("bad.tiff");
        const auto r = hescapeCli({"convert", dir_.filePath("bad_truncated_tiles.ome.tif"), out});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("bad_truncated_tiles.ome.tif"), r.err.constData());
        QVERIFY(!QFileInfo::exists(out));
    }
};

QTEST_GUILESS_MAIN(TestCliOme)
#include "tst_cli_ome.moc"
