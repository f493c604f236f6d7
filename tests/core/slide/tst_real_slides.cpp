// Real slide files from the shared data sets: metadata (format, levels,
// microns per pixel, objective, associated images) and pixel values, checked
// against an independent reader (python3-openslide / PIL via /usr/bin/python3).
#include "core/slide/Slide.h"
#include "tests/core/TestSupport.h"

#include <QCryptographicHash>
#include <QFileInfo>
#include <QtTest>

#include <cmath>
#include <limits>

using namespace hescape;
using namespace hescape::test;

namespace {

const QString kCmu = QStringLiteral("wsi_aperio_cmu1_small_region/CMU-1-Small-Region.svs");
const QString kTcga = QStringLiteral("wsi_aperio_tcga_hnsc_jp2k/TCGA-CR-7395-01A-01-TS1.svs");
const QString kGeneric = QStringLiteral("wsi_generic_tiff_pyramid_derived/CMU-1-Small-Region.generic-tiled-pyramid.tiff");
const QString kIhc = QStringLiteral("ihc_skimage_debian/ihc.png");

// Prints one hex line of straight RGBA bytes per region "level,x,y,w,h"
// (mode "openslide" or "pil"), or "name width height md5" per associated image.
const QString kReferenceScript = QStringLiteral(R"(
import sys, hashlib
path, mode = sys.argv[1], sys.argv[2]
if mode == 'pil':
    from PIL import Image
    im = Image.open(path).convert('RGBA')
    for spec in sys.argv[3:]:
        level, x, y, w, h = map(int, spec.split(','))
        assert level == 0
        print(im.crop((x, y, x + w, y + h)).tobytes().hex())
else:
    import openslide
    s = openslide.OpenSlide(path)
    if mode == 'assoc':
        for name, img in sorted(s.associated_images.items()):
            print(name, img.size[0], img.size[1], hashlib.md5(img.convert('RGBA').tobytes()).hexdigest())
    else:
        for spec in sys.argv[3:]:
            level, x, y, w, h = map(int, spec.split(','))
            print(s.read_region((x, y), level, (w, h)).convert('RGBA').tobytes().hex())
)");

}  // namespace

class TestRealSlides : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        for (const QString& f : {kCmu, kTcga, kGeneric, kIhc}) {
            QVERIFY2(QFileInfo::exists(sharedDataPath(f)), qPrintable("missing shared data file " + sharedDataPath(f)));
        }
    }

    void metadata_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("format");
        QTest::addColumn<QList<qint64>>("sizes");  // width, height per level
        QTest::addColumn<QList<double>>("downsamples");
        QTest::addColumn<double>("mpp");        // 0: none
        QTest::addColumn<double>("objective");  // 0: none
        QTest::addColumn<QStringList>("associated");

        QTest::newRow("aperio CMU-1 small region")
            << kCmu << "aperio" << QList<qint64>{2220, 2967} << QList<double>{1.0} << 0.499 << 20.0
            << QStringList{"label", "macro", "thumbnail"};
        QTest::newRow("aperio TCGA jp2k, no MPP")
            << kTcga << "aperio" << QList<qint64>{4443, 3567, 2221, 1783} << QList<double>{1.0, 2.0005055500659967}
            << 0.0 << 0.0 << QStringList{"thumbnail"};
        QTest::newRow("generic tiff, 3 levels")
            << kGeneric << "generic-tiff" << QList<qint64>{2220, 2967, 1110, 1483, 555, 741}
            << QList<double>{1.0, 2.000337154416723, 4.002024291497976} << 25400.0 / 50901.8046875 << 0.0
            << QStringList{};
        QTest::newRow("plain PNG") << kIhc << "plain-image" << QList<qint64>{512, 512} << QList<double>{1.0} << 0.0
                                   << 0.0 << QStringList{};
    }

    void metadata() {
        QFETCH(QString, file);
        QFETCH(QString, format);
        QFETCH(QList<qint64>, sizes);
        QFETCH(QList<double>, downsamples);
        QFETCH(double, mpp);
        QFETCH(double, objective);
        QFETCH(QStringList, associated);

        const std::string path = toPath(sharedDataPath(file));
        const auto slide = openSlide(path);
        QCOMPARE(slide->path(), path);
        QCOMPARE(QString::fromStdString(slide->format()), format);
        QCOMPARE(slide->levelCount(), static_cast<int>(downsamples.size()));
        QCOMPARE(static_cast<int>(slide->levels().size()), slide->levelCount());
        for (int i = 0; i < slide->levelCount(); ++i) {
            QCOMPARE(slide->level(i).width, sizes[2 * i]);
            QCOMPARE(slide->level(i).height, sizes[2 * i + 1]);
            QVERIFY2(std::abs(slide->level(i).downsample - downsamples[i]) < 1e-9,
                     qPrintable(QStringLiteral("level %1 downsample %2").arg(i).arg(slide->level(i).downsample, 0, 'g', 17)));
        }
        QCOMPARE(slide->width(), sizes[0]);
        QCOMPARE(slide->height(), sizes[1]);

        const auto m = slide->micronsPerPixel();
        if (mpp > 0) {
            QVERIFY(m.has_value());
            QVERIFY(slide->micronsPerPixelFromFile());
            QVERIFY2(std::abs(m->x - mpp) < 1e-6 && std::abs(m->y - mpp) < 1e-6,
                     qPrintable(QStringLiteral("mpp %1 x %2").arg(m->x).arg(m->y)));
        } else {
            QVERIFY(!m.has_value());
            QVERIFY(!slide->micronsPerPixelFromFile());
        }
        if (objective > 0) {
            QVERIFY(slide->objectivePower().has_value());
            QCOMPARE(*slide->objectivePower(), objective);
        } else {
            QVERIFY(!slide->objectivePower().has_value());
        }

        QStringList names;
        for (const auto& n : slide->associatedImageNames()) names << QString::fromStdString(n);
        names.sort();
        QCOMPARE(names, associated);

        const auto& props = slide->properties();
        if (format == "plain-image") {
            QCOMPARE(QString::fromStdString(props.at("plain-image.format")), QStringLiteral("png"));
            QCOMPARE(QString::fromStdString(props.at("plain-image.width")), QString::number(sizes[0]));
        } else {
            QCOMPARE(QString::fromStdString(props.at("openslide.vendor")), format);
        }
    }

    void aperioProperties() {
        const auto slide = openSlide(toPath(sharedDataPath(kCmu)));
        const auto& props = slide->properties();
        QCOMPARE(QString::fromStdString(props.at("aperio.AppMag")), QStringLiteral("20"));
        QCOMPARE(QString::fromStdString(props.at("aperio.MPP")), QStringLiteral("0.4990"));
        QCOMPARE(QString::fromStdString(props.at("openslide.quickhash-1")),
                 QStringLiteral("6335ea0e6cc54c2cba64bb265d3c713a50cd84484924e3a9c109558c13521d5c"));
    }

    void associatedImagesMatchReference() {
        const QString file = sharedDataPath(kCmu);
        const auto slide = openSlide(toPath(file));
        const ProcessResult py = runPython(kReferenceScript, {file, "assoc"});
        QVERIFY2(py.finished && py.exitCode == 0, py.err.constData());
        const QList<QByteArray> lines = py.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 3);

        const QMap<QString, QSize> expectedSizes{
            {"label", QSize(387, 463)}, {"macro", QSize(1280, 431)}, {"thumbnail", QSize(574, 768)}};
        for (const QByteArray& line : lines) {
            const QList<QByteArray> f = line.split(' ');
            QCOMPARE(f.size(), 4);
            const QString name = QString::fromLatin1(f[0]);
            const RgbaImage img = slide->readAssociatedImage(name.toStdString());
            QCOMPARE(QSize(img.width, img.height), expectedSizes.value(name));
            QCOMPARE(img.width, f[1].toInt());
            QCOMPARE(img.height, f[2].toInt());
            QCOMPARE(img.byteSize(), static_cast<std::size_t>(img.width) * img.height * 4);
            // Real pictures: opaque, and not one flat colour.
            const std::uint8_t* centre = img.pixel(img.width / 2, img.height / 2);
            QCOMPARE(static_cast<int>(centre[3]), 255);
            int minR = 255, maxR = 0;
            for (int y = 0; y < img.height; y += 7) {
                for (int x = 0; x < img.width; x += 7) {
                    minR = std::min<int>(minR, img.pixel(x, y)[0]);
                    maxR = std::max<int>(maxR, img.pixel(x, y)[0]);
                }
            }
            QVERIFY2(maxR - minR > 50, qPrintable(name + " looks flat"));
            const QByteArray md5 = QCryptographicHash::hash(
                QByteArrayView(img.pixels.data(), static_cast<qsizetype>(img.pixels.size())), QCryptographicHash::Md5);
            QCOMPARE(md5.toHex(), f[3]);
        }
    }

    void associatedImageMissingNamesFile_data() {
        QTest::addColumn<QString>("file");
        QTest::newRow("aperio") << kCmu;
        QTest::newRow("plain") << kIhc;
    }
    void associatedImageMissingNamesFile() {
        QFETCH(QString, file);
        const std::string path = toPath(sharedDataPath(file));
        const auto slide = openSlide(path);
        try {
            slide->readAssociatedImage("no-such-image");
            QFAIL("expected SlideError");
        } catch (const SlideError& e) {
            QVERIFY2(contains(e.what(), path), e.what());
            QVERIFY2(contains(e.what(), "no-such-image"), e.what());
        }
    }

    void pixelsMatchReference_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("mode");
        QTest::addColumn<int>("level");
        QTest::addColumn<qint64>("x");
        QTest::addColumn<qint64>("y");
        QTest::addColumn<int>("w");
        QTest::addColumn<int>("h");
        // Pixels of the region (in level coordinates) that lie outside the level.
        QTest::addColumn<int>("outside");

        const QString os = "openslide", pil = "pil";
        QTest::newRow("cmu l0 origin") << kCmu << os << 0 << qint64(0) << qint64(0) << 64 << 64 << 0;
        QTest::newRow("cmu l0 tissue") << kCmu << os << 0 << qint64(1000) << qint64(1500) << 96 << 80 << 0;
        QTest::newRow("cmu l0 across tile seams") << kCmu << os << 0 << qint64(230) << qint64(470) << 40 << 40 << 0;
        QTest::newRow("cmu l0 bottom-right edge")
            << kCmu << os << 0 << qint64(2220 - 32) << qint64(2967 - 16) << 64 << 48 << (64 * 48 - 32 * 16);
        QTest::newRow("cmu l0 negative origin") << kCmu << os << 0 << qint64(-10) << qint64(-20) << 40 << 40
                                                << (40 * 40 - 30 * 20);
        QTest::newRow("cmu outside") << kCmu << os << 0 << qint64(5000) << qint64(10) << 16 << 16 << 256;
        QTest::newRow("tcga jp2k l0") << kTcga << os << 0 << qint64(2000) << qint64(1700) << 64 << 64 << 0;
        QTest::newRow("tcga jp2k l1") << kTcga << os << 1 << qint64(2000) << qint64(1700) << 64 << 64 << 0;
        QTest::newRow("tcga jp2k l1 right edge") << kTcga << os << 1 << qint64(4443 - 40) << qint64(100) << 64 << 32 << -1;
        QTest::newRow("generic l0") << kGeneric << os << 0 << qint64(500) << qint64(600) << 64 << 64 << 0;
        QTest::newRow("generic l1") << kGeneric << os << 1 << qint64(500) << qint64(600) << 64 << 64 << 0;
        QTest::newRow("generic l2") << kGeneric << os << 2 << qint64(1000) << qint64(1000) << 64 << 64 << 0;
        QTest::newRow("generic l2 bottom edge") << kGeneric << os << 2 << qint64(200) << qint64(2967 - 80) << 32 << 40 << -1;
        QTest::newRow("png origin") << kIhc << pil << 0 << qint64(0) << qint64(0) << 64 << 64 << 0;
        QTest::newRow("png middle") << kIhc << pil << 0 << qint64(200) << qint64(300) << 50 << 70 << 0;
        QTest::newRow("png corner straddle") << kIhc << pil << 0 << qint64(480) << qint64(490) << 64 << 32
                                             << (64 * 32 - 32 * 22);
    }

    void pixelsMatchReference() {
        QFETCH(QString, file);
        QFETCH(QString, mode);
        QFETCH(int, level);
        QFETCH(qint64, x);
        QFETCH(qint64, y);
        QFETCH(int, w);
        QFETCH(int, h);
        QFETCH(int, outside);

        const QString path = sharedDataPath(file);
        const auto slide = openSlide(toPath(path));
        const RgbaImage ours = slide->readRegion(level, x, y, w, h);
        QCOMPARE(ours.width, w);
        QCOMPARE(ours.height, h);

        const QString spec = QStringLiteral("%1,%2,%3,%4,%5").arg(level).arg(x).arg(y).arg(w).arg(h);
        const ProcessResult py = runPython(kReferenceScript, {path, mode, spec});
        QVERIFY2(py.finished && py.exitCode == 0, py.err.constData());
        const QByteArray ref = QByteArray::fromHex(py.out.trimmed());
        QCOMPARE(static_cast<std::size_t>(ref.size()), ours.byteSize());

        int transparent = 0, opaque = 0, rgbMismatch = 0, alphaMismatch = 0;
        QString firstMismatch;
        for (int py_ = 0; py_ < h; ++py_) {
            for (int px = 0; px < w; ++px) {
                const std::uint8_t* o = ours.pixel(px, py_);
                const auto* r = reinterpret_cast<const std::uint8_t*>(ref.constData()) + (py_ * w + px) * 4;
                if (o[3] != r[3]) ++alphaMismatch;
                if (o[3] == 0) {
                    ++transparent;
                    QVERIFY2(o[0] == 0 && o[1] == 0 && o[2] == 0, "transparent pixels must be (0, 0, 0, 0)");
                }
                if (r[3] == 255) {
                    ++opaque;
                    if (o[0] != r[0] || o[1] != r[1] || o[2] != r[2]) {
                        if (rgbMismatch++ == 0) {
                            firstMismatch = QStringLiteral("at %1,%2 ours %3 reference %4")
                                                .arg(px)
                                                .arg(py_)
                                                .arg(describe(o), describe(r));
                        }
                    }
                }
            }
        }
        QVERIFY2(rgbMismatch == 0, qPrintable(QString::number(rgbMismatch) + " pixels differ, first " + firstMismatch));
        QCOMPARE(alphaMismatch, 0);
        if (outside >= 0) {
            QCOMPARE(transparent, outside);
            QCOMPARE(opaque, w * h - outside);
        } else {
            QVERIFY(transparent > 0);
            QVERIFY(opaque > 0);
        }
        if (outside == 0) {
            // Not an empty picture: the region really holds image content.
            QVERIFY(ours.pixels[0] != 0 || ours.pixels[1] != 0 || ours.pixels[2] != 0);
        }
    }

    void missingMppCanBeSet() {
        const std::string path = toPath(sharedDataPath(kTcga));
        const auto slide = openSlide(path);
        QVERIFY(!slide->micronsPerPixel().has_value());
        QVERIFY(!slide->micronsPerPixelFromFile());
        slide->setMicronsPerPixel(MicronsPerPixel{0.25, 0.26});
        QVERIFY(slide->micronsPerPixel().has_value());
        QCOMPARE(slide->micronsPerPixel()->x, 0.25);
        QCOMPARE(slide->micronsPerPixel()->y, 0.26);
        QVERIFY(!slide->micronsPerPixelFromFile());
        slide->setMicronsPerPixel(std::nullopt);
        QVERIFY(!slide->micronsPerPixel().has_value());
    }

    void userMppOverridesFile() {
        const auto slide = openSlide(toPath(sharedDataPath(kCmu)));
        slide->setMicronsPerPixel(MicronsPerPixel{1.0, 1.0});
        QCOMPARE(slide->micronsPerPixel()->x, 1.0);
        QVERIFY(slide->micronsPerPixelFromFile());
        slide->setMicronsPerPixel(std::nullopt);
        QVERIFY(std::abs(slide->micronsPerPixel()->x - 0.499) < 1e-9);
    }

    void invalidMppRejected_data() {
        QTest::addColumn<double>("mx");
        QTest::addColumn<double>("my");
        const double nan = std::numeric_limits<double>::quiet_NaN();
        const double inf = std::numeric_limits<double>::infinity();
        QTest::newRow("zero x") << 0.0 << 0.5;
        QTest::newRow("zero y") << 0.5 << 0.0;
        QTest::newRow("negative") << -0.25 << -0.25;
        QTest::newRow("NaN") << nan << 0.5;
        QTest::newRow("NaN y") << 0.5 << nan;
        QTest::newRow("infinite") << inf << inf;
        QTest::newRow("-infinite") << 0.5 << -inf;
    }
    void invalidMppRejected() {
        QFETCH(double, mx);
        QFETCH(double, my);
        const std::string path = toPath(sharedDataPath(kTcga));
        const auto slide = openSlide(path);
        slide->setMicronsPerPixel(MicronsPerPixel{0.5, 0.5});
        try {
            slide->setMicronsPerPixel(MicronsPerPixel{mx, my});
            QFAIL("expected SlideError");
        } catch (const SlideError& e) {
            QVERIFY2(contains(e.what(), path), e.what());
        }
        // The previous value survives a rejected one.
        QCOMPARE(slide->micronsPerPixel()->x, 0.5);
        QCOMPARE(slide->micronsPerPixel()->y, 0.5);
    }

    void bestLevelForDownsample_data() {
        QTest::addColumn<double>("downsample");
        QTest::addColumn<int>("level");
        QTest::newRow("0.5") << 0.5 << 0;
        QTest::newRow("1") << 1.0 << 0;
        QTest::newRow("1.99") << 1.99 << 0;
        // Level 1's downsample is 2.00034 (odd height): beyond the 0.01 % tolerance.
        QTest::newRow("2 (level says 2.00034)") << 2.0 << 0;
        QTest::newRow("2.0003") << 2.0003 << 1;
        QTest::newRow("3.9") << 3.9 << 1;
        // Level 2's downsample is 4.002: beyond the 0.01 % tolerance of 4.
        QTest::newRow("4 (level says 4.002)") << 4.0 << 1;
        QTest::newRow("4.002") << 4.002 << 2;
        QTest::newRow("100") << 100.0 << 2;
    }
    void bestLevelForDownsample() {
        QFETCH(double, downsample);
        QFETCH(int, level);
        const auto slide = openSlide(toPath(sharedDataPath(kGeneric)));
        QCOMPARE(slide->bestLevelForDownsample(downsample), level);
    }
};

QTEST_GUILESS_MAIN(TestRealSlides)
#include "tst_real_slides.moc"
