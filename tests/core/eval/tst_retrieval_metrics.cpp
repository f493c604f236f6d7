// Cross-modal retrieval metrics against numpy on the same embeddings (whole
// set and HESCAPE's in-batch protocol, both directions, recall@1/5/10, mean
// and median rank, per-pair cosine); blocked ranks equal unblocked ones; a
// hand-computed case; mismatched shapes are refused.
#include "core/eval/RetrievalMetrics.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

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

    void badShapes() {
        const std::vector<float> a(12, 1.f), b(10, 1.f);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, wholeSetRetrieval(EmbeddingView(a, 4), EmbeddingView(b, 5)));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, EmbeddingView(b, 3));
    }
};

QTEST_GUILESS_MAIN(TestRetrievalMetrics)
#include "tst_retrieval_metrics.moc"
