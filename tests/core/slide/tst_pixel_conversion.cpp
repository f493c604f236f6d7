// Pixel arithmetic of the slide backends on hand-computed values:
// unpremultiplyArgbToRgba (OpenSlide's premultiplied ARGB -> straight RGBA)
// and downsampleByTwo (the plain-image pyramid's 2x2 box filter).
#include "core/slide/OpenSlideSlide.h"
#include "core/slide/PlainImageSlide.h"

#include <QtTest>

#include <array>
#include <cstdint>
#include <vector>

using namespace hescape;

using Pixel = std::array<int, 4>;  // R, G, B, A
Q_DECLARE_METATYPE(Pixel)

namespace {
RgbaImage makeImage(int w, int h, const std::vector<Pixel>& pixels) {
    RgbaImage img(w, h);
    for (int i = 0; i < w * h; ++i) {
        for (int c = 0; c < 4; ++c) img.pixels[static_cast<std::size_t>(i) * 4 + c] = static_cast<std::uint8_t>(pixels[i][c]);
    }
    return img;
}
Pixel at(const RgbaImage& img, int x, int y) {
    const std::uint8_t* p = img.pixel(x, y);
    return {p[0], p[1], p[2], p[3]};
}
}  // namespace

namespace QTest {
template <>
inline char* toString(const Pixel& p) {
    return qstrdup(QStringLiteral("(%1, %2, %3, %4)").arg(p[0]).arg(p[1]).arg(p[2]).arg(p[3]).toLatin1().constData());
}
}  // namespace QTest

class TestPixelConversion : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void unpremultiply_data() {
        QTest::addColumn<uint>("argb");
        QTest::addColumn<Pixel>("rgba");
        QTest::newRow("opaque keeps channels") << 0xFF102030u << Pixel{0x10, 0x20, 0x30, 255};
        QTest::newRow("opaque white") << 0xFFFFFFFFu << Pixel{255, 255, 255, 255};
        QTest::newRow("transparent") << 0x00000000u << Pixel{0, 0, 0, 0};
        QTest::newRow("transparent with garbage colour") << 0x00FFFFFFu << Pixel{0, 0, 0, 0};
        // a = 128, c = 64: (64 * 255 + 64) / 128 = 128
        QTest::newRow("half, 64") << 0x80404040u << Pixel{128, 128, 128, 128};
        // a = 128, c = 128: (128 * 255 + 64) / 128 = 255.5 -> 255
        QTest::newRow("half, full") << 0x80808080u << Pixel{255, 255, 255, 128};
        // a = 127, r = 63: (63 * 255 + 63) / 127 = 126.99 -> 126; g = 0; b = 127 -> 255
        QTest::newRow("127") << 0x7F3F007Fu << Pixel{126, 0, 255, 127};
        // a = 1, r = 1: 255
        QTest::newRow("alpha 1") << 0x01010000u << Pixel{255, 0, 0, 1};
        // a = 64, r = 255 (invalid premultiplied): 1016 clamps to 255; g = 32: (32*255+32)/64 = 128
        QTest::newRow("overflow clamps") << 0x40FF2010u << Pixel{255, 128, 64, 64};
        // a = 200, r = 100: (25500 + 100) / 200 = 128; g = 50: (12750 + 100) / 200 = 64.25 -> 64;
        // b = 199: (50745 + 100) / 200 = 254.2 -> 254
        QTest::newRow("a 200") << 0xC86432C7u << Pixel{128, 64, 254, 200};
    }
    void unpremultiply() {
        QFETCH(uint, argb);
        QFETCH(Pixel, rgba);
        const std::uint32_t in[1] = {argb};
        std::uint8_t out[4] = {1, 2, 3, 4};
        unpremultiplyArgbToRgba(in, 1, out);
        QCOMPARE((Pixel{out[0], out[1], out[2], out[3]}), rgba);
    }

    void unpremultiplyManyWordsInOrder() {
        const std::uint32_t in[4] = {0xFF010203u, 0x00000000u, 0x80404040u, 0xFFFEFDFCu};
        std::uint8_t out[16];
        unpremultiplyArgbToRgba(in, 4, out);
        const std::uint8_t expected[16] = {1, 2, 3, 255, 0, 0, 0, 0, 128, 128, 128, 128, 0xFE, 0xFD, 0xFC, 255};
        for (int i = 0; i < 16; ++i) QCOMPARE(static_cast<int>(out[i]), static_cast<int>(expected[i]));
    }

    void downsampleOpaque() {
        // 4 x 2 -> 2 x 1
        const RgbaImage src = makeImage(4, 2,
                                        {{0, 0, 0, 255}, {100, 10, 1, 255}, {255, 255, 255, 255}, {255, 255, 255, 255},
                                         {200, 20, 3, 255}, {101, 11, 2, 255}, {255, 255, 255, 255}, {251, 250, 249, 255}});
        const RgbaImage dst = downsampleByTwo(src);
        QCOMPARE(dst.width, 2);
        QCOMPARE(dst.height, 1);
        // R: (0 + 100 + 200 + 101) * 255 = 102255, + 510 = 102765 / 1020 = 100.75 -> 100
        // G: (0 + 10 + 20 + 11) * 255 = 10455 + 510 = 10965 / 1020 = 10.75 -> 10
        // B: (0 + 1 + 3 + 2) * 255 = 1530 + 510 = 2040 / 1020 = 2
        QCOMPARE(at(dst, 0, 0), (Pixel{100, 10, 2, 255}));
        // R: (255*3 + 251) = 1016 * 255 = 259080 + 510 = 259590 / 1020 = 254.5 -> 254
        QCOMPARE(at(dst, 1, 0), (Pixel{254, 254, 254, 255}));
    }

    void downsampleWeightsByAlpha() {
        // Transparent pixels do not darken their neighbours.
        const RgbaImage src = makeImage(2, 2, {{200, 100, 0, 255}, {0, 0, 0, 0}, {100, 50, 0, 255}, {0, 0, 0, 0}});
        const RgbaImage dst = downsampleByTwo(src);
        QCOMPARE(dst.width, 1);
        QCOMPARE(dst.height, 1);
        // a = (510 + 2) / 4 = 128; R = (76500 + 255) / 510 = 150.5 -> 150; G = (38250 + 255) / 510 = 75.5 -> 75
        QCOMPARE(at(dst, 0, 0), (Pixel{150, 75, 0, 128}));

        const RgbaImage none = downsampleByTwo(makeImage(2, 1, {{9, 9, 9, 0}, {7, 7, 7, 0}}));
        QCOMPARE(at(none, 0, 0), (Pixel{0, 0, 0, 0}));
    }

    void downsampleOddEdgesReplicate() {
        // 3 x 3 -> 2 x 2; the last column/row is averaged with itself.
        std::vector<Pixel> px;
        for (int y = 0; y < 3; ++y) {
            for (int x = 0; x < 3; ++x) px.push_back({x * 100, y * 100, 7, 255});
        }
        const RgbaImage dst = downsampleByTwo(makeImage(3, 3, px));
        QCOMPARE(dst.width, 2);
        QCOMPARE(dst.height, 2);
        // (0,0): R = (0 + 100 + 0 + 100) / 4 = 50; G = (0 + 0 + 100 + 100) / 4 = 50
        QCOMPARE(at(dst, 0, 0), (Pixel{50, 50, 7, 255}));
        QCOMPARE(at(dst, 1, 0), (Pixel{200, 50, 7, 255}));
        QCOMPARE(at(dst, 0, 1), (Pixel{50, 200, 7, 255}));
        QCOMPARE(at(dst, 1, 1), (Pixel{200, 200, 7, 255}));

        const RgbaImage one = downsampleByTwo(makeImage(1, 1, {{1, 2, 3, 255}}));
        QCOMPARE(one.width, 1);
        QCOMPARE(one.height, 1);
        QCOMPARE(at(one, 0, 0), (Pixel{1, 2, 3, 255}));
    }
};

QTEST_APPLESS_MAIN(TestPixelConversion)
#include "tst_pixel_conversion.moc"
