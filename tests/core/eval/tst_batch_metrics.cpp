// Batch-effect metrics (core/eval/BatchMetrics) against Debian's numpy /
// scipy / scikit-learn on the same random embedding with batch structure
// (batch_metrics_reference.py: neighbours, silhouettes, scib's batch
// silhouette, LISI from the paper's formula, kNN classifier, graph
// connectivity), with and without cell types; hand-computed LISI, kNN vote and
// connectivity cases; mixed vs separated batches; exact neighbours under
// ties, huge and tiny scales; the same numbers on 1 and 2 threads; bad input.
#include "core/eval/BatchMetrics.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

using namespace hescape;

namespace {

// 2503 cells: not a multiple of the kernel's 4 rows, 16-column panels or
// 64-row chunks, and more than one 1024-column block.
constexpr int kCells = 2503, kDim = 16, kK = 15;
constexpr double kPerplexity = 30;
constexpr double kTol = 1e-5;

struct Data {
    std::vector<float> x;
    std::vector<int> batch, type;
};

// Cell types are clusters; each batch shifts all its cells by one offset.
// Batch codes 0, 1, 3 and type codes 0, 1, 2, 4, 5 (gaps on purpose); type 4
// lives only in batch 0 and type 5 is two cells of two batches: scib skips
// both groups in the batch silhouette.
Data makeData() {
    std::mt19937 rng(20240517);
    std::normal_distribution<float> normal;
    std::uniform_real_distribution<double> uniform;
    const int batchCodes[3] = {0, 1, 3};
    std::vector<std::vector<float>> centre(6, std::vector<float>(kDim)), offset(4, std::vector<float>(kDim));
    for (auto& c : centre)
        for (auto& v : c) v = 0.6f * normal(rng);
    for (auto& o : offset)
        for (auto& v : o) v = 0.6f * normal(rng);
    Data d;
    for (int i = 0; i < kCells; ++i) {
        int b, t;
        if (i >= kCells - 2) {
            b = batchCodes[i - (kCells - 2)];
            t = 5;
        } else {
            const double u = uniform(rng);
            b = batchCodes[u < 0.45 ? 0 : u < 0.8 ? 1 : 2];
            t = static_cast<int>(uniform(rng) * 3);
            if (b == 0 && uniform(rng) < 0.2) t = 4;
        }
        d.batch.push_back(b);
        d.type.push_back(t);
        for (int c = 0; c < kDim; ++c)
            d.x.push_back(centre[static_cast<std::size_t>(t)][static_cast<std::size_t>(c)] +
                          offset[static_cast<std::size_t>(b)][static_cast<std::size_t>(c)] + normal(rng));
    }
    return d;
}

template <class T>
bool writeRaw(const QString& path, const std::vector<T>& v) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) return false;
    return f.write(reinterpret_cast<const char*>(v.data()), static_cast<qint64>(v.size() * sizeof(T))) ==
           static_cast<qint64>(v.size() * sizeof(T));
}

bool close(double a, const QJsonValue& ref, double tol = kTol) {
    if (ref.isNull()) return std::isnan(a);  // the reference writes NaN as null
    return std::abs(a - ref.toDouble()) <= tol;
}

#define COMPARE_VALUE(ours, ref) QVERIFY2(close((ours), (ref)), qPrintable(QStringLiteral(#ours " = %1, reference %2").arg((ours), 0, 'g', 12).arg((ref).toDouble(), 0, 'g', 12)))

void compareArray(const std::vector<double>& ours, const QJsonArray& ref, const char* what) {
    QVERIFY2(static_cast<qsizetype>(ours.size()) == ref.size(), what);
    for (qsizetype i = 0; i < ref.size(); ++i)
        QVERIFY2(close(ours[static_cast<std::size_t>(i)], ref[i]),
                 qPrintable(QStringLiteral("%1[%2] = %3, reference %4").arg(what).arg(i).arg(ours[static_cast<std::size_t>(i)], 0, 'g', 12).arg(ref[i].toDouble(), 0, 'g', 12)));
}

// Per-code results: NaN exactly where the reference has no entry.
void comparePerCode(const std::vector<double>& ours, const QJsonObject& ref, const char* what) {
    int present = 0;
    for (std::size_t c = 0; c < ours.size(); ++c) {
        const QString key = QString::number(c);
        if (std::isnan(ours[c])) {
            QVERIFY2(!ref.contains(key), qPrintable(QStringLiteral("%1: code %2 missing").arg(what).arg(c)));
            continue;
        }
        ++present;
        QVERIFY2(close(ours[c], ref[key]), qPrintable(QStringLiteral("%1[%2] = %3, reference %4").arg(what).arg(c).arg(ours[c]).arg(ref[key].toDouble())));
    }
    QCOMPARE(present, ref.size());
}

void compareBatchSilhouette(const BatchSilhouette& s, const QJsonObject& ref) {
    COMPARE_VALUE(s.score, ref["score"]);
    comparePerCode(s.perGroup, ref["perGroup"].toObject(), "perGroup");
    comparePerCode(s.perBatch, ref["perBatch"].toObject(), "perBatch");
    compareArray(s.perCell, ref["perCell"].toArray(), "batch silhouette perCell");
    QCOMPARE(s.groupsScored, ref["perGroup"].toObject().size());
}

void compareLisi(const LisiSummary& l, const QJsonObject& ref) {
    COMPARE_VALUE(l.median, ref["median"]);
    COMPARE_VALUE(l.mean, ref["mean"]);
    COMPARE_VALUE(l.normalised, ref["normalised"]);
    compareArray(l.perCell, ref["perCell"].toArray(), "LISI perCell");
    comparePerCode(l.perLabel, ref["perLabel"].toObject(), "LISI perLabel");
}

void compareKnn(const KnnBatchAccuracy& k, const QJsonObject& ref) {
    COMPARE_VALUE(k.accuracy, ref["accuracy"]);
    COMPARE_VALUE(k.balancedAccuracy, ref["balanced"]);
    comparePerCode(k.perBatch, ref["perBatch"].toObject(), "knn perBatch");
    const QJsonArray pred = ref["predicted"].toArray();
    QCOMPARE(static_cast<qsizetype>(k.predicted.size()), pred.size());
    for (qsizetype i = 0; i < pred.size(); ++i) QCOMPARE(k.predicted[static_cast<std::size_t>(i)], pred[i].toInt());
}

void compareConnectivity(const GraphConnectivity& g, const QJsonObject& ref) {
    COMPARE_VALUE(g.score, ref["score"]);
    comparePerCode(g.perLabel, ref["perLabel"].toObject(), "connectivity perLabel");
}

// Neighbours by brute force in double, ties to the smaller index: what
// exactNeighbours promises, written the obvious way.
std::vector<std::int32_t> bruteNeighbours(const std::vector<float>& x, int dim, int k) {
    const int n = static_cast<int>(x.size()) / dim;
    std::vector<std::int32_t> out;
    for (int i = 0; i < n; ++i) {
        std::vector<std::pair<double, int>> all;
        for (int j = 0; j < n; ++j) {
            if (j == i) continue;
            double s = 0;
            for (int c = 0; c < dim; ++c) {
                const double v = static_cast<double>(x[static_cast<std::size_t>(i * dim + c)]) - x[static_cast<std::size_t>(j * dim + c)];
                s += v * v;
            }
            all.emplace_back(s, j);
        }
        std::sort(all.begin(), all.end());
        for (int t = 0; t < k; ++t) out.push_back(all[static_cast<std::size_t>(t)].second);
    }
    return out;
}

}  // namespace

class TestBatchMetrics : public QObject {
    Q_OBJECT
    Data data_;
    QJsonObject ref_;
    const QJsonObject& ref() const { return ref_; }  // const: QJsonValue lookups chain

private Q_SLOTS:
    void initTestCase() {
        data_ = makeData();
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        std::vector<std::int32_t> b(data_.batch.begin(), data_.batch.end()), t(data_.type.begin(), data_.type.end());
        QVERIFY(writeRaw(dir.filePath("x.f32"), data_.x));
        QVERIFY(writeRaw(dir.filePath("b.i32"), b));
        QVERIFY(writeRaw(dir.filePath("t.i32"), t));
        QProcess p;
        p.start(QStringLiteral(HESCAPE_TEST_PYTHON),
                {QStringLiteral(HESCAPE_SOURCE_DIR "/tests/core/eval/batch_metrics_reference.py"), dir.filePath("x.f32"),
                 dir.filePath("b.i32"), dir.filePath("t.i32"), QString::number(kCells), QString::number(kDim), QString::number(kK),
                 QString::number(kPerplexity)});
        QVERIFY(p.waitForFinished(280000));
        QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, p.readAllStandardError().constData());
        QJsonParseError error;
        ref_ = QJsonDocument::fromJson(p.readAllStandardOutput(), &error).object();
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    }

    void neighboursMatchSklearn() {
        const int big = static_cast<int>(std::lround(3 * kPerplexity)) - 1;
        const NeighbourGraph g = exactNeighbours(EmbeddingView(data_.x, kDim), big);
        QCOMPARE(g.rows, std::int64_t{kCells});
        QCOMPARE(g.k, big);
        const QJsonArray index = ref()["neighbours"]["index"].toArray(), dist = ref()["neighbours"]["distance"].toArray();
        QCOMPARE(index.size(), qsizetype{kCells});
        for (int i = 0; i < kCells; ++i) {
            const QJsonArray ri = index[i].toArray(), rd = dist[i].toArray();
            for (int t = 0; t < big; ++t) {
                const auto e = static_cast<std::size_t>(i * big + t);
                QCOMPARE(g.index[e], ri[t].toInt());
                QVERIFY(std::abs(g.distance[e] - rd[t].toDouble()) < 1e-9);
            }
        }
    }

    void silhouetteMatchesSklearn() {
        const EmbeddingView x(data_.x, kDim);
        const auto s = silhouetteSamples(x, data_.type);
        compareArray(s, ref()["typed"]["typeSilhouette"].toArray(), "silhouette_samples");
        COMPARE_VALUE(silhouetteScore(x, data_.type), ref()["typed"]["typeSilhouetteScore"]);
    }

    void batchSilhouetteMatchesScib() {
        const EmbeddingView x(data_.x, kDim);
        const BatchSilhouette typed = batchSilhouette(x, data_.batch, data_.type);
        compareBatchSilhouette(typed, ref()["typed"]["batchSilhouette"].toObject());
        QCOMPARE(typed.groupsScored, 3);  // types 4 (one batch) and 5 (all singletons) skipped
        QVERIFY(std::isnan(typed.perGroup[4]) && std::isnan(typed.perGroup[5]) && std::isnan(typed.perGroup[3]));
        compareBatchSilhouette(batchSilhouette(x, data_.batch), ref()["untyped"]["batchSilhouette"].toObject());
    }

    void reportMatchesReference() {
        const EmbeddingView x(data_.x, kDim);
        BatchMetricsOptions opt;
        opt.k = kK;
        opt.perplexity = kPerplexity;
        const BatchEffectReport typed = batchEffectReport(x, data_.batch, data_.type, opt);
        const QJsonObject rt = ref()["typed"].toObject(), ru = ref()["untyped"].toObject();
        QCOMPARE(typed.cells, std::int64_t{kCells});
        QCOMPARE(typed.batches, 3);
        QCOMPARE(typed.cellTypes, 5);
        QCOMPARE(typed.cellsPerBatch.size(), std::size_t{4});
        QCOMPARE(typed.cellsPerBatch[2], std::int64_t{0});
        QCOMPARE(typed.cellsPerBatch[0] + typed.cellsPerBatch[1] + typed.cellsPerBatch[3], std::int64_t{kCells});
        compareBatchSilhouette(typed.batchSilhouette, rt["batchSilhouette"].toObject());
        COMPARE_VALUE(typed.cellTypeSilhouette, rt["typeSilhouetteScore"]);
        QVERIFY(std::abs(typed.cellTypeSilhouetteScaled - (rt["typeSilhouetteScore"].toDouble() + 1) / 2) < kTol);
        compareLisi(typed.ilisi, ru["ilisi"].toObject());
        compareLisi(typed.clisi, rt["clisi"].toObject());
        compareKnn(typed.knn, ru["knn"].toObject());
        compareConnectivity(typed.connectivity, rt["connectivity"].toObject());
        qInfo("batch ASW %.4f, iLISI %.3f (norm %.3f), cLISI %.3f (norm %.3f), kNN acc %.3f (balanced %.3f), connectivity %.3f, type ASW %.4f",
              typed.batchSilhouette.score, typed.ilisi.median, typed.ilisi.normalised, typed.clisi.median, typed.clisi.normalised,
              typed.knn.accuracy, typed.knn.balancedAccuracy, typed.connectivity.score, typed.cellTypeSilhouette);
        // The data has a batch effect, but not a total one.
        QVERIFY(typed.ilisi.median > 1.2 && typed.ilisi.median < 2.8);
        QVERIFY(typed.knn.balancedAccuracy > typed.knn.chanceBalanced + 0.1 && typed.knn.accuracy < 0.99);
        QCOMPARE(typed.knn.chanceBalanced, 1.0 / 3);

        const BatchEffectReport untyped = batchEffectReport(x, data_.batch, {}, opt);
        QCOMPARE(untyped.cellTypes, 0);
        compareBatchSilhouette(untyped.batchSilhouette, ru["batchSilhouette"].toObject());
        QVERIFY(std::isnan(untyped.cellTypeSilhouette));
        QVERIFY(untyped.clisi.perCell.empty() && std::isnan(untyped.clisi.median));
        compareLisi(untyped.ilisi, ru["ilisi"].toObject());
        compareKnn(untyped.knn, ru["knn"].toObject());
        compareConnectivity(untyped.connectivity, ru["connectivity"].toObject());
    }

    void standaloneEqualsReport() {
        const EmbeddingView x(data_.x, kDim);
        const BatchEffectReport r = batchEffectReport(x, data_.batch, data_.type);
        const NeighbourGraph g = exactNeighbours(x, 89);
        QCOMPARE(lisi(g, data_.batch).perCell, r.ilisi.perCell);
        QCOMPARE(lisi(g, data_.type, 30, 0, true).normalised, r.clisi.normalised);
        QCOMPARE(knnBatchAccuracy(g, data_.batch).predicted, r.knn.predicted);
        QCOMPARE(graphConnectivity(g, data_.type).perLabel.size(), r.connectivity.perLabel.size());
        QCOMPARE(graphConnectivity(g, data_.type).score, r.connectivity.score);
        // Same distances, summed in other panel groupings (each group packed
        // alone vs all cells by type and batch): equal to float rounding.
        const BatchSilhouette s = batchSilhouette(x, data_.batch, data_.type);
        for (std::size_t i = 0; i < s.perCell.size(); ++i)
            QVERIFY(std::isnan(s.perCell[i]) ? std::isnan(r.batchSilhouette.perCell[i]) : std::abs(s.perCell[i] - r.batchSilhouette.perCell[i]) < 1e-6);
    }

    void threadsGiveTheSameNumbers() {
        const EmbeddingView x(data_.x, kDim);
        BatchMetricsOptions one, two;
        one.threads = 1;
        two.threads = 2;
        const BatchEffectReport a = batchEffectReport(x, data_.batch, data_.type, one);
        const BatchEffectReport b = batchEffectReport(x, data_.batch, data_.type, two);
        const auto same = [](const std::vector<double>& u, const std::vector<double>& v) {
            return u.size() == v.size() && std::equal(u.begin(), u.end(), v.begin(), [](double p, double q) {
                       return p == q || (std::isnan(p) && std::isnan(q));
                   });
        };
        QVERIFY(same(a.batchSilhouette.perCell, b.batchSilhouette.perCell));
        QVERIFY(same(a.ilisi.perCell, b.ilisi.perCell));
        QVERIFY(same(a.clisi.perCell, b.clisi.perCell));
        QCOMPARE(a.knn.predicted, b.knn.predicted);
        QCOMPARE(a.cellTypeSilhouette, b.cellTypeSilhouette);
        QCOMPARE(exactNeighbours(x, 20, 1).index, exactNeighbours(x, 20, 2).index);
    }

    void handComputedLisi() {
        // Cell 0 at the origin; its 5 nearest: cell 1 at distance 1 and four
        // cells at R = 1 + ln 4; two far cells. With perplexity 4, beta = 1
        // already fits: weights e^-1 and 4 x e^-R = e^-1, so P = 1/2 for cell
        // 1 and 1/8 for each far one; entropy = 1/2 ln 2 + 4/8 ln 8 = ln 4.
        const float R = static_cast<float>(1 + std::log(4.0));
        const std::vector<float> x = {0, 0, 0, 1, 0, 0, 0, R, 0, 0, -R, 0, 0, 0, R, 0, 0, -R, 50, 0, 0, -50, 0, 0};
        const std::vector<int> batch = {0, 1, 0, 0, 1, 1, 0, 1};
        const std::vector<int> type = {0, 0, 0, 1, 1, 1, 1, 0};
        const NeighbourGraph g = exactNeighbours(EmbeddingView(x, 3), 5);
        QCOMPARE(g.index[0], 1);
        QVERIFY(std::abs(g.distance[0] - 1) < 1e-12);
        // Batches: P(1) = 1/2 + 2/8 = 3/4, P(0) = 1/4 -> Simpson 10/16, LISI 1.6.
        const LisiSummary i = lisi(g, batch, 4, 5);
        QVERIFY2(std::abs(i.perCell[0] - 1.6) < 1e-6, qPrintable(QString::number(i.perCell[0], 'g', 12)));
        // Types: P(0) = 1/2 + 1/8 = 5/8, P(1) = 3/8 -> Simpson 34/64, LISI 32/17.
        const LisiSummary c = lisi(g, type, 4, 5, true);
        QVERIFY(std::abs(c.perCell[0] - 32.0 / 17) < 1e-6);
        QCOMPARE(c.labels, 2);
        QVERIFY(std::abs(c.normalised - (2 - c.median) / 1) < 1e-15);
        QVERIFY(std::abs(i.normalised - (i.median - 1) / 1) < 1e-15);
        // Default neighbours: 3 x perplexity - 1, more than this graph has.
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, lisi(g, batch, 30));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, lisi(g, batch, 0));
    }

    void handComputedVoteAndConnectivity() {
        // Nine cells on a line, k = 2. Type 0: {0, 1, 2.5} and {10, 11, 12.5}
        // are two components of three -> 1/2; type 1: {100, 101, 102.5} -> 1.
        const std::vector<float> x = {0, 1, 2.5f, 10, 11, 12.5f, 100, 101, 102.5f};
        const std::vector<int> type = {0, 0, 0, 0, 0, 0, 1, 1, 1};
        const NeighbourGraph g = exactNeighbours(EmbeddingView(x, 1), 2);
        const GraphConnectivity c = graphConnectivity(g, type, 2);
        QCOMPARE(c.perLabel, (std::vector<double>{0.5, 1.0}));
        QCOMPARE(c.score, 0.75);
        QCOMPARE(graphConnectivity(g, {}, 2).score, 1.0 / 3);  // all one label: three components of three
        // Batches (code 1 = "A", 0 = "B"); `predicted` gives 1-1 ties to code 0
        // even when the nearest neighbour is of code 1 (cells 0 and 1), but a
        // tied cell counts 1/2 towards accuracy whichever its code: six tied
        // cells (0, 1, 3, 4, 7, 8) and three wrong ones (2, 5, 6) -> 3/9.
        const std::vector<int> batch = {1, 1, 0, 0, 0, 1, 1, 0, 0};
        const KnnBatchAccuracy k = knnBatchAccuracy(g, batch, 2);
        QCOMPARE(k.predicted, (std::vector<int>{0, 0, 1, 0, 0, 0, 0, 0, 0}));
        QCOMPARE(k.accuracy, 3.0 / 9);
        QCOMPARE(k.perBatch, (std::vector<double>{0.4, 0.25}));
        QCOMPARE(k.balancedAccuracy, 0.325);
        // Swapping the codes changes nothing but the names: the tie rule is fair.
        std::vector<int> swapped = batch;
        for (int& b : swapped) b = 1 - b;
        const KnnBatchAccuracy ks = knnBatchAccuracy(g, swapped, 2);
        QCOMPARE(ks.accuracy, k.accuracy);
        QCOMPARE(ks.perBatch, (std::vector<double>{0.25, 0.4}));
        QCOMPARE(k.chanceBalanced, 0.5);
        // k = 1 on the same graph: each cell's nearest neighbour alone.
        QCOMPARE(knnBatchAccuracy(g, batch, 1).predicted, (std::vector<int>{1, 1, 1, 0, 0, 0, 0, 1, 0}));
    }

    void mixedAndSeparatedBatches() {
        // Three batches drawn from one Gaussian (mixed), then pushed 100 apart (separated).
        std::mt19937 rng(3);
        std::normal_distribution<float> normal;
        const int n = 900, dim = 8;
        std::vector<float> mixed(n * dim), separated(n * dim);
        std::vector<int> batch(n);
        for (int i = 0; i < n; ++i) {
            batch[static_cast<std::size_t>(i)] = i % 3;
            for (int c = 0; c < dim; ++c) {
                const float v = normal(rng);
                mixed[static_cast<std::size_t>(i * dim + c)] = v;
                separated[static_cast<std::size_t>(i * dim + c)] = v + (c == 0 ? 100.f * static_cast<float>(i % 3) : 0.f);
            }
        }
        const BatchEffectReport m = batchEffectReport(EmbeddingView(mixed, dim), batch);
        // Near B = 3: perplexity 30 weighs ~16 cells effectively, whose
        // sampling noise alone puts the expected Simpson index near 1/3 + 2/3/16.
        QVERIFY2(m.ilisi.median > 2.5 && m.ilisi.median <= 3, qPrintable(QString::number(m.ilisi.median)));
        QVERIFY(m.ilisi.normalised > 0.75);
        QVERIFY(m.batchSilhouette.score > 0.9);
        QVERIFY(m.knn.balancedAccuracy < 0.45);
        QCOMPARE(m.connectivity.score, 1.0);
        const BatchEffectReport s = batchEffectReport(EmbeddingView(separated, dim), batch);
        QVERIFY(std::abs(s.ilisi.median - 1) < 1e-12);
        QVERIFY(std::abs(s.ilisi.normalised) < 1e-12);
        for (const double v : s.ilisi.perLabel) QVERIFY(std::abs(v - 1) < 1e-12);
        QVERIFY(s.batchSilhouette.score < 0.05);
        QCOMPARE(s.knn.accuracy, 1.0);
        QCOMPARE(s.knn.perBatch, (std::vector<double>{1, 1, 1}));
        QVERIFY(std::abs(s.connectivity.score - 1.0 / 3) < 1e-12);  // one label, three islands
    }

    void exactNeighboursUnderTiesAndScales() {
        // 40 copies of one point (exact ties: the float screening cannot
        // decide, the exact fallback must), then the same data at 1e20 and
        // 1e-30 scale (float squares would overflow / underflow unscaled).
        std::mt19937 rng(11);
        std::normal_distribution<float> normal;
        const int n = 300, dim = 5, k = 15;
        std::vector<float> x(n * dim);
        for (auto& v : x) v = normal(rng);
        for (int i = 1; i < 40; ++i)
            for (int c = 0; c < dim; ++c) x[static_cast<std::size_t>(i * 7 * dim + c)] = x[static_cast<std::size_t>(c)];
        const auto expected = bruteNeighbours(x, dim, k);
        QCOMPARE(exactNeighbours(EmbeddingView(x, dim), k).index, expected);
        for (const float scale : {1e20f, 1e-30f}) {
            std::vector<float> y = x;
            for (auto& v : y) v *= scale;
            QCOMPARE(exactNeighbours(EmbeddingView(y, dim), k).index, bruteNeighbours(y, dim, k));
        }
        // The duplicates' nearest are the other duplicates, lowest index first.
        const NeighbourGraph g = exactNeighbours(EmbeddingView(x, dim), k);
        QCOMPARE(g.index[0], 7);
        QCOMPARE(g.distance[0], 0.0);
    }

    void badInput() {
        const EmbeddingView x(data_.x, kDim);
        std::vector<int> shortLabels(data_.batch.begin(), data_.batch.end() - 1);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, batchEffectReport(x, shortLabels));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, batchEffectReport(x, data_.batch, shortLabels));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, silhouetteSamples(x, shortLabels));
        std::vector<int> negative = data_.batch;
        negative[5] = -1;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, batchEffectReport(x, negative));
        std::vector<int> huge = data_.type;
        huge[9] = 1 << 30;  // an id, not a category code
        try {
            batchEffectReport(x, data_.batch, huge);
            QFAIL("accepted a code of 2^30");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(QString(e.what()).startsWith("cellTypes: code 1073741824 at cell 9"), e.what());
        }
        // One batch.
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, batchEffectReport(x, std::vector<int>(kCells, 2)));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, batchSilhouette(x, std::vector<int>(kCells, 2)));
        // Silhouette needs 2 <= labels <= n - 1.
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, silhouetteSamples(x, std::vector<int>(kCells, 0)));
        std::vector<int> unique(kCells);
        std::iota(unique.begin(), unique.end(), 0);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, silhouetteSamples(x, unique));
        // NaN and infinity, named with their place.
        for (const float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
            std::vector<float> y = data_.x;
            y[static_cast<std::size_t>(7 * kDim + 3)] = bad;
            try {
                batchEffectReport(EmbeddingView(y, kDim), data_.batch);
                QFAIL("accepted a non-finite value");
            } catch (const std::invalid_argument& e) {
                QVERIFY2(QString(e.what()).contains("embeddings: row 7, column 3"), e.what());
            }
        }
        // k >= n, for the kNN and for LISI's 3 x perplexity - 1.
        const std::vector<float> small(10 * 2, 1.f);
        const std::vector<int> twoBatches = {0, 1, 0, 1, 0, 1, 0, 1, 0, 1};
        BatchMetricsOptions opt;
        opt.perplexity = 1;  // 2 LISI neighbours
        opt.k = 10;
        try {
            batchEffectReport(EmbeddingView(small, 2), twoBatches, {}, opt);
            QFAIL("accepted k >= n");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(QString(e.what()).startsWith("k:"), e.what());
        }
        opt.k = 3;
        opt.perplexity = 30;
        try {
            batchEffectReport(EmbeddingView(small, 2), twoBatches, {}, opt);
            QFAIL("accepted 89 LISI neighbours of 10 cells");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(QString(e.what()).startsWith("lisiNeighbours:"), e.what());
        }
        opt.perplexity = 1;
        const BatchEffectReport ok = batchEffectReport(EmbeddingView(small, 2), twoBatches, {}, opt);  // duplicates only: defined
        QCOMPARE(ok.cells, std::int64_t{10});
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, exactNeighbours(EmbeddingView(small, 2), 0));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, exactNeighbours(EmbeddingView(), 3));
        const NeighbourGraph g = exactNeighbours(EmbeddingView(small, 2), 3);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, knnBatchAccuracy(g, twoBatches, 4));  // more than the graph has
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, knnBatchAccuracy(g, {0, 1}, 3));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, graphConnectivity(g, {0, 1}, 3));
    }
};

QTEST_GUILESS_MAIN(TestBatchMetrics)
#include "tst_batch_metrics.moc"
