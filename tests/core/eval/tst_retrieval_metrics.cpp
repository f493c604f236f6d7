// Cross-modal retrieval metrics against numpy on the same embeddings (whole
// set and HESCAPE's in-batch protocol weighted by batch size, both
// directions, recall@1/5/10, mean and median rank, per-pair cosine); blocked
// ranks equal unblocked ones; a hand-computed case with a tie; a collapsed
// encoder scores exactly chance; the permutation test's re-pairing against
// numpy and its p-values on aligned and on unrelated embeddings; mismatched
// shapes are refused; a whole run file gives the app's table rows.
#include "core/engine/RunResultsFile.h"
#include "core/eval/RetrievalMetrics.h"
#include "core/eval/RetrievalSignificance.h"
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
        // A fixed re-pairing (a rotation by 17) for the permutation test's statistic.
        std::vector<std::int64_t> pairing(kRows);
        for (int i = 0; i < kRows; ++i) pairing[static_cast<std::size_t>(i)] = (i + 17) % kRows;
        {
            QFile f(dir.filePath("pairing.i64"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(reinterpret_cast<const char*>(pairing.data()), static_cast<qint64>(pairing.size() * sizeof(std::int64_t)));
        }
        QProcess p;
        p.start(QStringLiteral(HESCAPE_TEST_PYTHON),
                {QStringLiteral(HESCAPE_SOURCE_DIR "/tests/core/eval/retrieval_reference.py"), dir.filePath("img.f32"),
                 dir.filePath("gene.f32"), QString::number(kRows), QString::number(kDim), "64", dir.filePath("pairing.i64")});
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
        const double repaired = recallUnderPairing(img, gene, pairing, 5);
        QVERIFY2(std::abs(repaired - ref["repaired_r5"].toDouble()) < 1e-9, qPrintable(QString::number(repaired)));
        QVERIFY(repaired < 3 * whole.imageToGene.chanceAt5);  // a wrong pairing scores about chance
    }

    void permutationTest() {
        // Aligned pairs: no re-pairing reaches the observed recall -> p = 1 / (M + 1).
        const EmbeddingView img(image_, kDim), gene(gene_, kDim);
        const RecallSignificance aligned = recallPermutationTest(img, gene, 5, 999, 1);
        QVERIFY(aligned.available);
        QCOMPARE(aligned.pValue, 1.0 / 1000);
        QCOMPARE(aligned.observed, wholeSetRetrieval(img, gene).imageToGene.recallAt5);
        QVERIFY2(std::abs(aligned.nullMean - 5.0 / kRows) < 0.003, qPrintable(QString::number(aligned.nullMean)));
        // Unrelated embeddings: p is uniform under the null; over 20 draws its
        // mean lies near 0.5 (sd of the mean ~0.065) and small p are rare.
        std::mt19937 rng(5);
        std::normal_distribution<float> normal;
        double sum = 0;
        int small = 0;
        for (int draw = 0; draw < 20; ++draw) {
            std::vector<float> a(200 * 8), b(200 * 8);
            for (auto& x : a) x = normal(rng);
            for (auto& x : b) x = normal(rng);
            const RecallSignificance r = recallPermutationTest(EmbeddingView(a, 8), EmbeddingView(b, 8), 5, 199, draw);
            sum += r.pValue;
            small += r.pValue < 0.01;
        }
        QVERIFY2(sum / 20 > 0.3 && sum / 20 < 0.7, qPrintable(QString::number(sum / 20)));
        QVERIFY(small <= 1);
        // Too many pairs for the held matrix: said, not guessed.
        const std::vector<float> many(static_cast<std::size_t>(kMaxPermutationPairs + 1) * 2, 1.f);
        const RecallSignificance big = recallPermutationTest(EmbeddingView(many, 2), EmbeddingView(many, 2));
        QVERIFY(!big.available);
        QVERIFY(big.why.find("8192") != std::string::npos);
    }

    void collapsedEncoderScoresChance() {
        // Every embedding equal (an encoder that collapsed): all candidates
        // tie, so every query's recall@k is k / n and its expected rank (n + 1) / 2,
        // over several blocks too; in batches, each batch's chance.
        constexpr int n = 300;
        const std::vector<float> same(static_cast<std::size_t>(n) * 3, 0.5f);
        const EmbeddingView v(same, 3);
        for (const std::int64_t block : {64, 300}) {
            const auto ranks = retrievalRanks(v, v, block);
            for (const auto& r : ranks) QVERIFY(r.above == 0 && r.tied == n - 1);
            const RetrievalScores s = scoresFromRanks(ranks, n);
            QCOMPARE(s.recallAt5, 5.0 / n);
            QCOMPARE(s.recallAt1, 1.0 / n);
            QCOMPARE(s.meanRank, (n + 1) / 2.0);
        }
        const RetrievalReport b = inBatchRetrieval(v, v, 64);
        QVERIFY(std::abs(b.geneToImage.recallAt5 - b.geneToImage.chanceAt5) < 1e-12);
        // Four full batches of 64 and one of 44, weighted by their pairs.
        QVERIFY(std::abs(b.geneToImage.chanceAt5 - (4 * 64 * (5.0 / 64) + 44 * (5.0 / 44)) / n) < 1e-12);
    }

    void blockedEqualsUnblocked() {
        const EmbeddingView img(image_, kDim), gene(gene_, kDim);
        const auto whole = retrievalRanks(img, gene, kRows);
        for (const std::int64_t block : {1, 7, 64, 499}) QVERIFY(retrievalRanks(img, gene, block) == whole);
    }

    void handComputed() {
        // Three pairs in 2-D. Image 0 = (1, 0): cosines to genes (1, 0.1),
        // (1, 0), (0, 1) are 0.995, 1, 0 -> gene 1 beats its partner: rank 2.
        const std::vector<float> img = {1, 0, 0, 1, 1, 1};
        const std::vector<float> gene = {1, 0.1f, 1, 0, 0, 1};
        const auto r = retrievalRanks(EmbeddingView(img, 2), EmbeddingView(gene, 2));
        // Image 1 = (0, 1): cosines 0.0995, 0, 1 -> partner gene 1 (cos 0) is below 0.0995 and 1: rank 3.
        // Image 2 = (1, 1): cosines 0.77, 0.71, 0.71 -> partner gene 2 (0.71)
        // below gene 0 and tied with gene 1: rank 2 or 3, expected 2.5.
        QVERIFY(r == (std::vector<PartnerRank>{{1, 0}, {2, 0}, {1, 1}}));
        QCOMPARE(r[2].recallAt(2), 0.5);
        const RetrievalScores s = scoresFromRanks(r, 3);
        QCOMPARE(s.recallAt1, 0.0);
        QCOMPARE(s.meanRank, 7.5 / 3.0);
        QCOMPARE(s.medianRank, 2.5);
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
