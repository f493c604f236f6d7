// The CytAssist image of Visium and Visium HD folders as a slide
// (core/spatial/VisiumCytAssist): folders built from copies of the real
// ones in shared/data by make_cytassist_folders.py (h5py, tifffile, numpy),
// checked against numpy's composition and inverse of the same feature_slice.h5
// matrices, the bins' positions read by the independent Parquet reader, the
// pixels of the CytAssist image, the size rule of CytAssist-only runs, and a
// feature_slice.h5 broken nine ways, each named with the file and the field.
#include "core/slide/Slide.h"
#include "core/spatial/DatasetOpener.h"
#include "core/spatial/VisiumCytAssist.h"
#include "core/spatial/VisiumFolder.h"
#include "core/spatial/VisiumReader.h"
#include "tests/core/TestSupport.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>

using namespace hescape;
using hescape::test::contains;

namespace {

bool near(double a, double b, double relative) { return std::abs(a - b) <= relative * std::max(1.0, std::abs(b)); }

// The checkerboard make_cytassist_folders.py draws in microscope pixels.
std::array<int, 3> checkerColour(double x, double y) {
    const int square = static_cast<int>(std::fmod(std::floor(x / 1000) + std::floor(y / 1000), 2.0) != 0);
    return {60 + 140 * square, 90 + 60 * square, 200 - 120 * square};
}

}  // namespace

class TestVisiumCytAssist : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QJsonObject expected_;

    std::string path(const QString& relative) const { return hescape::test::toPath(dir_.filePath(relative)); }
    std::string bins(const QString& root) const { return path(root + "/binned_outputs/square_008um"); }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        const auto made = hescape::test::makeCytAssistFolders(dir_.path());
        QVERIFY2(made.exitCode == 0, made.err.constData());
        QFile f(dir_.filePath("expected.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        expected_ = QJsonDocument::fromJson(f.readAll()).object();
    }

    void affineFeatureSlicePlacesBinsWhereNumpyDoes() {
        const SpatialDataset ds = openSpatialDataset(path("hd_affine"));  // the output root opens its 8 um bins
        QCOMPARE(ds.format, std::string("visium_hd"));
        const std::string image = bins("hd_affine") + "/spatial/cytassist_image.tiff";
        QCOMPARE(ds.toImages.count(imagePathKey(image)), std::size_t{1});
        QVERIFY2(contains(ds.imageNotes.at(imagePathKey(image)), "feature_slice.h5"), ds.imageNotes.at(imagePathKey(image)).c_str());
        const AffineTransform t = transformForSlide(ds, image);
        const QJsonObject onCytAssist = expected_["hd_affine"].toObject()["on_cytassist"].toObject();
        for (std::size_t i = 0; i < ds.obsNames.size(); ++i) {
            const QJsonArray want = onCytAssist[QString::fromStdString(ds.obsNames[i])].toArray();
            QCOMPARE(want.size(), 2);
            double x = 0, y = 0;
            t.apply(ds.coordinates[i].x, ds.coordinates[i].y, x, y);
            QVERIFY2(near(x, want[0].toDouble(), 1e-6) && near(y, want[1].toDouble(), 1e-6),
                     qPrintable(QStringLiteral("%1: %2 %3 vs numpy %4 %5").arg(QString::fromStdString(ds.obsNames[i])).arg(x).arg(y)
                                    .arg(want[0].toDouble()).arg(want[1].toDouble())));
        }
        // The hires image still takes its scale factor.
        double hx = 0, hy = 0;
        transformForSlide(ds, bins("hd_affine") + "/spatial/tissue_hires_image.png").apply(1000, 2000, hx, hy);
        QCOMPARE(hx, 1000 * 0.25404352);
        QCOMPARE(hy, 2000 * 0.25404352);
    }

    void binsLandOnTheirPixelsOfTheCytAssistImage() {
        const SpatialDataset ds = readVisium(bins("hd_affine"));
        const std::string image = bins("hd_affine") + "/spatial/cytassist_image.tiff";
        const auto slide = openSlide(image);
        const AffineTransform t = transformForSlide(ds, image);
        int checked = 0;
        for (std::size_t i = 0; i < ds.obsNames.size() && checked < 200; ++i) {
            const Point2 p = ds.coordinates[i];
            // Bins well inside a checkerboard square (a CytAssist pixel spans ~24 microscope pixels).
            if (std::abs(std::remainder(p.x, 1000.0)) < 60 || std::abs(std::remainder(p.y, 1000.0)) < 60) continue;
            double x = 0, y = 0;
            t.apply(p.x, p.y, x, y);
            if (x < 1 || y < 1 || x > slide->width() - 2 || y > slide->height() - 2) continue;
            const RgbaImage px = slide->readRegion(0, static_cast<std::int64_t>(x), static_cast<std::int64_t>(y), 1, 1);
            const auto want = checkerColour(p.x, p.y);
            QVERIFY2(px.pixel(0, 0)[0] == want[0] && px.pixel(0, 0)[1] == want[1] && px.pixel(0, 0)[2] == want[2],
                     qPrintable(QStringLiteral("%1 at %2 %3").arg(QString::fromStdString(ds.obsNames[i])).arg(x).arg(y)));
            ++checked;
        }
        QCOMPARE(checked, 200);
    }

    void cytAssistPixelSizeAndListing() {
        const std::string folder = bins("hd_affine");
        const std::string image = folder + "/spatial/cytassist_image.tiff";
        QCOMPARE(visiumFolderOfImage(image), folder);
        const CytAssistPlacement placed = placeCytAssistImage(folder);
        QCOMPARE(placed.image, image);
        QVERIFY(contains(placed.transformFile, "hd_affine/feature_slice.h5"));
        const auto slide = openSlide(image);
        QVERIFY(!slide->micronsPerPixel());
        QVERIFY(applyCompanionPixelSize(*slide));
        const double want = expected_["hd_affine"].toObject()["cytassist_mpp"].toDouble();
        QVERIFY2(near(slide->micronsPerPixel()->x, want, 1e-12), qPrintable(QString::number(slide->micronsPerPixel()->x, 'g', 17)));
        QCOMPARE(slide->micronsPerPixel()->y, slide->micronsPerPixel()->x);
        const QString source = QString::fromStdString(slide->micronsPerPixelSource());
        QVERIFY2(source.startsWith("derived: microns_per_pixel") && source.contains("feature_slice.h5"), qPrintable(source));
        const auto images = visiumSlideImages(readVisium(folder));
        QCOMPARE(images.size(), std::size_t{3});
        QCOMPARE(images[0].name, std::string("hires"));
        QCOMPARE(images[1].name, std::string("lowres"));
        QCOMPARE(images[2].name, std::string("CytAssist"));
        QCOMPARE(images[2].path, image);
        for (const auto& i : images) QVERIFY2(i.placed, i.note.c_str());
    }

    void projectiveFeatureSliceIsNotOffered() {
        const std::string folder = bins("hd_projective");
        const SpatialDataset ds = readVisium(folder);  // the data set itself opens
        const std::string key = imagePathKey(folder + "/spatial/cytassist_image.tiff");
        QCOMPARE(ds.toImages.count(key), std::size_t{0});
        const std::string note = ds.imageNotes.at(key);
        QVERIFY2(contains(note, "not placed: run1_feature_slice.h5's CytAssist-to-microscope transform is projective (its last row is 3e-06, -2e-06, 1)"),
                 note.c_str());
        const auto images = visiumSlideImages(ds);
        QCOMPARE(images.size(), std::size_t{3});
        QVERIFY(!images[2].placed);
        QCOMPARE(images[2].note, note);
        const auto slide = openSlide(folder + "/spatial/cytassist_image.tiff");
        QVERIFY(!applyCompanionPixelSize(*slide));
        QVERIFY(!slide->micronsPerPixel());
        // Two prefixed feature slices: not placed either, and said why.
        const CytAssistPlacement two = placeCytAssistImage(bins("hd_two_slices"));
        QVERIFY(!two.toImage);
        QVERIFY2(contains(two.note, "several *_feature_slice.h5"), two.note.c_str());
    }

    void badFeatureSliceNamesFileAndField_data() {
        QTest::addColumn<QString>("root");
        QTest::addColumn<QString>("pattern");  // what follows ".../ROOT/feature_slice.h5: " (a regular expression)
        QTest::newRow("no metadata_json") << "hd_bad_no_metadata" << "metadata_json: missing \\(the root attribute";
        QTest::newRow("bad JSON") << "hd_bad_json" << "metadata_json: line 1, column \\d+: unexpected end of input \\(not valid JSON\\)";
        QTest::newRow("NaN literal") << "hd_bad_nan" << "metadata_json: line 1, column \\d+: unexpected character 'N' \\(not valid JSON\\)";
        QTest::newRow("no transform_matrices") << "hd_bad_no_matrices" << "metadata_json: transform_matrices: missing";
        QTest::newRow("one matrix missing") << "hd_bad_missing_matrix" << "metadata_json: transform_matrices.spot_colrow_to_microscope_colrow: missing";
        QTest::newRow("eight numbers") << "hd_bad_eight_numbers"
                                       << "metadata_json: transform_matrices.cytassist_colrow_to_spot_colrow: has 8 numbers, expected 9";
        QTest::newRow("null entry") << "hd_bad_null_entry"
                                    << "metadata_json: transform_matrices.spot_colrow_to_microscope_colrow: entry 4 is not a finite number";
        QTest::newRow("singular") << "hd_bad_singular"
                                  << "metadata_json: transform_matrices: spot_colrow_to_microscope_colrow x cytassist_colrow_to_spot_colrow: "
                                     "is singular";
        QTest::newRow("not HDF5") << "hd_bad_not_hdf5" << "not an HDF5 file";
    }

    void badFeatureSliceNamesFileAndField() {
        QFETCH(QString, root);
        QFETCH(QString, pattern);
        const QRegularExpression named("^" + QRegularExpression::escape(dir_.filePath(root + "/feature_slice.h5")) + ": " + pattern);
        for (int via = 0; via < 2; ++via) {
            try {
                if (via == 0) placeCytAssistImage(bins(root));
                else openSpatialDataset(path(root));
                QFAIL("no error");
            } catch (const DatasetError& e) {
                QVERIFY2(named.match(QString::fromUtf8(e.what())).hasMatch(), e.what());
            }
        }
    }

    void cytAssistOnlyVisiumIsTheFullResolutionImage() {
        const std::string folder = path("visium_cytassist");
        const std::string image = folder + "/spatial/cytassist_image.tiff";
        const SpatialDataset ds = readVisium(folder);
        QCOMPARE(ds.format, std::string("visium"));
        const std::string key = imagePathKey(image);
        QCOMPARE(ds.toImages.count(key), std::size_t{1});
        QCOMPARE(ds.toImages.at(key).m, (AffineTransform{}.m));
        QVERIFY2(contains(ds.imageNotes.at(key), "placed as the full-resolution image itself"), ds.imageNotes.at(key).c_str());
        QVERIFY2(contains(ds.imageNotes.at(key), "3000 x 3000 px times tissue_hires_scalef 0.666667 is 2000 x 2000, tissue_hires_image.png's 2000 x 2000"),
                 ds.imageNotes.at(key).c_str());
        const auto slide = openSlide(image);
        QVERIFY(applyCompanionPixelSize(*slide));
        QVERIFY(near(slide->micronsPerPixel()->x, expected_["visium_cytassist"].toObject()["mpp"].toDouble(), 1e-12));
        QVERIFY2(QString::fromStdString(slide->micronsPerPixelSource()).startsWith("derived: 55 um Visium spot / spot_diameter_fullres"),
                 slide->micronsPerPixelSource().c_str());
        QCOMPARE(visiumFolderOfImage(image), folder);
        // An image of another size is not the full-resolution image: not offered, with the sizes.
        const SpatialDataset other = readVisium(path("visium_cytassist_mismatch"));
        const std::string otherKey = imagePathKey(path("visium_cytassist_mismatch") + "/spatial/cytassist_image.tiff");
        QCOMPARE(other.toImages.count(otherKey), std::size_t{0});
        QVERIFY2(contains(other.imageNotes.at(otherKey), "2900 x 3000 px times tissue_hires_scalef 0.666667 is 1933.33 x 2000, not tissue_hires_image.png's 2000 x 2000"),
                 other.imageNotes.at(otherKey).c_str());
        const auto otherSlide = openSlide(path("visium_cytassist_mismatch") + "/spatial/cytassist_image.tiff");
        QVERIFY(!applyCompanionPixelSize(*otherSlide));
    }

    void foldersWithoutCytAssistAreUnchanged() {
        const std::string real = HESCAPE_SHARED_DATA_DIR "/visium_hd_seurat_testdata/binned_outputs/square_008um";
        const SpatialDataset ds = readVisium(real);
        QVERIFY(ds.toImages.empty());
        QVERIFY(ds.imageNotes.empty());
        QCOMPARE(placeCytAssistImage(real).image, std::string());
        QCOMPARE(visiumSlideImages(ds).size(), std::size_t{2});
    }
};

QTEST_GUILESS_MAIN(TestVisiumCytAssist)
#include "tst_visium_cytassist.moc"
