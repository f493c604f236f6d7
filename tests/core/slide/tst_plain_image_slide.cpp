// The plain-image backend (PNG, JPEG, strip TIFF decoded into memory):
// backend choice, pyramid levels, pixel values at every level against the
// known synthetic content, decoding of many PNG/TIFF pixel layouts against
// PIL as reference, and transparency outside the image.
#include "core/slide/ImageDecoder.h"
#include "core/slide/Slide.h"
#include "tests/core/TestSupport.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace hescape;
using namespace hescape::test;

namespace {

// Writes raw RGBA to `raw`, then has PIL save it as `out` in `format`/`mode`.
const QString kPilWriter = QStringLiteral(R"(
import sys
from PIL import Image
raw, w, h, out, fmt, mode, compression = sys.argv[1:8]
im = Image.frombytes('RGBA', (int(w), int(h)), open(raw, 'rb').read())
if mode == 'P':
    im = im.convert('RGB').convert('P', palette=Image.ADAPTIVE, colors=64)
elif mode != 'RGBA':
    im = im.convert(mode)
kw = {}
if fmt == 'TIFF' and compression != 'none':
    kw['compression'] = compression
im.save(out, fmt, **kw)
print(Image.open(out).mode)
)");

// Hex of PIL's straight RGBA reading of a whole image.
const QString kPilReader = QStringLiteral(R"(
import sys
from PIL import Image
print(Image.open(sys.argv[1]).convert('RGBA').tobytes().hex())
)");

QByteArray patternBytes(const CellPattern& p, bool varyAlpha) {
    QByteArray bytes;
    std::vector<std::uint8_t> row;
    for (int y = 0; y < p.height; ++y) {
        p.fillRow(y, row);
        if (varyAlpha) {
            for (int x = 0; x < p.width; ++x) {
                const int cell = x / p.cellW + y / p.cellH;
                row[static_cast<std::size_t>(x) * 4 + 3] = cell % 3 == 0 ? 255 : cell % 3 == 1 ? 128 : 0;
            }
        }
        bytes.append(reinterpret_cast<const char*>(row.data()), static_cast<qsizetype>(row.size()));
    }
    return bytes;
}

// Saves the pattern as `file` in the given way; returns an empty string or why it failed.
QString writePatternImage(const QTemporaryDir& dir, const CellPattern& p, const QString& how, const QString& file,
                          bool varyAlpha = false) {
    const QString out = dir.filePath(file);
    if (how == "qt-png" || how == "qt-jpeg") {
        const QImage img = p.toImage();
        const bool ok = how == "qt-png" ? img.save(out, "PNG") : img.save(out, "JPEG", 95);
        return ok ? QString() : "QImage could not write " + out;
    }
    // "pil:FORMAT:MODE:COMPRESSION"
    const QStringList parts = how.split(':');
    const QString raw = dir.filePath(file + ".raw");
    if (!writeFile(raw, patternBytes(p, varyAlpha))) return "cannot write " + raw;
    const ProcessResult r = runPython(kPilWriter, {raw, QString::number(p.width), QString::number(p.height), out,
                                                   parts.value(1), parts.value(2), parts.value(3, "none")});
    QFile::remove(raw);
    if (!r.finished || r.exitCode != 0) return "PIL failed: " + QString::fromUtf8(r.err);
    return {};
}

}  // namespace

class TestPlainImageSlide : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void pyramidAndPixels_data() {
        QTest::addColumn<QString>("how");
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("format");
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("height");
        QTest::addColumn<int>("levels");
        QTest::addColumn<int>("tolerance");

        QTest::newRow("PNG (Qt)") << "qt-png" << "a.png" << "png" << 1200 << 700 << 3 << 0;
        QTest::newRow("JPEG (Qt), q95") << "qt-jpeg" << "a.jpg" << "jpeg" << 1200 << 700 << 3 << 6;
        QTest::newRow("strip TIFF, uncompressed (PIL)") << "pil:TIFF:RGB:none" << "a.tif" << "tiff" << 1200 << 700 << 3 << 0;
        QTest::newRow("strip TIFF, LZW (PIL)") << "pil:TIFF:RGB:tiff_lzw" << "a.tiff" << "tiff" << 1024 << 1024 << 2 << 0;
        QTest::newRow("odd size PNG") << "qt-png" << "odd.png" << "png" << 1025 << 513 << 3 << 0;
        QTest::newRow("small PNG, one level") << "qt-png" << "small.png" << "png" << 512 << 300 << 1 << 0;
        QTest::newRow("tall JPEG") << "qt-jpeg" << "tall.jpeg" << "jpeg" << 300 << 2100 << 4 << 6;
    }

    void pyramidAndPixels() {
        QFETCH(QString, how);
        QFETCH(QString, file);
        QFETCH(QString, format);
        QFETCH(int, width);
        QFETCH(int, height);
        QFETCH(int, levels);
        QFETCH(int, tolerance);

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const CellPattern pattern{width, height, 200, 100};
        const QString error = writePatternImage(dir, pattern, how, file);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const std::string path = toPath(dir.filePath(file));

        const ImageInfo info = probeImage(path);
        QCOMPARE(QString::fromStdString(info.format), format);
        QCOMPARE(info.width, width);
        QCOMPARE(info.height, height);

        const auto slide = openSlide(path);
        QCOMPARE(QString::fromStdString(slide->format()), QStringLiteral("plain-image"));
        QCOMPARE(QString::fromStdString(slide->properties().at("plain-image.format")), format);
        QVERIFY(!slide->micronsPerPixel().has_value());
        QVERIFY(!slide->objectivePower().has_value());
        QVERIFY(slide->associatedImageNames().empty());
        QCOMPARE(slide->levelCount(), levels);
        std::int64_t w = width, h = height;
        for (int i = 0; i < levels; ++i) {
            QCOMPARE(slide->level(i).width, w);
            QCOMPARE(slide->level(i).height, h);
            QCOMPARE(slide->level(i).downsample, static_cast<double>(width) / static_cast<double>(w));
            w = (w + 1) / 2;
            h = (h + 1) / 2;
        }
        QVERIFY(std::max(slide->level(levels - 1).width, slide->level(levels - 1).height) <= 512);

        int checked = 0;
        for (int level = 0; level < levels; ++level) {
            const double ds = slide->level(level).downsample;
            for (const auto& s : pattern.samples()) {
                if (s.minSide / ds < 12) continue;
                const RgbaImage img = slide->readRegion(level, s.x, s.y, 2, 2);
                const int dev = maxDeviation(img, s.colour);
                QVERIFY2(dev <= tolerance, qPrintable(QStringLiteral("level %1 at %2,%3: got %4 expected %5")
                                                          .arg(level)
                                                          .arg(s.x)
                                                          .arg(s.y)
                                                          .arg(describe(img.pixel(0, 0)), describe(s.colour))));
                ++checked;
            }
        }
        QVERIFY(checked >= static_cast<int>(pattern.samples().size()));
    }

    // Every pixel of PNGs and strip TIFFs in many layouts, against PIL.
    void decodingMatchesPil_data() {
        QTest::addColumn<QString>("how");
        QTest::addColumn<QString>("file");
        QTest::addColumn<bool>("varyAlpha");
        QTest::addColumn<QString>("pilMode");
        QTest::addColumn<int>("tolerance");  // R, G, B of partly transparent pixels
        QTest::newRow("png RGB") << "pil:PNG:RGB" << "rgb.png" << false << "RGB" << 0;
        QTest::newRow("png RGBA") << "pil:PNG:RGBA" << "rgba.png" << true << "RGBA" << 0;
        QTest::newRow("png grey") << "pil:PNG:L" << "l.png" << false << "L" << 0;
        QTest::newRow("png grey+alpha") << "pil:PNG:LA" << "la.png" << true << "LA" << 0;
        QTest::newRow("png palette") << "pil:PNG:P" << "p.png" << false << "P" << 0;
        QTest::newRow("png 1-bit") << "pil:PNG:1" << "bw.png" << false << "1" << 0;
        QTest::newRow("tiff RGB") << "pil:TIFF:RGB:none" << "rgb.tif" << false << "RGB" << 0;
        QTest::newRow("tiff RGBA") << "pil:TIFF:RGBA:none" << "rgba.tif" << true << "RGBA" << 2;
        QTest::newRow("tiff grey, deflate") << "pil:TIFF:L:tiff_deflate" << "l.tif" << false << "L" << 0;
        QTest::newRow("tiff palette") << "pil:TIFF:P:none" << "p.tif" << false << "P" << 0;
        QTest::newRow("tiff CMYK") << "pil:TIFF:CMYK:none" << "cmyk.tif" << false << "CMYK" << 0;
    }

    void decodingMatchesPil() {
        QFETCH(QString, how);
        QFETCH(QString, file);
        QFETCH(bool, varyAlpha);
        QFETCH(QString, pilMode);
        QFETCH(int, tolerance);

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const CellPattern pattern{250, 150, 40, 30};
        const QString error = writePatternImage(dir, pattern, how, file, varyAlpha);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const QString path = dir.filePath(file);

        const ProcessResult py = runPython(kPilReader, {path});
        QVERIFY2(py.finished && py.exitCode == 0, py.err.constData());
        const QByteArray ref = QByteArray::fromHex(py.out.trimmed());
        QCOMPARE(ref.size(), qsizetype{250 * 150 * 4});

        const auto slide = openSlide(toPath(path));
        QCOMPARE(QString::fromStdString(slide->format()), QStringLiteral("plain-image"));
        const RgbaImage ours = slide->readRegion(0, 0, 0, 250, 150);
        int bad = 0, partial = 0, opaque = 0;
        QString first;
        for (int i = 0; i < 250 * 150; ++i) {
            const auto* o = ours.pixels.data() + static_cast<std::size_t>(i) * 4;
            const auto* r = reinterpret_cast<const std::uint8_t*>(ref.constData()) + static_cast<std::size_t>(i) * 4;
            bool ok = o[3] == r[3];
            if (r[3] == 255) {
                ++opaque;
                ok = ok && o[0] == r[0] && o[1] == r[1] && o[2] == r[2];
            } else if (r[3] > 0) {
                ++partial;
                for (int c = 0; c < 3; ++c) ok = ok && std::abs(o[c] - r[c]) <= tolerance;
            }
            if (!ok && bad++ == 0) {
                first = QStringLiteral("pixel %1,%2 ours %3 PIL %4").arg(i % 250).arg(i / 250).arg(describe(o), describe(r));
            }
        }
        QVERIFY2(bad == 0, qPrintable(QString::number(bad) + " pixels differ (" + pilMode + "), first " + first));
        QVERIFY(opaque > 0);
        if (varyAlpha) QVERIFY(partial > 0);
    }

    // Straight alpha survives decoding and the box-filtered levels.
    void semiTransparentPng() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QImage img(1024, 600, QImage::Format_ARGB32);
        img.fill(QColor(10, 200, 30, 128));
        for (int y = 0; y < 600; ++y) {
            for (int x = 512; x < 1024; ++x) img.setPixelColor(x, y, QColor(0, 0, 0, 0));
        }
        const QString file = dir.filePath("alpha.png");
        QVERIFY(img.save(file, "PNG"));
        const auto slide = openSlide(toPath(file));
        QCOMPARE(slide->levelCount(), 2);
        for (int level = 0; level < 2; ++level) {
            const RgbaImage left = slide->readRegion(level, 100, 100, 8, 8);
            const RgbaImage right = slide->readRegion(level, 700, 100, 8, 8);
            for (int y = 0; y < 8; ++y) {
                for (int x = 0; x < 8; ++x) {
                    const std::uint8_t* l = left.pixel(x, y);
                    const std::uint8_t* r = right.pixel(x, y);
                    QVERIFY2(l[0] == 10 && l[1] == 200 && l[2] == 30 && l[3] == 128, qPrintable(describe(l)));
                    QVERIFY2(r[3] == 0, qPrintable(describe(r)));
                }
            }
        }
        // Across the boundary at level 1: half-weight pixels stay their colour.
        const RgbaImage edge = slide->readRegion(1, 510, 0, 2, 1);
        QCOMPARE(static_cast<int>(edge.pixel(0, 0)[3]), 128);
        QCOMPARE(static_cast<int>(edge.pixel(1, 0)[3]), 0);
    }

    void regionsOutsideAreTransparent_data() {
        QTest::addColumn<int>("level");
        QTest::addColumn<qint64>("x");
        QTest::addColumn<qint64>("y");
        QTest::addColumn<int>("w");
        QTest::addColumn<int>("h");
        QTest::addColumn<int>("firstCol");  // opaque columns [firstCol, lastCol)
        QTest::addColumn<int>("lastCol");
        QTest::addColumn<int>("firstRow");
        QTest::addColumn<int>("lastRow");
        // Image 1200 x 700 (levels 1200x700, 600x350, 300x175).
        QTest::newRow("right of the image") << 0 << qint64(1200) << qint64(0) << 16 << 16 << 0 << 0 << 0 << 0;
        QTest::newRow("far below, level 2") << 2 << qint64(0) << qint64(100000) << 16 << 16 << 0 << 0 << 0 << 0;
        QTest::newRow("above-left") << 1 << qint64(-64) << qint64(-64) << 16 << 16 << 0 << 0 << 0 << 0;
        QTest::newRow("straddles left edge") << 0 << qint64(-8) << qint64(10) << 16 << 4 << 8 << 16 << 0 << 4;
        QTest::newRow("straddles top edge l1") << 1 << qint64(10) << qint64(-8) << 4 << 16 << 0 << 4 << 4 << 16;
        QTest::newRow("straddles right edge l1") << 1 << qint64(1200 - 20) << qint64(10) << 16 << 4 << 0 << 10 << 0 << 4;
        QTest::newRow("straddles bottom-right l2")
            << 2 << qint64(1200 - 16) << qint64(700 - 12) << 8 << 8 << 0 << 4 << 0 << 3;
    }
    void regionsOutsideAreTransparent() {
        QFETCH(int, level);
        QFETCH(qint64, x);
        QFETCH(qint64, y);
        QFETCH(int, w);
        QFETCH(int, h);
        QFETCH(int, firstCol);
        QFETCH(int, lastCol);
        QFETCH(int, firstRow);
        QFETCH(int, lastRow);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const CellPattern pattern{1200, 700, 1200, 700};  // one flat colour
        const QString error = writePatternImage(dir, pattern, "qt-png", "edge.png");
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const auto slide = openSlide(toPath(dir.filePath("edge.png")));
        QCOMPARE(slide->levelCount(), 3);
        const RgbaImage img = slide->readRegion(level, x, y, w, h);
        const Rgb colour = cellColour(0, 0);
        for (int py = 0; py < h; ++py) {
            for (int px = 0; px < w; ++px) {
                const std::uint8_t* p = img.pixel(px, py);
                const bool inside = px >= firstCol && px < lastCol && py >= firstRow && py < lastRow;
                const bool ok = inside ? (p[0] == colour[0] && p[1] == colour[1] && p[2] == colour[2] && p[3] == 255)
                                       : (p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0);
                QVERIFY2(ok, qPrintable(QStringLiteral("%1,%2 %3 (inside: %4)").arg(px).arg(py).arg(describe(p)).arg(inside)));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestPlainImageSlide)
#include "tst_plain_image_slide.moc"
