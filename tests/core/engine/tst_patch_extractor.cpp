// Patch extraction: a generated slide with a stained left half and glass on
// the right gives patches of the right colour and size; patches leaving the
// slide or made of glass are skipped with a reason; a slide without MPP is
// refused naming the file; cancelling stops it; and on the real demo section
// C3 every spot is accounted for.
#include "core/engine/HestPatches.h"
#include "core/engine/PatchExtractor.h"
#include "core/spatial/DatasetOpener.h"
#include "core/spatial/HestSample.h"
#include "core/slide/PyramidTiffWriter.h"
#include "core/spatial/AnnDataReader.h"

#include <QProcess>
#include <QTemporaryDir>
#include "tests/core/TestSupport.h"

#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>

using namespace hescape;

namespace {

const std::uint8_t kStain[3] = {180, 60, 120};

std::array<double, 3> meanColour(const PatchSet& s, std::size_t i) {
    std::array<double, 3> m{0, 0, 0};
    const int n = s.size * s.size;
    for (int k = 0; k < n; ++k)
        for (int c = 0; c < 3; ++c) m[c] += s.patch(i)[k * 3 + c];
    for (auto& v : m) v /= n;
    return m;
}

}  // namespace

class TestPatchExtractor : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::string path_;

private Q_SLOTS:
    void initTestCase() {
        path_ = dir_.filePath("half.tiff").toStdString();
        PyramidTiffOptions o;
        o.mpp = MicronsPerPixel{0.5, 0.5};
        o.jpegQuality = 95;
        PyramidTiffWriter w(path_, 4096, 4096, o);
        std::vector<std::uint8_t> row(4096 * 4, 255);
        for (int x = 0; x < 2048; ++x) std::copy(kStain, kStain + 3, row.begin() + x * 4);
        for (int y = 0; y < 4096; ++y) w.appendRow(row.data());
        w.finish();
    }

    void coloursSizesAndSkips() {
        const auto slide = openSlide(path_);
        PatchOptions opt;
        opt.outputPixels = 32;
        // 110 um at 0.5 um/px = 220 px: inside the stain, on glass, off the left edge, NaN.
        const std::vector<Point2> centres = {{1000, 1000}, {3000, 1000}, {50, 2000}, {1024, 3000}, {std::nan(""), 5}};
        const PatchSet s = extractPatches(*slide, centres, opt);
        QCOMPARE(s.size, 32);
        QCOMPARE(s.observation, (std::vector<std::int64_t>{0, 3}));
        QCOMPARE(s.rgb.size(), std::size_t{2 * 32 * 32 * 3});
        for (std::size_t i = 0; i < 2; ++i) {
            const auto m = meanColour(s, i);
            for (int c = 0; c < 3; ++c) QVERIFY2(std::abs(m[c] - kStain[c]) < 4, qPrintable(QString::number(m[c])));
        }
        QCOMPARE(s.skipped.size(), std::size_t{3});
        QCOMPARE(s.skipped[0].observation, 1);
        QVERIFY(s.skipped[0].reason.rfind("mostly background", 0) == 0);
        QCOMPARE(s.skipped[1].reason, std::string("the patch leaves the slide"));
        QCOMPARE(s.skipped[2].reason, std::string("the patch leaves the slide"));
        // A patch straddling stain and glass is kept (half glass < 90 %) and its mean is between the two.
        const PatchSet edge = extractPatches(*slide, {{2048, 1000}}, opt);
        QCOMPARE(edge.count(), std::size_t{1});
        const auto m = meanColour(edge, 0);
        QVERIFY(m[1] > 100 && m[1] < 200);
    }

    void refusesSlidesWithoutMppAndCancels() {
        const std::string png = dir_.filePath("plain.png").toStdString();
        QImage img(600, 600, QImage::Format_RGB32);
        img.fill(QColor(180, 60, 120));
        QVERIFY(img.save(QString::fromStdString(png)));
        const auto plain = openSlide(png);
        try {
            extractPatches(*plain, {{300, 300}}, {});
            QFAIL("no error without MPP");
        } catch (const SlideError& e) {
            QVERIFY(std::string(e.what()).rfind(png, 0) == 0);
        }
        const auto slide = openSlide(path_);
        std::atomic<bool> cancel{true};
        Progress p;
        p.cancel = &cancel;
        QVERIFY_THROWS_EXCEPTION(CancelledError, extractPatches(*slide, std::vector<Point2>(100, {1000, 1000}), {}, p));
    }

    void realDemoSection() {
        const SpatialDataset ds = readAnnData(HESCAPE_SOURCE_DIR "/resources/demo/her2st/C3.h5ad");
        const auto slide = openSlide(HESCAPE_SOURCE_DIR "/resources/demo/her2st/C3.tiff");
        PatchOptions opt;
        opt.outputPixels = 64;
        const PatchSet s = extractPatches(*slide, ds.coordinates, opt);
        QCOMPARE(s.count() + s.skipped.size(), std::size_t{180});
        QVERIFY2(s.count() >= 170, qPrintable(QString::number(s.count())));  // the spots were selected as under tissue
        QVERIFY(std::is_sorted(s.observation.begin(), s.observation.end()));
        for (const auto& k : s.skipped) QVERIFY(!k.reason.empty());
        // H&E: the mean patch is darker than glass and more red+blue than green.
        const auto m = meanColour(s, 0);
        QVERIFY(m[0] + m[1] + m[2] < 3 * 230);
        QVERIFY(m[1] < m[0] && m[1] < m[2]);
    }

    void hestPatchesAreJoinedByBarcode() {
        // A HEST folder built from the demo with HEST's patch layout (tests/core/spatial/make_hest_folder.py, PIL).
        QTemporaryDir dir;
        const auto make = hescape::test::makeHestFolder(dir.path());
        QVERIFY2(make.exitCode == 0, make.err.constData());
        const HestSample sample = readHestSample(dir.filePath("hest").toStdString(), "C3");
        QVERIFY(!sample.patches.empty());
        const SpatialDataset ds = openSpatialDataset(sample.dataset);
        PatchOptions o;
        o.sizeMicrons = 110;
        o.outputPixels = 48;
        const PatchSet hest = hestPatches(sample.patches, ds.obsNames, o);
        // The first spot has no patch (left out by the generator): skipped and said.
        QCOMPARE(hest.skipped.size(), std::size_t{1});
        QCOMPARE(hest.skipped[0].observation, std::int64_t{0});
        QCOMPARE(hest.count(), ds.obsNames.size() - 1);
        // The same field of view cut from the WSI at HEST's pixel size looks the same (two area filters apart).
        const auto slide = openSlide(sample.slide);
        QVERIFY(applyCompanionPixelSize(*slide));
        const PatchSet cut = extractPatches(*slide, ds.coordinates, o);
        double diff = 0, values = 0;
        for (std::size_t k = 0; k < hest.count(); ++k) {
            const auto obs = hest.observation[k];
            const auto at = std::find(cut.observation.begin(), cut.observation.end(), obs);
            if (at == cut.observation.end()) continue;  // a spot whose patch leaves the slide
            const std::size_t j = static_cast<std::size_t>(at - cut.observation.begin());
            for (std::size_t b = 0; b < 48 * 48 * 3; ++b) {
                diff += std::abs(int(hest.rgb[k * 48 * 48 * 3 + b]) - int(cut.rgb[j * 48 * 48 * 3 + b]));
                ++values;
            }
        }
        QVERIFY(values > 100 * 48 * 48 * 3);
        QVERIFY2(diff / values < 6.0, qPrintable(QString::number(diff / values)));
        // A field of view larger than the patches, and a file that is not N x S x S x 3: named.
        o.sizeMicrons = 150;
        QVERIFY_THROWS_EXCEPTION(SlideError, hestPatches(sample.patches, ds.obsNames, o));
        try {
            o.sizeMicrons = 110;
            hestPatches(dir.filePath("hest_patches_bad.h5").toStdString(), ds.obsNames, o);
            QFAIL("no error");
        } catch (const SlideError& e) {
            QVERIFY2(QString::fromStdString(e.what()).contains("hest_patches_bad.h5: /img: expected N x S x S x 3"), e.what());
        }
    }
};

QTEST_MAIN(TestPatchExtractor)
#include "tst_patch_extractor.moc"
