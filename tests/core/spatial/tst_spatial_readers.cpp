// Visium, Xenium, legacy ST and 10x .h5 readers on the real data sets in
// shared/data, cross-checked with h5py/pandas (Debian's python3), plus a bad
// corpus built from copies of them: each failure names the file and the field.
#include "core/spatial/AnnDataReader.h"
#include "core/spatial/DatasetOpener.h"
#include "core/spatial/StReader.h"
#include "core/spatial/TenxMatrixReader.h"
#include "core/spatial/HestSample.h"
#include "core/spatial/SpotPlacement.h"
#include "core/spatial/VisiumFolder.h"
#include "core/spatial/VisiumReader.h"
#include "core/slide/Slide.h"
#include "core/spatial/XeniumReader.h"

#include <QProcess>
#include <QTemporaryDir>
#include "tests/core/TestSupport.h"

#include <QtTest/QtTest>

#include <array>
#include <cmath>
#include <map>

using namespace hescape;

namespace {

const std::string kData = HESCAPE_SHARED_DATA_DIR;

QStringList python(const QString& code) {
    QProcess p;
    p.start(QStringLiteral(HESCAPE_TEST_PYTHON), {"-c", code});
    if (!p.waitForFinished(120000) || p.exitCode() != 0) {
        qWarning() << p.readAllStandardError();
        return {};
    }
    return QString::fromUtf8(p.readAllStandardOutput()).split(QRegularExpression("\\s+"), Qt::SkipEmptyParts);
}

double total(const ExpressionMatrix& m) {
    double t = 0;
    for (const double s : m.rowSums()) t += s;
    return t;
}

}  // namespace

class TestSpatialReaders : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

    std::string bad(const QString& name) const { return dir_.filePath(name).toStdString(); }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QProcess p;
        p.start(QStringLiteral(HESCAPE_TEST_PYTHON),
                {QStringLiteral(HESCAPE_SOURCE_DIR "/tests/core/spatial/make_tenx_corpus.py"),
                 QString::fromStdString(kData), dir_.path()});
        QVERIFY(p.waitForFinished(120000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        const auto hest = hescape::test::makeHestFolder(dir_.path());
        QVERIFY2(hest.exitCode == 0, hest.err.constData());
    }

    // Inputs the tenx_h5 fuzz campaign stopped on in our reader (allocations
    // sized from a declared count, a corrupt number type that overran a stack
    // buffer inside libhdf5's conversion): refused naming the dataset.
    void tenxDamagedDeclarationsAreRefused_data() {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("expect");
        QTest::newRow("precision 32800 bits in 4 bytes") << "crash-1b90009a2f8f5b2e9d6e0f7012e1447e55ebec95"
                                                         << "/matrix/data: its number type is corrupt (4 bytes, precision 32800 bits at offset 0)";
        QTest::newRow("a number type of 1 GB") << "oom-c54f74b96cfe2b28e03413db7065966c79426417"
                                               << "/matrix/data: its number type is corrupt (1073741828 bytes";
        QTest::newRow("2^62 values in 20 bytes") << "crash-226278faf952e273c2fa6cf022b95fab2b7a07b4"
                                                 << "/matrix/data: declares 4611686018427387904 values of 4 bytes, more than the 20 bytes";
        QTest::newRow("4294967294 shape values") << "crash-b38b40cbedb55f2ac731f9432a9c0edf39a4f8e5"
                                                 << "/matrix/shape: declares 4294967294 values of";
        QTest::newRow("2030705162 barcodes") << "crash-8caac85cb564a584d2d804afd41a1e28dcf37b48"
                                             << "/matrix/barcodes: declares 2030705162 strings of";
    }
    void tenxDamagedDeclarationsAreRefused() {
        QFETCH(QString, input);
        QFETCH(QString, expect);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        // The fuzz input is the .h5 itself (fuzz/fuzz_tenx_h5.cpp writes it under this name).
        const QString file = dir.filePath("filtered_feature_bc_matrix.h5");
        QVERIFY(QFile::copy(QStringLiteral(HESCAPE_SOURCE_DIR "/fuzz/corpus/tenx_h5/") + input, file));
        try {
            readTenxMatrix(file.toStdString());
            QFAIL("readTenxMatrix() must throw");
        } catch (const std::runtime_error& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(expect), e.what());
            QVERIFY2(QString::fromUtf8(e.what()).startsWith(file), e.what());
        }
    }

    void tenxValueAndIndexTypes_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("barcodes");
        QTest::addColumn<int>("features");
        QTest::newRow("float64 data, int32 index") << "visium_human_heart_scanpy/filtered_feature_bc_matrix.h5" << 100 << 100;
        QTest::newRow("int32 data, uint32 index") << "visium_mouse_brain_visiumio/raw_feature_bc_matrix.h5" << 50 << 49;
        QTest::newRow("int32 data, int64 index") << "xenium_mouse_brain_spe/cell_feature_matrix.h5" << 36602 << 541;
    }

    void tenxValueAndIndexTypes() {
        QFETCH(QString, file);
        QFETCH(int, barcodes);
        QFETCH(int, features);
        const std::string path = kData + "/" + file.toStdString();
        const TenxMatrix m = readTenxMatrix(path);
        QCOMPARE(m.counts.rows(), barcodes);
        QCOMPARE(m.counts.cols(), features);
        QVERIFY(m.counts.integerValued());
        // h5py: total counts and the counts of the last barcode's first stored gene.
        const QStringList ref = python(QStringLiteral(
            "import h5py, numpy as np; f = h5py.File('%1'); d = f['matrix/data'][()]; p = f['matrix/indptr'][()];"
            "i = f['matrix/indices'][()]; print(repr(float(d.sum(dtype=np.float64))), int(i[p[-2]]), repr(float(d[p[-2]])))")
                                           .arg(QString::fromStdString(path)));
        QCOMPARE(ref.size(), 3);
        QCOMPARE(total(m.counts), ref[0].toDouble());
        QCOMPARE(double(m.counts.row(barcodes - 1)[ref[1].toInt()]), ref[2].toDouble());
    }

    void visiumHeart() {
        const SpatialDataset ds = readVisium(kData + "/visium_human_heart_scanpy");
        QCOMPARE(ds.format, std::string("visium"));
        QCOMPARE(ds.observationCount(), 100);
        // Coordinates are (pxl_col, pxl_row) of the positions file for each barcode.
        const QStringList ref = python(QStringLiteral(
            "import h5py, csv; b = h5py.File('%1/filtered_feature_bc_matrix.h5')['matrix/barcodes'][()][7].decode();"
            "r = {row[0]: row for row in csv.reader(open('%1/spatial/tissue_positions_list.csv'))}[b]; print(r[5], r[4], r[1])")
                                           .arg(QString::fromStdString(kData + "/visium_human_heart_scanpy")));
        QCOMPARE(ref.size(), 3);
        QCOMPARE(ds.coordinates[7].x, ref[0].toDouble());
        QCOMPARE(ds.coordinates[7].y, ref[1].toDouble());
        QCOMPARE(ds.obsColumn("in_tissue")->numbers[7], ref[2].toDouble());
        QVERIFY(std::abs(ds.spotDiameter.value_or(0) - 89.42751063343188) < 1e-9);
        QCOMPARE(ds.metadata.at("tissue_hires_scalef"), 0.150015);
        QCOMPARE(detectDatasetFormat(kData + "/visium_human_heart_scanpy"), std::string("visium"));
    }

    void visiumMouseBrainFromH5Path() {
        const SpatialDataset ds = openSpatialDataset(kData + "/visium_mouse_brain_visiumio/raw_feature_bc_matrix.h5");
        QCOMPARE(ds.format, std::string("visium"));
        QCOMPARE(ds.observationCount(), 50);
        QCOMPARE(ds.geneCount(), 49);
    }

    void xeniumToyAndMouseBrain() {
        const SpatialDataset toy = readXenium(kData + "/xenium_toy_sfe");
        QCOMPARE(toy.observationCount(), 526);
        QCOMPARE(toy.geneCount(), 27);  // 30 features less 1 control probe and 2 unassigned codewords
        QCOMPARE(toy.coordinateUnits, std::string("micrometres"));
        QVERIFY(toy.obsColumn("Negative Control Probe") != nullptr);
        QVERIFY(toy.obsColumn("cell_area") != nullptr);
        double x = 0, y = 0;
        toy.toSlide.apply(1000, 1000, x, y);
        QCOMPARE(x, 1000.0);  // no alignment file: identity

        const SpatialDataset brain = openSpatialDataset(kData + "/xenium_mouse_brain_spe");
        QCOMPARE(brain.observationCount(), 36602);
        QCOMPARE(brain.geneCount(), 248);
        const QStringList ref = python(QStringLiteral(
            "import pandas as pd; c = pd.read_csv('%1/cells.csv.gz'); print(repr(c.x_centroid[36601]), repr(c.y_centroid[36601]),"
            "repr(float(c.cell_area.sum())))")
                                           .arg(QString::fromStdString(kData + "/xenium_mouse_brain_spe")));
        QCOMPARE(ref.size(), 3);
        QCOMPARE(brain.coordinates[36601].x, ref[0].toDouble());
        QCOMPARE(brain.coordinates[36601].y, ref[1].toDouble());
        double area = 0;
        for (const double a : brain.obsColumn("cell_area")->numbers) area += a;
        QVERIFY(std::abs(area - ref[2].toDouble()) < 1e-6 * area);
    }

    void xeniumCellsFromParquetEqualTheCsv() {
        const SpatialDataset csv = readXenium(kData + "/xenium_toy_sfe");
        const SpatialDataset parquet = readXenium(bad("xenium_parquet_only"));
        QCOMPARE(parquet.obsNames, csv.obsNames);
        for (std::size_t i = 0; i < csv.coordinates.size(); ++i) {
            // The CSV prints the centroids rounded; the Parquet file holds the doubles.
            QVERIFY(std::abs(parquet.coordinates[i].x - csv.coordinates[i].x) < 1e-4);
            QVERIFY(std::abs(parquet.coordinates[i].y - csv.coordinates[i].y) < 1e-4);
        }
        for (const char* column : {"cell_area", "nucleus_area", "transcript_counts"}) {
            QVERIFY2(parquet.obsColumn(column), column);
            const auto& a = parquet.obsColumn(column)->numbers;
            const auto& b = csv.obsColumn(column)->numbers;
            QCOMPARE(a.size(), b.size());
            for (std::size_t i = 0; i < a.size(); ++i) QVERIFY(std::abs(a[i] - b[i]) <= 1e-4 * std::max(1.0, std::abs(b[i])));
        }
        QCOMPARE(*parquet.spotDiameter, *csv.spotDiameter);
    }

    void xeniumAlignmentMapsMicronsToSlidePixels() {
        const SpatialDataset ds = readXenium(bad("xenium_aligned"));
        // A = [[2,0,10],[0,2,-20]] maps H&E px -> morphology px; cells in um -> /0.2125 -> inverse(A).
        double x = 0, y = 0;
        ds.toSlide.apply(212.5, 425.0, x, y);
        QVERIFY(std::abs(x - (1000.0 - 10.0) / 2.0) < 1e-9);
        QVERIFY(std::abs(y - (2000.0 + 20.0) / 2.0) < 1e-9);
    }

    void spatialTranscriptomicsHer2st() {
        const SpatialDataset ds = openSpatialDataset(kData + "/her2st_breast_st/B4_counts.tsv.gz");
        QCOMPARE(ds.format, std::string("st"));
        QCOMPARE(ds.observationCount(), 283);
        QCOMPARE(ds.geneCount(), 15289);
        QVERIFY(std::abs(ds.spotDiameter.value_or(0) - 100.0 / 0.69) < 1e-9);
        const QStringList ref = python(QStringLiteral(
            "import pandas as pd; c = pd.read_csv('%1/B4_counts.tsv.gz', sep='\\t', index_col=0);"
            "s = pd.read_csv('%1/B4_selection.tsv', sep='\\t'); s.index = s.x.astype(str) + 'x' + s.y.astype(str);"
            "print(repr(float(c.values.sum())), int(c['ERBB2'].sum()), repr(s.loc[c.index[5], 'pixel_x']), repr(s.loc[c.index[5], 'pixel_y']))")
                                           .arg(QString::fromStdString(kData + "/her2st_breast_st")));
        QCOMPARE(ref.size(), 4);
        QCOMPARE(total(ds.expression), ref[0].toDouble());
        const auto erbb2 = ds.expression.column(ds.geneIndex("ERBB2").value());
        double e = 0;
        for (const float v : erbb2) e += v;
        QCOMPARE(e, ref[1].toDouble());
        QCOMPARE(ds.coordinates[5].x, ref[2].toDouble());
        QCOMPARE(ds.coordinates[5].y, ref[3].toDouble());
    }

    void visiumHdBinsAreSquaresOnTheirGrid() {
        const std::string folder = kData + "/visium_hd_seurat_testdata/binned_outputs/square_008um";
        const SpatialDataset ds = readVisium(folder);
        QCOMPARE(ds.format, std::string("visium_hd"));
        QCOMPARE(ds.observationCount(), std::int64_t{2695});
        QCOMPARE(ds.spotShape, SpotShape::Square);
        QCOMPARE(ds.metadata.at("bin_size_um"), 8.0);
        const double mpp = ds.metadata.at("microns_per_pixel");
        QVERIFY(std::abs(mpp - 0.27376126715315274) < 1e-15);
        QVERIFY(std::abs(*ds.spotDiameter - 8.0 / mpp) < 1e-9);
        // Every bin where the independent Parquet reader (tests/core/io/parquet_reference.py) puts it.
        const QStringList ref = python(QStringLiteral(
            "import json, subprocess, sys; out = subprocess.run([sys.executable, '%1/tests/core/io/parquet_reference.py', "
            "'%2/spatial/tissue_positions.parquet', 'barcode', 'pxl_row_in_fullres', 'pxl_col_in_fullres', 'array_row', 'array_col'], "
            "capture_output=True, check=True).stdout; c = json.loads(out)['columns'];"
            "print(*[f'{b} {float.fromhex(x)!r} {float.fromhex(y)!r} {r} {k}' for b, y, x, r, k in zip(c['barcode'], "
            "c['pxl_row_in_fullres'], c['pxl_col_in_fullres'], c['array_row'], c['array_col'])])")
                                           .arg(QStringLiteral(HESCAPE_SOURCE_DIR), QString::fromStdString(folder)));
        QVERIFY(ref.size() % 5 == 0 && ref.size() >= 5 * 2695);
        std::map<std::string, std::array<double, 4>> at;
        for (qsizetype i = 0; i < ref.size(); i += 5)
            at[ref[i].toStdString()] = {ref[i + 1].toDouble(), ref[i + 2].toDouble(), ref[i + 3].toDouble(), ref[i + 4].toDouble()};
        for (std::size_t i = 0; i < ds.obsNames.size(); ++i) {
            const auto& r = at.at(ds.obsNames[i]);
            QCOMPARE(ds.coordinates[i].x, r[0]);
            QCOMPARE(ds.coordinates[i].y, r[1]);
        }
        // The squares' columns run from each bin to its neighbour in the next array column.
        QVERIFY(ds.gridAxis.has_value());
        int checked = 0;
        for (const auto& [barcode, a] : at) {
            for (const auto& [other, b] : at) {
                if (b[2] != a[2] || b[3] != a[3] + 1) continue;
                const double dx = b[0] - a[0], dy = b[1] - a[1], len = std::hypot(dx, dy);
                QVERIFY2(std::abs(dx / len - ds.gridAxis->x) < 2e-3 && std::abs(dy / len - ds.gridAxis->y) < 2e-3,
                         qPrintable(QStringLiteral("%1 %2 vs %3 %4").arg(dx / len).arg(dy / len).arg(ds.gridAxis->x).arg(ds.gridAxis->y)));
                ++checked;
                break;
            }
            if (checked >= 50) break;
        }
        QCOMPARE(checked, 50);
        // On the hires image: squares of the bin's size there, turned with the grid.
        const SpotPlacement placed = placeSpotsOnSlide(ds, transformForSlide(ds, folder + "/spatial/tissue_hires_image.png"));
        QVERIFY(placed.square);
        QVERIFY(std::abs(placed.radius - 4.0 / mpp * ds.metadata.at("tissue_hires_scalef")) < 1e-9);
        QVERIFY(std::abs(placed.angle - std::atan2(ds.gridAxis->y, ds.gridAxis->x)) < 1e-9);
    }

    void visiumHdOutputOpensItsEightMicronBins() {
        const std::string bins = kData + "/visium_hd_seurat_testdata/binned_outputs";
        const auto folders = visiumHdBinFolders(bins);
        QCOMPARE(folders.size(), std::size_t{2});
        QCOMPARE(folders[0].binMicrons, 8.0);
        QCOMPARE(folders[1].binMicrons, 16.0);
        QCOMPARE(detectDatasetFormat(bins), std::string("visium_hd"));
        QVERIFY(QString::fromStdString(openSpatialDataset(bins).source).endsWith("square_008um"));
        // The image belongs to its bin folder; its pixel size is the scale factors' over the hires scale factor.
        const std::string image = folders[0].folder + "/spatial/tissue_hires_image.png";
        QCOMPARE(visiumImageOf(folders[0].folder), image);
        QCOMPARE(visiumFolderOfImage(image), folders[0].folder);
        const auto slide = openSlide(image);
        QVERIFY(!slide->micronsPerPixel());
        QVERIFY(applyCompanionPixelSize(*slide));
        QVERIFY(std::abs(slide->micronsPerPixel()->x - 0.27376126715315274 / 0.25404352) < 1e-12);
        QVERIFY(QString::fromStdString(slide->micronsPerPixelSource()).contains("microns_per_pixel"));
        // The 16 um folder's matrix is another data set's (SOURCE.md): its barcodes without a bin are named.
        try {
            readVisium(folders[1].folder);
            QFAIL("no error");
        } catch (const DatasetError& e) {
            QVERIFY2(QString::fromStdString(e.what()).contains("square_016um/spatial/tissue_positions.parquet: barcode "), e.what());
            QVERIFY2(QString::fromStdString(e.what()).contains("has no position"), e.what());
        }
    }

    void visiumPixelSizeIsDerivedFromTheSpot() {
        const std::string heart = kData + "/visium_human_heart_scanpy";
        const SpatialDataset ds = readVisium(heart);
        QCOMPARE(ds.spotShape, SpotShape::Circle);
        QVERIFY(std::abs(ds.metadata.at("microns_per_pixel") - 55.0 / *ds.spotDiameter) < 1e-12);
        QCOMPARE(ds.metadata.count("microns_per_pixel_derived"), std::size_t{1});
        const auto slide = openSlide(heart + "/spatial/tissue_lowres_image.png");
        QVERIFY(applyCompanionPixelSize(*slide));
        QVERIFY(std::abs(slide->micronsPerPixel()->x - 55.0 / *ds.spotDiameter / ds.metadata.at("tissue_lowres_scalef")) < 1e-9);
        QVERIFY(QString::fromStdString(slide->micronsPerPixelSource()).startsWith("derived"));
    }

    void visiumPositionsFromParquet() {
        // The same spots from tissue_positions.parquet (written by the spec-written generator) as from the CSV.
        const SpatialDataset csv = readVisium(kData + "/visium_human_heart_scanpy");
        const SpatialDataset parquet = readVisium(bad("visium_parquet"));
        QCOMPARE(parquet.obsNames, csv.obsNames);
        for (std::size_t i = 0; i < csv.coordinates.size(); ++i) {
            QCOMPARE(parquet.coordinates[i].x, csv.coordinates[i].x);
            QCOMPARE(parquet.coordinates[i].y, csv.coordinates[i].y);
        }
        QCOMPARE(parquet.obsColumn("array_row")->numbers, csv.obsColumn("array_row")->numbers);
    }

    void hestSamplesOpenWithTheirMetadata() {
        const std::string hest = bad("hest");
        QVERIFY(isHestFolder(hest));
        QCOMPARE(hestSampleIds(hest), (std::vector<std::string>{"B4", "C3"}));
        const HestSample c3 = readHestSample(hest, "C3");
        QCOMPARE(*c3.pixelSize, 0.7);
        QCOMPARE(*c3.spotDiameter, 100.0);
        QCOMPARE(c3.patient, std::string("C"));
        QCOMPARE(detectDatasetFormat(hest), std::string("hest"));
        // The folder opens its first sample; B4's h5ad has no spot size, so the metadata's (um -> px) is used.
        const SpatialDataset b4 = openSpatialDataset(hest);
        QVERIFY(QString::fromStdString(b4.source).endsWith("st/B4.h5ad"));
        QVERIFY(std::abs(*b4.spotDiameter - 100.0 / 0.7) < 1e-9);
        // C3's own spot size (uns/spatial) stays.
        const SpatialDataset own = openSpatialDataset(c3.dataset);
        QVERIFY(std::abs(*own.spotDiameter - readAnnData(c3.dataset).spotDiameter.value()) < 1e-12);
        // Its WSI: HEST's estimate wins over the TIFF's 0.69, and says so.
        const auto slide = openSlide(c3.slide);
        QVERIFY(std::abs(slide->micronsPerPixel()->x - 0.69) < 1e-6);  // TIFF resolution tags are float32 rationals
        QVERIFY(applyCompanionPixelSize(*slide));
        QCOMPARE(slide->micronsPerPixel()->x, 0.7);
        QVERIFY2(QString::fromStdString(slide->micronsPerPixelSource()).contains("pixel_size_um_estimated"), slide->micronsPerPixelSource().c_str());
        QVERIFY(hestSampleOfFile(c3.slide).has_value());
        QVERIFY(!hestSampleOfFile(kData + "/her2st_breast_st/B4_counts.tsv.gz").has_value());
        // Malformed metadata: the file and the field.
        try {
            readHestSample(bad("hest_bad"), "C3");
            QFAIL("no error");
        } catch (const DatasetError& e) {
            QVERIFY2(QString::fromStdString(e.what()).contains("metadata/C3.json: pixel_size_um_estimated must be a positive number"), e.what());
        }
    }

    void badInputNamesFileAndField_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("mustContain");
        QTest::newRow("indptr not monotone") << "visium_indptr" << "visium" << "filtered_feature_bc_matrix.h5: /matrix: indptr";
        QTest::newRow("indices out of range") << "visium_indices" << "visium" << "/matrix/indices: entry 0";
        QTest::newRow("barcodes vs shape") << "visium_barcodes" << "visium" << "/matrix/barcodes: has 10 entries but shape says 100";
        QTest::newRow("spot without position") << "visium_missing_position" << "visium" << "has no position";
        QTest::newRow("NaN position") << "visium_nan_position" << "visium" << "coordinates of observation 3";
        QTest::newRow("text in position") << "visium_text_position" << "visium" << "'abc' is not a number";
        QTest::newRow("scale factor as text") << "visium_string_scalef" << "visium" << "scalefactors_json.json: tissue_hires_scalef must be a positive number";
        QTest::newRow("negative spot diameter") << "visium_negative_spot" << "visium" << "spot_diameter_fullres must be a positive number";
        QTest::newRow("bin size 0") << "visiumhd_zero_bin" << "visium" << "scalefactors_json.json: bin_size_um must be a positive number";
        QTest::newRow("bins without a pixel size") << "visiumhd_no_mpp" << "visium" << "bin_size_um without microns_per_pixel";
        QTest::newRow("truncated cells.csv.gz") << "xenium_truncated_cells" << "xenium" << "cells.csv.gz";
        QTest::newRow("singular alignment") << "xenium_singular_alignment" << "xenium" << "singular";
        QTest::newRow("ST spot without selection") << "st/nosel_counts.tsv.gz" << "st" << "nosel_selection.tsv: spot";
        QTest::newRow("ST negative count") << "st/neg_counts.tsv.gz" << "st" << "neg_counts.tsv.gz: line 3";
        QTest::newRow("not a data set") << "st" << "none" << "not a recognised spatial data set";
    }

    void badInputNamesFileAndField() {
        QFETCH(QString, path);
        QFETCH(QString, kind);
        QFETCH(QString, mustContain);
        QCOMPARE(QString::fromStdString(detectDatasetFormat(bad(path))), kind == "none" ? QString() : kind);
        try {
            openSpatialDataset(bad(path));
            QFAIL("no error");
        } catch (const DatasetError& e) {
            const QString msg = QString::fromStdString(e.what());
            QVERIFY2(msg.contains(dir_.path()), qPrintable(msg));
            QVERIFY2(msg.contains(mustContain), qPrintable(msg));
        }
    }
};

QTEST_GUILESS_MAIN(TestSpatialReaders)
#include "tst_spatial_readers.moc"
