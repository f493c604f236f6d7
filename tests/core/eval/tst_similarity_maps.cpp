// Similarity maps on hand-made embeddings: observations are matched by
// section and name (and by unique names when the section is unknown);
// alignment, query and gene-direction values are the cosines worked out by
// hand; top-k orders by value then index; run files are read back, and bad
// ones (missing, not HDF5, non-finite values) are refused naming the file.
#include "core/engine/RunResultsFile.h"
#include "core/eval/SimilarityMaps.h"
#include "core/io/Hdf5File.h"
#include "tests/core/TestSupport.h"

#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>
#include <limits>

using namespace hescape;

namespace {

// Three spots of section A and one of B, in 2-D.
RunEmbeddings toy() {
    RunEmbeddings r;
    r.dim = 2;
    r.section = {"A", "A", "A", "B"};
    r.obsName = {"s1", "s2", "s3", "s1"};
    r.image = {1, 0, 0, 1, 0.6f, 0.8f, 1, 0};
    r.gene = {1, 0, 1, 0, 0, 1, 0, 1};
    return r;
}

}  // namespace

class TestSimilarityMaps : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void matching() {
        const RunEmbeddings r = toy();
        // The data set lists s3, s1, x (not in the run), s2.
        QCOMPARE(matchObservations(r, "A", {"s3", "s1", "x", "s2"}), (std::vector<std::int64_t>{2, 0, -1, 1}));
        QCOMPARE(matchObservations(r, "B", {"s3", "s1"}), (std::vector<std::int64_t>{-1, 3}));
        // Unknown section: s1 is in two sections, so names are not unique: no match.
        QCOMPARE(matchObservations(r, "C", {"s2", "s1"}), (std::vector<std::int64_t>{-1, -1}));
        RunEmbeddings single = r;
        single.section.pop_back();
        single.obsName.pop_back();
        QCOMPARE(matchObservations(single, "C", {"s2", "s1"}), (std::vector<std::int64_t>{1, 0}));
        // Back from rows to observations: rows 0 and 1 are observations 1 and 3; out-of-range rows are ignored.
        QCOMPARE(observationsOfRows({2, 0, -1, 1}, {1, 0, 7, -3}, 4), (std::vector<std::int64_t>{1, 3}));
        QCOMPARE(observationsOfRows({2, 0, -1, 1}, {}, 4), (std::vector<std::int64_t>{}));
        QCOMPARE(observationsOfRows({2, 0}, {2}, 2), (std::vector<std::int64_t>{}));
    }

    void maps() {
        const RunEmbeddings r = toy();
        const std::vector<std::int64_t> rows = {0, 1, 2, -1};
        const auto align = alignmentMap(r, rows);
        QCOMPARE(align[0], 1.f);  // (1,0).(1,0)
        QCOMPARE(align[1], 0.f);  // (0,1).(1,0)
        QVERIFY(std::abs(align[2] - 0.8f) < 1e-6f);  // (0.6,0.8).(0,1)
        QVERIFY(std::isnan(align[3]));
        // Spot 2's image (0.6, 0.8) against the genes (1,0), (1,0), (0,1).
        const auto q = queryMap(r, rows, 2, true);
        QVERIFY(std::abs(q[0] - 0.6f) < 1e-6f && std::abs(q[1] - 0.6f) < 1e-6f && std::abs(q[2] - 0.8f) < 1e-6f);
        QCOMPARE(topK(q, 2), (std::vector<std::int64_t>{2, 0}));  // ties by index
        // Reverse: spot 0's genes (1,0) against the images.
        const auto g = queryMap(r, rows, 0, false);
        QVERIFY(std::abs(g[0] - 1.f) < 1e-6f && std::abs(g[1]) < 1e-6f && std::abs(g[2] - 0.6f) < 1e-6f);
        QVERIFY(std::isnan(queryMap(r, rows, 3, true)[0]));  // no embedding for the query
        // Gene direction: the gene is high only in spot 2, whose gene embedding
        // is (0,1); mean of all = (2/3, 1/3); direction (-2/3, 2/3) ~ (-1, 1)/sqrt2.
        const auto d = geneDirectionMap(r, rows, {0.f, 0.f, 5.f, 9.f});
        const float s = 1.f / std::sqrt(2.f);
        QVERIFY(std::abs(d[0] + s) < 1e-6f && std::abs(d[1] - s) < 1e-6f);
        QVERIFY(std::abs(d[2] - (-0.6f * s + 0.8f * s)) < 1e-6f);
        QVERIFY(std::isnan(d[3]));
        // A gene that does not vary gives no map.
        QVERIFY(std::isnan(geneDirectionMap(r, rows, {1.f, 1.f, 1.f, 1.f})[0]));
    }

    void runFiles() {
        QTemporaryDir dir;
        PairEmbeddings e;
        e.split = "test";
        e.dim = 2;
        const RunEmbeddings t = toy();
        e.image = t.image;
        e.gene = t.gene;
        e.section = t.section;
        e.obsName = t.obsName;
        e.centreX = e.centreY = {0, 0, 0, 0};
        const std::string path = dir.filePath("run.h5").toStdString();
        writeEmbeddings(path, {"G1"}, "ckpt", {e});
        const RunEmbeddings back = readRunEmbeddings(path);
        QCOMPARE(back.rows(), std::int64_t{4});
        QCOMPARE(back.image, t.image);
        QCOMPARE(back.sections(), (std::vector<std::string>{"A", "B"}));
        for (const std::string& bad : {dir.filePath("missing.h5").toStdString(), std::string(HESCAPE_SOURCE_DIR "/README.md")}) {
            try {
                readRunEmbeddings(bad);
                QFAIL("no error");
            } catch (const Hdf5Error& err) {
                QVERIFY2(std::string(err.what()).find(bad) == 0, err.what());
            }
        }
        // A byte of the image embeddings changed on disk: their Fletcher-32 checksum refuses them (h5py agrees).
        const std::string damaged = dir.filePath("damaged.h5").toStdString();
        const auto flip = hescape::test::runPython(R"(
import h5py, shutil, sys
shutil.copy(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], 'r') as f:
    d = f['/embeddings/test/image']
    assert d.fletcher32
    at = d.id.get_chunk_info(0).byte_offset + 5
with open(sys.argv[2], 'r+b') as f:
    f.seek(at)
    b = f.read(1)
    f.seek(at)
    f.write(bytes([b[0] ^ 0x10]))
try:
    h5py.File(sys.argv[2], 'r')['/embeddings/test/image'][()]
    print('h5py read it')
except OSError:
    print('h5py refused it')
)", {QString::fromStdString(path), QString::fromStdString(damaged)});
        QVERIFY2(flip.exitCode == 0, flip.err.constData());
        QCOMPARE(flip.out.trimmed(), QByteArray("h5py refused it"));
        try {
            readRunEmbeddings(damaged);
            QFAIL("no error");
        } catch (const Hdf5Error& err) {
            QVERIFY2(std::string(err.what()).find("/embeddings/test/image") != std::string::npos &&
                         std::string(err.what()).find("Fletcher-32") != std::string::npos,
                     err.what());
        }
        e.gene[3] = std::numeric_limits<float>::quiet_NaN();
        writeEmbeddings(path, {"G1"}, "ckpt", {e});
        try {
            readRunEmbeddings(path);
            QFAIL("no error");
        } catch (const Hdf5Error& err) {
            QVERIFY2(std::string(err.what()).find("/embeddings/test/gene") != std::string::npos, err.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestSimilarityMaps)
#include "tst_similarity_maps.moc"
