// AnnData reader against anndata itself: a corpus written by Debian's
// python3-anndata (dense/CSR/CSC, int and float, categoricals in both
// encodings, strings, bools, obsm, layers) must read back identical to what
// anndata wrote; a larger matrix in every storage layout gives the same values
// through the direct (pread) and the H5Dread bulk paths; every file of the bad
// corpus fails with a message naming the file and the field; and the real
// squidpy Visium file reads as documented.
#include "core/spatial/AnnDataReader.h"

#include "core/io/Hdf5File.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <set>

using namespace hescape;

class TestAnnDataReader : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QJsonObject expected_;

    std::string file(const QString& name) const { return dir_.filePath(name).toStdString(); }

    static std::vector<double> flat(const QJsonArray& rows) {
        std::vector<double> out;
        for (const auto& r : rows)
            for (const auto& v : r.toArray()) out.push_back(v.toDouble());
        return out;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QProcess p;
        p.start(QStringLiteral(HESCAPE_TEST_PYTHON),
                {QStringLiteral(HESCAPE_SOURCE_DIR "/tests/core/spatial/make_h5ad_corpus.py"), dir_.path()});
        QVERIFY(p.waitForFinished(120000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        QFile f(dir_.filePath("expected.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        expected_ = QJsonDocument::fromJson(f.readAll()).object();
        QVERIFY(!expected_.isEmpty());
    }

    void goodFilesReadBackAsWritten_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("layout");
        QTest::addColumn<bool>("integers");
        QTest::newRow("dense int32") << "dense_int.h5ad" << int(MatrixLayout::Dense) << true;
        QTest::newRow("dense float32") << "dense_float.h5ad" << int(MatrixLayout::Dense) << false;
        QTest::newRow("dense float32 counts") << "dense_float_counts.h5ad" << int(MatrixLayout::Dense) << true;
        QTest::newRow("csr float32") << "csr_float.h5ad" << int(MatrixLayout::Csr) << false;
        QTest::newRow("csc int64") << "csc_int.h5ad" << int(MatrixLayout::Csc) << true;
        QTest::newRow("old categoricals") << "old_categorical.h5ad" << int(MatrixLayout::Csr) << false;
    }

    void goodFilesReadBackAsWritten() {
        QFETCH(QString, name);
        QFETCH(int, layout);
        QFETCH(bool, integers);
        const SpatialDataset ds = readAnnData(file(name));
        QCOMPARE(int(ds.expression.layout()), layout);
        QCOMPARE(ds.expression.integerValued(), integers);
        const QString key = name == "old_categorical.h5ad" ? QStringLiteral("csr_float.h5ad") : name;
        const QJsonObject e = expected_[key].toObject();

        // X, element by element, through both row and column access.
        const auto X = flat(e["X"].toArray());
        QCOMPARE(ds.observationCount(), 7);
        QCOMPARE(ds.geneCount(), 5);
        for (int r = 0; r < 7; ++r) {
            const auto row = ds.expression.row(r);
            for (int c = 0; c < 5; ++c) QCOMPARE(double(row[c]), double(float(X[r * 5 + c])));
        }
        SpatialDataset copy = readAnnData(file(name));
        copy.expression.buildColumnIndex();
        for (int c = 0; c < 5; ++c) {
            const auto col = copy.expression.column(c);
            for (int r = 0; r < 7; ++r) QCOMPARE(double(col[r]), double(float(X[r * 5 + c])));
        }
        // Names, ids, obs columns.
        std::vector<std::string> genes, ids, names;
        for (const auto& g : expected_["genes"].toArray()) genes.push_back(g.toString().toStdString());
        for (const auto& g : expected_["gene_ids"].toArray()) ids.push_back(g.toString().toStdString());
        for (const auto& g : expected_["obs_names"].toArray()) names.push_back(g.toString().toStdString());
        QVERIFY(ds.geneNames == genes);
        QVERIFY(ds.geneIds == ids);
        QVERIFY(ds.obsNames == names);
        QCOMPARE(ds.geneIndex("ESR1").value_or(-1), 2);
        QCOMPARE(ds.geneIndex("ENSG00004").value_or(-1), 4);
        QVERIFY(!ds.geneIndex("NOT_A_GENE").has_value());

        const ObsColumn* region = ds.obsColumn("region");
        QVERIFY(region && region->kind == ObsColumn::Kind::Categorical);
        std::vector<std::string> cats;
        for (const auto& c : expected_["region_categories"].toArray()) cats.push_back(c.toString().toStdString());
        QVERIFY(region->categories == cats);
        const auto codes = expected_["region_codes"].toArray();
        for (int i = 0; i < 7; ++i) QCOMPARE(region->codes[i], codes[i].toInt());
        QCOMPARE(region->text(3), std::string());  // missing value (code -1)
        const ObsColumn* nCounts = ds.obsColumn("n_counts");
        QVERIFY(nCounts && nCounts->kind == ObsColumn::Kind::Numeric);
        for (int i = 0; i < 7; ++i) QCOMPARE(nCounts->numbers[i], expected_["n_counts"].toArray()[i].toDouble());
        const ObsColumn* selected = ds.obsColumn("selected");
        QVERIFY(selected && selected->kind == ObsColumn::Kind::Numeric);
        for (int i = 0; i < 7; ++i) QCOMPARE(selected->numbers[i], expected_["selected"].toArray()[i].toDouble());
        const ObsColumn* note = ds.obsColumn("note");
        QVERIFY(note && note->kind == ObsColumn::Kind::String);
        QCOMPARE(note->strings[4], std::string("e"));

        // Coordinates (double precision), obsm, layers/counts, spot diameter.
        const auto spatial = flat(expected_["spatial"].toArray());
        QCOMPARE(ds.coordinates.size(), std::size_t{7});
        for (int i = 0; i < 7; ++i) {
            QCOMPARE(ds.coordinates[i].x, spatial[i * 2]);
            QCOMPARE(ds.coordinates[i].y, spatial[i * 2 + 1]);
        }
        const auto pca = flat(e["X_pca"].toArray());
        QCOMPARE(ds.obsm.at("X_pca").dims, 3);
        for (std::size_t i = 0; i < pca.size(); ++i) QCOMPARE(double(ds.obsm.at("X_pca").values[i]), double(float(pca[i])));
        QVERIFY(ds.rawCounts.has_value());
        const auto counts = flat(expected_["counts"].toArray());
        const auto sums = ds.rawCounts->rowSums();
        for (int r = 0; r < 7; ++r) {
            double s = 0;
            for (int c = 0; c < 5; ++c) s += counts[r * 5 + c];
            QCOMPARE(sums[r], s);
        }
        QCOMPARE(ds.spotDiameter.value_or(0), 89.5);
    }

    void bulkPathsReadTheSameValues_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("xDirect");       // X/data and X/indices
        QTest::addColumn<bool>("countsDirect");  // layers/counts/data and indices
        QTest::newRow("anndata's own small chunks (H5Dread)") << "bulk_anndata.h5ad" << false << false;
        QTest::newRow("gzip (H5Dread)") << "bulk_gzip.h5ad" << false << false;
        QTest::newRow("contiguous (direct)") << "bulk_contiguous.h5ad" << true << true;
        QTest::newRow("1.2 MB chunks (direct)") << "bulk_bigchunks.h5ad" << true << true;
        QTest::newRow("big-endian (H5Dread)") << "bulk_bigendian.h5ad" << false << false;
        QTest::newRow("user block: contiguous direct, chunks H5Dread") << "bulk_userblock.h5ad" << true << false;
    }

    void bulkPathsReadTheSameValues() {
        QFETCH(QString, name);
        QFETCH(bool, xDirect);
        QFETCH(bool, countsDirect);
        {
            const Hdf5File f(file(name));
            QCOMPARE(f.readsDirectly("/X/data", Hdf5Class::Float, 4), xDirect);
            QCOMPARE(f.readsDirectly("/X/indices", Hdf5Class::Integer, 4), xDirect);
            QCOMPARE(f.readsDirectly("/layers/counts/data", Hdf5Class::Float, 4), countsDirect);
            // Bulk reads equal H5Dread's (readFloats/readInt32), and every
            // element is visited exactly once, in blocks that do not overlap.
            for (const char* part : {"/X/data", "/layers/counts/data"}) {
                std::mutex m;
                std::set<std::size_t> firsts;
                std::atomic<std::size_t> visited{0};
                std::atomic<bool> repeated{false};
                const auto bulk = f.readFloatsBulk(part, [&](const float*, std::size_t first, std::size_t n) {
                    visited += n;  // called on the reading threads: no QVERIFY here
                    const std::lock_guard lock(m);
                    if (!firsts.insert(first).second) repeated = true;
                });
                QVERIFY2(std::ranges::equal(bulk, f.readFloats(part)), part);
                QCOMPARE(visited.load(), bulk.size());
                QVERIFY(!repeated);
                QVERIFY(firsts.size() > 1);  // several blocks: the threads had work to share
            }
            QVERIFY(std::ranges::equal(f.readInt32Bulk("/X/indices"), f.readInt32("/X/indices")));
            QVERIFY(std::ranges::equal(f.readInt64Bulk("/X/indptr"), f.readInt64("/X/indptr")));
        }
        // The whole data set, against anndata's numbers and the gzip file
        // (which always goes through H5Dread).
        const SpatialDataset ds = readAnnData(file(name));
        const SpatialDataset ref = readAnnData(file("bulk_gzip.h5ad"));
        const QJsonObject e = expected_["bulk"].toObject();
        QCOMPARE(ds.observationCount(), 3000);
        QCOMPARE(ds.geneCount(), 2000);
        QCOMPARE(ds.expression.storedValues(), e["nnz"].toInteger());
        QVERIFY(!ds.expression.integerValued());  // one 0.5, in the last block
        QVERIFY(ds.rawCounts && ds.rawCounts->integerValued());
        double sum = 0, countsSum = 0;
        for (const double v : ds.expression.rowSums()) sum += v;
        for (const double v : ds.rawCounts->rowSums()) countsSum += v;
        QCOMPARE(sum, e["sum"].toDouble());
        QCOMPARE(countsSum, e["counts_sum"].toDouble());
        for (std::int64_t r = 0; r < ds.observationCount(); r += 7) QVERIFY(ds.expression.row(r) == ref.expression.row(r));
        const auto col = ds.expression.column(7);
        const auto expectedCol = e["column_7"].toArray();
        for (int r = 0; r < 3000; ++r) QCOMPARE(double(col[r]), expectedCol[r].toDouble());
        QCOMPARE(ds.coordinates.size(), std::size_t{3000});
        QCOMPARE(ds.coordinates[2999].x, ref.coordinates[2999].x);
    }

    void badFilesNameFileAndField_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("what");
        QTest::newRow("no X") << "bad_no_X.h5ad" << "/X" << "is missing";
        QTest::newRow("indptr") << "bad_indptr.h5ad" << "/X" << "indptr";
        QTest::newRow("indices") << "bad_indices.h5ad" << "/X" << "indices[";
        QTest::newRow("codes") << "bad_codes.h5ad" << "/obs/region/codes" << "outside the 3 categories";
        QTest::newRow("NaN coordinates") << "bad_nan_coords.h5ad" << "coordinates of observation 3" << "not finite";
        QTest::newRow("obs length") << "bad_obs_length.h5ad" << "obs/n_counts" << "expected 7";
        QTest::newRow("encoding") << "bad_encoding.h5ad" << "/X" << "unknown encoding 'coo_matrix'";
        QTest::newRow("var length") << "bad_var_length.h5ad" << "/X" << "var has 2 genes";
        QTest::newRow("negative spot diameter") << "bad_spot_diameter.h5ad" << "/uns/spatial/lib1/scalefactors/spot_diameter_fullres"
                                                << "must hold one positive number, found -89.5";
        QTest::newRow("LZF compression") << "bad_lzf.h5ad" << "reading" << "LZF filter, id 32000, which this HDF5 library does not have";
        QTest::newRow("NaN in X") << "bad_nan_X.h5ad" << "X holds 1 NaN or infinite value" << "expression must be finite";
        QTest::newRow("infinity in X") << "bad_inf_X.h5ad" << "X holds 1 NaN or infinite value, the first at observation 5 ('spot5'), gene 3 ('KRT5')"
                                       << "must be finite";
        QTest::newRow("duplicate observation names") << "bad_dup_obs.h5ad" << "observation names are not unique: 'spot1' is observation 1 and 4"
                                                     << "obs_names_make_unique";
        QTest::newRow("truncated") << "bad_truncated.h5ad" << "" << "HDF5";
        QTest::newRow("indices, direct path") << "bad_bulk_indices.h5ad" << "/X"
                                              << "indices[1500000] = 2000 is outside 0..1999";
        QTest::newRow("indices, H5Dread path") << "bad_bulk_indices_gzip.h5ad" << "/X"
                                               << "indices[1500000] = 2000 is outside 0..1999";
        QTest::newRow("damaged gzip data") << "bad_bulk_corrupt_gzip.h5ad" << "/X/data" << "reading failed";
        QTest::newRow("data beyond the end of the file") << "bad_bulk_truncated.h5ad" << "/X/data"
                                                         << "lie beyond the end of the file";
        QTest::newRow("not HDF5") << "bad_not_hdf5.h5ad" << "" << "not an HDF5 file";
        QTest::newRow("missing") << "nope.h5ad" << "" << "no such file";
    }

    // Negative values read (X may hold scaled data for display) but are reported, with where the first is.
    void negativeValuesAreFound() {
        const SpatialDataset ds = readAnnData(file("negative_X.h5ad"));
        const ExpressionMatrix::ValueSummary v = ds.expression.summariseValues();
        QCOMPARE(v.negative, std::int64_t{1});
        QCOMPARE(v.min, -1.5f);
        QCOMPARE(ds.expression.row(v.negativeRow)[static_cast<std::size_t>(v.negativeCol)], -1.5f);
        QCOMPARE(readAnnData(file("csr_float.h5ad")).expression.summariseValues().negative, std::int64_t{0});
    }

    void badFilesNameFileAndField() {
        QFETCH(QString, name);
        QFETCH(QString, field);
        QFETCH(QString, what);
        try {
            readAnnData(file(name));
            QFAIL("no error for a bad file");
        } catch (const DatasetError& e) {
            const QString msg = QString::fromStdString(e.what());
            QVERIFY2(msg.startsWith(dir_.filePath(name)), qPrintable(msg));
            QVERIFY2(msg.contains(field), qPrintable(msg));
            QVERIFY2(msg.contains(what), qPrintable(msg));
        }
    }

    void realSquidpyVisiumFile() {
        const SpatialDataset ds =
            readAnnData(HESCAPE_SHARED_DATA_DIR "/anndata_visium_mouse_brain_squidpy/test_data.h5ad");
        QCOMPARE(ds.observationCount(), 49);
        QCOMPARE(ds.geneCount(), 1999);
        QCOMPARE(int(ds.expression.layout()), int(MatrixLayout::Csr));
        QCOMPARE(ds.expression.storedValues(), 22372);
        QVERIFY(!ds.expression.integerValued());  // log-normalised values
        const ObsColumn* leiden = ds.obsColumn("leiden");
        QVERIFY(leiden && leiden->categories.size() == 5);
        QCOMPARE(ds.obsm.at("X_pca").dims, 50);
        QCOMPARE(ds.coordinates.size(), std::size_t{49});
        QVERIFY(std::abs(ds.spotDiameter.value_or(0) - 89.44) < 0.01);
        QCOMPARE(ds.geneIds.size(), std::size_t{1999});
        QVERIFY(ds.geneIds[0].rfind("ENSMUSG", 0) == 0);
        // Reference: anndata's own sum of X and of the first spot's coordinates.
        QProcess p;
        p.start(QStringLiteral(HESCAPE_TEST_PYTHON),
                {"-c", "import anndata as ad, numpy as np; a = ad.read_h5ad('" HESCAPE_SHARED_DATA_DIR
                       "/anndata_visium_mouse_brain_squidpy/test_data.h5ad'); "
                       "print(repr(float(a.X.sum(dtype=np.float64))), a.obsm['spatial'][0][0], a.obsm['spatial'][0][1])"});
        QVERIFY(p.waitForFinished(60000));
        const QStringList ref = QString::fromUtf8(p.readAllStandardOutput()).split(' ', Qt::SkipEmptyParts);
        QCOMPARE(ref.size(), 3);
        double total = 0;
        for (const double s : ds.expression.rowSums()) total += s;
        QVERIFY2(std::abs(total - ref[0].toDouble()) < 1e-6 * std::abs(total), qPrintable(ref[0]));
        QCOMPARE(ds.coordinates[0].x, ref[1].toDouble());
        QCOMPARE(ds.coordinates[0].y, ref[2].trimmed().toDouble());
    }
};

QTEST_GUILESS_MAIN(TestAnnDataReader)
#include "tst_anndata_reader.moc"
