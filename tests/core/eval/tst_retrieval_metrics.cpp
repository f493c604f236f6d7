// Cross-modal retrieval metrics against numpy on the same embeddings (whole
// set and HESCAPE's in-batch protocol, both directions, recall@1/5/10, mean
// and median rank, per-pair cosine); blocked ranks equal unblocked ones; a
// hand-computed case; mismatched shapes are refused; a whole run file gives
// the app's table rows (retrieval, alignment, expression prediction, batch).
#include "core/engine/RunResultsFile.h"
#include "core/eval/RetrievalMetrics.h"
#include "core/eval/RunMetrics.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>
#include <limits>
#include <random>

using namespace hescape;

namespace {

constexpr int kRows = 500, kDim = 32;

void writeRaw(const QString& path, const std::vector<float>& v) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(reinterpret_cast<const char*>(v.data()), static_cast<qint64>(v.size() * sizeof(float)));
}

void compare(const RetrievalScores& s, const QJsonObject& ref) {
    QVERIFY(std::abs(s.recallAt1 - ref["r1"].toDouble()) < 1e-9);
    QVERIFY(std::abs(s.recallAt5 - ref["r5"].toDouble()) < 1e-9);
    QVERIFY(std::abs(s.recallAt10 - ref["r10"].toDouble()) < 1e-9);
    QVERIFY2(std::abs(s.meanRank - ref["mean"].toDouble()) < 1e-9, qPrintable(QString::number(s.meanRank)));
    QVERIFY(std::abs(s.medianRank - ref["median"].toDouble()) < 1e-9);
    QVERIFY(std::abs(s.chanceAt5 - ref["c5"].toDouble()) < 1e-9);
}

}  // namespace

class TestRetrievalMetrics : public QObject {
    Q_OBJECT
    std::vector<float> image_, gene_;

private Q_SLOTS:
    void initTestCase() {
        // Each gene embedding is its image embedding plus noise: partners are
        // often, not always, the nearest.
        std::mt19937 rng(7);
        std::normal_distribution<float> normal;
        image_.resize(kRows * kDim);
        gene_.resize(kRows * kDim);
        for (std::size_t i = 0; i < image_.size(); ++i) {
            image_[i] = normal(rng);
            gene_[i] = image_[i] + 1.6f * normal(rng);
        }
    }

    void matchesNumpy() {
        QTemporaryDir dir;
        writeRaw(dir.filePath("img.f32"), image_);
        writeRaw(dir.filePath("gene.f32"), gene_);
        QProcess p;
        p.start(QStringLiteral(HESCAPE_TEST_PYTHON),
                {QStringLiteral(HESCAPE_SOURCE_DIR "/tests/core/eval/retrieval_reference.py"), dir.filePath("img.f32"),
                 dir.filePath("gene.f32"), QString::number(kRows), QString::number(kDim), "64"});
        QVERIFY(p.waitForFinished(120000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        const QJsonObject ref = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
        const EmbeddingView img(image_, kDim), gene(gene_, kDim);
        const RetrievalReport whole = wholeSetRetrieval(img, gene, 64);
        compare(whole.imageToGene, ref["whole"]["i2g"].toObject());
        compare(whole.geneToImage, ref["whole"]["g2i"].toObject());
        QCOMPARE(whole.imageToGene.gallery, std::int64_t{kRows});
        // Not trivial: partners are found far above chance but not always first.
        QVERIFY(whole.imageToGene.recallAt5 > 5 * whole.imageToGene.chanceAt5);
        QVERIFY(whole.imageToGene.recallAt1 < 0.95);
        const RetrievalReport batch = inBatchRetrieval(img, gene, 64);
        compare(batch.imageToGene, ref["batch"]["i2g"].toObject());
        compare(batch.geneToImage, ref["batch"]["g2i"].toObject());
        QCOMPARE(batch.imageToGene.gallery, std::int64_t{64});
        const auto cosine = pairCosine(img, gene);
        const QJsonArray refCos = ref["cosine"].toArray();
        QCOMPARE(static_cast<int>(cosine.size()), refCos.size());
        for (int i = 0; i < refCos.size(); ++i) QVERIFY(std::abs(cosine[static_cast<std::size_t>(i)] - refCos[i].toDouble()) < 1e-5);
    }

    void blockedEqualsUnblocked() {
        const EmbeddingView img(image_, kDim), gene(gene_, kDim);
        const auto whole = retrievalRanks(img, gene, kRows);
        for (const std::int64_t block : {1, 7, 64, 499}) QCOMPARE(retrievalRanks(img, gene, block), whole);
    }

    void handComputed() {
        // Three pairs in 2-D. Image 0 = (1, 0): cosines to genes (1, 0.1),
        // (1, 0), (0, 1) are 0.995, 1, 0 -> gene 1 beats its partner: rank 2.
        const std::vector<float> img = {1, 0, 0, 1, 1, 1};
        const std::vector<float> gene = {1, 0.1f, 1, 0, 0, 1};
        const auto r = retrievalRanks(EmbeddingView(img, 2), EmbeddingView(gene, 2));
        // Image 1 = (0, 1): cosines 0.0995, 0, 1 -> partner gene 1 (cos 0) is below 0.0995 and 1: rank 3.
        // Image 2 = (1, 1): cosines 0.77, 0.71, 0.71 -> partner gene 2 (0.71) below gene 0; tie with gene 1 not counted: rank 2.
        QCOMPARE(r, (std::vector<std::int64_t>{2, 3, 2}));
        const RetrievalScores s = scoresFromRanks(r, 3);
        QCOMPARE(s.recallAt1, 0.0);
        QCOMPARE(s.meanRank, 7.0 / 3.0);
        QCOMPARE(s.medianRank, 2.0);
        QCOMPARE(s.chanceAt5, 1.0);
    }

    void runFileRows() {
        // Two sections; expression follows the image embeddings linearly, the
        // untrained embeddings are noise: prediction must favour the trained ones.
        QTemporaryDir dir;
        std::mt19937 rng(11);
        std::normal_distribution<float> normal;
        RunResults r;
        r.genes = {"G0", "G1", "G2"};
        for (const char* split : {"train", "test"}) {
            PairEmbeddings e;
            e.split = split;
            e.dim = 4;
            e.genes = 3;
            for (int i = 0; i < 120; ++i) {
                float v[4];
                for (auto& x : v) x = normal(rng);
                e.image.insert(e.image.end(), v, v + 4);
                for (const float x : v) e.gene.push_back(x + 0.3f * normal(rng));
                for (int k = 0; k < 4; ++k) e.imageInitial.push_back(normal(rng));
                for (int g = 0; g < 3; ++g) e.expression.push_back(v[g] * 2.f + v[3] + 0.2f * normal(rng));
                e.section.push_back(i % 2 ? "S1" : "S2");
                e.obsName.push_back(std::string(split) + std::to_string(i));
                e.centreX.push_back(0);
                e.centreY.push_back(0);
            }
            r.embeddings.push_back(e);
        }
        const QString path = dir.filePath("run.h5");
        writeRunResults(path.toStdString(), r);
        const auto rows = runMetrics(path.toStdString());
        auto value = [&](const std::string& split, const std::string& group, const std::string& metric) {
            for (const auto& m : rows)
                if (m.split == split && m.protocol == group && m.metric == metric) return m.value;
            return std::numeric_limits<double>::quiet_NaN();
        };
        QCOMPARE(value("test", "whole, image->gene", "gallery"), 120.0);
        QVERIFY(value("test", "whole, image->gene", "recall@5") > 0.5);
        QVERIFY(value("test", "expression prediction, trained", "mean Pearson r") > 0.9);
        QVERIFY(std::abs(value("test", "expression prediction, untrained", "mean Pearson r")) < 0.3);
        QCOMPARE(value("test", "expression prediction, trained", "genes scored"), 3.0);
        const double knn = value("all", "batch by section, image", "kNN batch accuracy (balanced)");
        QVERIFY2(knn >= 0 && knn <= 1, qPrintable(QString::number(knn)));
    }

    void badShapes() {
        const std::vector<float> a(12, 1.f), b(10, 1.f);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, wholeSetRetrieval(EmbeddingView(a, 4), EmbeddingView(b, 5)));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, EmbeddingView(b, 3));
    }
};

QTEST_GUILESS_MAIN(TestRetrievalMetrics)
#include "tst_retrieval_metrics.moc"
