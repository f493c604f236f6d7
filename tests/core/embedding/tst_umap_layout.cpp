// umapLayout() and its parts against umap-learn 0.5.3 (Debian's python3
// umap-learn) on the same data: find_ab_params, smooth_knn_dist, and the
// quality of the whole layout (trustworthiness, k = 15, by sklearn) on
// sklearn's digits and on a Gaussian mixture, where ours must be within 0.02
// of umap-learn's or above it. The kNN graph against brute force (exact path)
// and its recall (NN-descent path); same seed = same bits for any thread
// count, another seed = another layout; progress and cancellation; bad input.
#include "EmbeddingTestData.h"

#include "core/embedding/NearestNeighbours.h"
#include "core/embedding/Trustworthiness.h"
#include "core/embedding/UmapLayout.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <numeric>

using namespace hescape;
using namespace hescape::test;

namespace {

// Brute-force k nearest (self first), double precision, ties by index.
std::vector<std::int32_t> bruteForce(const std::vector<float>& x, std::int64_t n, std::int64_t d, int k) {
    std::vector<std::int32_t> out;
    std::vector<std::pair<double, std::int32_t>> row(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
        for (std::int64_t j = 0; j < n; ++j) {
            double s = 0;
            for (std::int64_t t = 0; t < d; ++t) {
                const double diff = static_cast<double>(x[static_cast<std::size_t>(i * d + t)]) - x[static_cast<std::size_t>(j * d + t)];
                s += diff * diff;
            }
            row[static_cast<std::size_t>(j)] = {j == i ? -1.0 : s, static_cast<std::int32_t>(j)};
        }
        std::partial_sort(row.begin(), row.begin() + k, row.end());
        for (int s = 0; s < k; ++s) out.push_back(row[static_cast<std::size_t>(s)].second);
    }
    return out;
}

double recall(const KnnGraph& g, const std::vector<std::int32_t>& truth) {
    std::int64_t hits = 0;
    for (std::int64_t i = 0; i < g.n; ++i) {
        const auto* t = truth.data() + i * g.k;
        for (int s = 1; s < g.k; ++s)
            hits += std::find(t + 1, t + g.k, g.indices[static_cast<std::size_t>(i * g.k + s)]) != t + g.k;
    }
    return static_cast<double>(hits) / static_cast<double>(g.n * (g.k - 1));
}

}  // namespace

class TestUmapLayout : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::vector<float> digits_;
    std::int64_t digitsDim_ = 0;
    std::vector<float> mixture_;
    static constexpr std::int64_t kMixtureRows = 3000, kMixtureDim = 32;

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        const QJsonObject shape = embeddingReference({"digits", dir_.filePath("digits_raw.f32")}).object();
        digitsDim_ = shape["d"].toInt();
        digits_ = readRaw(dir_.filePath("digits_raw.f32"));
        QCOMPARE(static_cast<std::int64_t>(digits_.size()), static_cast<std::int64_t>(shape["n"].toInt()) * digitsDim_);
        mixture_ = gaussianMixture(kMixtureRows, kMixtureDim, 12, 1.2, 11);
    }

    void curveMatchesUmapLearn() {
        const std::vector<std::pair<double, double>> cases = {{1.0, 0.1}, {1.0, 0.5}, {2.0, 0.25}, {1.0, 0.0}};
        QStringList args{"curve"};
        for (const auto& [spread, minDist] : cases) args << QString::number(spread) << QString::number(minDist);
        const QJsonArray ref = embeddingReference(args).array();
        for (std::size_t i = 0; i < cases.size(); ++i) {
            const auto [a, b] = fitUmapCurve(cases[i].first, cases[i].second);
            const double ra = ref[static_cast<qsizetype>(i)][0].toDouble(), rb = ref[static_cast<qsizetype>(i)][1].toDouble();
            QVERIFY2(std::abs(a - ra) <= 1e-5 * ra && std::abs(b - rb) <= 1e-5 * rb,
                     qPrintable(QStringLiteral("spread %1 min_dist %2: a %3 b %4 vs umap-learn %5 %6")
                                    .arg(cases[i].first).arg(cases[i].second).arg(a, 0, 'g', 10).arg(b, 0, 'g', 10).arg(ra, 0, 'g', 10).arg(rb, 0, 'g', 10)));
        }
    }

    void smoothKnnMatchesUmapLearn() {
        NeighbourOptions nn;
        const KnnGraph g = nearestNeighbours(mixture_, kMixtureDim, nn);
        QVERIFY(writeRaw(dir_.filePath("knn_dist.f32"), g.distances));
        const QJsonObject ref = embeddingReference({"smooth", dir_.filePath("knn_dist.f32"), QString::number(g.n), QString::number(g.k)}).object();
        const SmoothKnn s = smoothKnnDistances(g);
        const QJsonArray sigma = ref["sigma"].toArray(), rho = ref["rho"].toArray();
        QCOMPARE(sigma.size(), static_cast<qsizetype>(g.n));
        for (qsizetype i = 0; i < sigma.size(); ++i) {
            QVERIFY2(std::abs(s.sigma[static_cast<std::size_t>(i)] - sigma[i].toDouble()) <= 1e-5 * sigma[i].toDouble(),
                     qPrintable(QStringLiteral("sigma %1: %2 vs %3").arg(i).arg(s.sigma[static_cast<std::size_t>(i)]).arg(sigma[i].toDouble())));
            QCOMPARE(static_cast<double>(s.rho[static_cast<std::size_t>(i)]), rho[i].toDouble());
        }
    }

    void exactNeighboursMatchBruteForce() {
        const std::int64_t n = 900;
        const std::vector<float> x(mixture_.begin(), mixture_.begin() + n * kMixtureDim);
        NeighbourOptions nn;
        nn.k = 10;
        const KnnGraph g = nearestNeighbours(x, kMixtureDim, nn);
        QVERIFY(g.exact);
        QCOMPARE(g.indices, bruteForce(x, n, kMixtureDim, nn.k));
        for (std::int64_t i = 0; i < n; ++i) {
            QCOMPARE(g.distances[static_cast<std::size_t>(i * nn.k)], 0.f);
            QVERIFY(std::is_sorted(g.distances.begin() + i * nn.k, g.distances.begin() + (i + 1) * nn.k));
        }
        // Cosine: the same neighbours as euclidean on unit rows, distance 1 - cos.
        nn.metric = LayoutMetric::Cosine;
        const KnnGraph c = nearestNeighbours(x, kMixtureDim, nn);
        std::vector<float> unit(x);
        for (std::int64_t i = 0; i < n; ++i) {
            double s = 0;
            for (std::int64_t t = 0; t < kMixtureDim; ++t) s += static_cast<double>(unit[static_cast<std::size_t>(i * kMixtureDim + t)]) * unit[static_cast<std::size_t>(i * kMixtureDim + t)];
            for (std::int64_t t = 0; t < kMixtureDim; ++t) unit[static_cast<std::size_t>(i * kMixtureDim + t)] = static_cast<float>(unit[static_cast<std::size_t>(i * kMixtureDim + t)] / std::sqrt(s));
        }
        QVERIFY(recall(c, bruteForce(unit, n, kMixtureDim, nn.k)) > 0.999);
        const float* a = x.data();
        const float* b = x.data() + static_cast<std::int64_t>(c.indices[1]) * kMixtureDim;
        double dot = 0, na = 0, nb = 0;
        for (std::int64_t t = 0; t < kMixtureDim; ++t) {
            dot += static_cast<double>(a[t]) * b[t];
            na += static_cast<double>(a[t]) * a[t];
            nb += static_cast<double>(b[t]) * b[t];
        }
        QVERIFY(std::abs(c.distances[1] - (1.0 - dot / std::sqrt(na * nb))) < 1e-6);
    }

    void nnDescentRecall() {
        NeighbourOptions nn;
        nn.exactMaxPoints = 0;  // force the approximate path
        const KnnGraph g = nearestNeighbours(mixture_, kMixtureDim, nn);
        QVERIFY(!g.exact);
        const double r = recall(g, bruteForce(mixture_, kMixtureRows, kMixtureDim, nn.k));
        qInfo("NN-descent recall@14 on %lld x %lld: %.4f", static_cast<long long>(kMixtureRows), static_cast<long long>(kMixtureDim), r);
        QVERIFY2(r > 0.95, qPrintable(QString::number(r)));
        nn.threads = 1;
        QCOMPARE(nearestNeighbours(mixture_, kMixtureDim, nn).indices, g.indices);
    }

    void qualityAgainstUmapLearn() {
        // Our layouts (umap-learn's defaults) of the digits and the mixture,
        // then umap-learn's in one Python process; trustworthiness by sklearn.
        struct Case {
            QString name;
            const std::vector<float>* data;
            std::int64_t dim;
            UmapResult ours;
            double seconds = 0;
        };
        std::vector<Case> cases = {{"digits", &digits_, digitsDim_, {}}, {"mixture", &mixture_, kMixtureDim, {}}};
        QStringList args{"umap", "42"};
        for (auto& c : cases) {
            QElapsedTimer timer;
            timer.start();
            c.ours = umapLayout(*c.data, c.dim);
            c.seconds = static_cast<double>(timer.elapsed()) / 1000.0;
            const auto n = static_cast<std::int64_t>(c.data->size()) / c.dim;
            QCOMPARE(static_cast<std::int64_t>(c.ours.coordinates.size()), n * 2);
            QVERIFY(c.ours.spectralInit);
            QVERIFY(c.ours.exactNeighbours);
            QCOMPARE(c.ours.epochs, 500);
            QVERIFY(writeRaw(dir_.filePath(c.name + ".f32"), *c.data));
            QVERIFY(writeRaw(dir_.filePath(c.name + "_ours.f32"), c.ours.coordinates));
            args << dir_.filePath(c.name + ".f32") << QString::number(n) << QString::number(c.dim) << dir_.filePath(c.name + "_ours.f32") << "2";
        }
        const QJsonArray ref = embeddingReference(args).array();
        QCOMPARE(ref.size(), static_cast<qsizetype>(cases.size()));
        for (std::size_t i = 0; i < cases.size(); ++i) {
            const auto& c = cases[i];
            const QJsonObject r = ref[static_cast<qsizetype>(i)].toObject();
            const double theirs = r["theirs"].toDouble(), mine = r["ours"].toDouble();
            const auto n = static_cast<std::int64_t>(c.data->size()) / c.dim;
            qInfo("%s (%lld x %lld): trustworthiness (k = 15) ours %.4f in %.1f s, umap-learn %.4f in %.1f s; spectral init %d products%s",
                  qPrintable(c.name), static_cast<long long>(n), static_cast<long long>(c.dim), mine, c.seconds, theirs, r["seconds"].toDouble(),
                  c.ours.spectralIterationsRun, c.ours.spectralConverged ? " (converged)" : "");
            QVERIFY2(mine >= theirs - 0.02, qPrintable(QStringLiteral("%1: ours %2 vs umap-learn %3").arg(c.name).arg(mine).arg(theirs)));
            QVERIFY(mine > 0.9);
            // Our trustworthiness() on our layout agrees with sklearn's; the
            // digits (integer pixels) have many distance ties, which sklearn's
            // argsort orders arbitrarily, so there only closely.
            const double tolerance = c.name == "digits" ? 1e-3 : 1e-9;
            QVERIFY(std::abs(trustworthiness(*c.data, c.dim, c.ours.coordinates, 2, 15) - mine) < tolerance);
        }
        // The approximate-kNN path lays the mixture out as well as the exact one.
        UmapOptions o;
        o.exactKnnMaxPoints = 0;
        const UmapResult approx = umapLayout(mixture_, kMixtureDim, o);
        QVERIFY(!approx.exactNeighbours);
        const double ta = trustworthiness(mixture_, kMixtureDim, approx.coordinates, 2, 15);
        const double te = trustworthiness(mixture_, kMixtureDim, cases[1].ours.coordinates, 2, 15);
        qInfo("mixture: trustworthiness with NN-descent %.4f, exact kNN %.4f", ta, te);
        QVERIFY(ta >= te - 0.01);
    }

    void threeComponents() {
        UmapOptions o;
        o.nComponents = 3;
        o.nEpochs = 200;
        const UmapResult r = umapLayout(digits_, digitsDim_, o);
        QCOMPARE(static_cast<std::int64_t>(r.coordinates.size()), static_cast<std::int64_t>(digits_.size()) / digitsDim_ * 3);
        const double t = trustworthiness(digits_, digitsDim_, r.coordinates, 3, 15);
        qInfo("digits in 3-D: trustworthiness %.4f", t);
        QVERIFY(t > 0.95);
    }

    void sameSeedSameBits() {
        // 5,000 points: five SGD blocks, so the threads really share the work.
        const auto x = gaussianMixture(5000, 16, 6, 1.5, 21);
        UmapOptions o;
        o.nEpochs = 40;
        o.seed = 7;
        o.threads = 2;
        const auto first = umapLayout(x, 16, o).coordinates;
        QCOMPARE(umapLayout(x, 16, o).coordinates, first);
        o.threads = 1;
        QCOMPARE(umapLayout(x, 16, o).coordinates, first);
        o.threads = 3;
        QCOMPARE(umapLayout(x, 16, o).coordinates, first);
        o.seed = 8;
        const auto other = umapLayout(x, 16, o).coordinates;
        QCOMPARE(other.size(), first.size());
        std::size_t differing = 0;
        for (std::size_t i = 0; i < first.size(); ++i) differing += other[i] != first[i];
        QVERIFY(differing > first.size() / 2);
        // The approximate path too.
        o.seed = 7;
        o.exactKnnMaxPoints = 0;
        o.threads = 2;
        const auto approx = umapLayout(x, 16, o).coordinates;
        o.threads = 1;
        QCOMPARE(umapLayout(x, 16, o).coordinates, approx);
    }

    void progressAndCancel() {
        std::vector<double> fractions;
        Progress progress;
        progress.report = [&](double f, const std::string&) { fractions.push_back(f); };
        UmapOptions o;
        o.nEpochs = 50;
        umapLayout(digits_, digitsDim_, o, progress);
        QVERIFY(fractions.size() > 50);
        QCOMPARE(fractions.back(), 1.0);
        QVERIFY(std::is_sorted(fractions.begin(), fractions.end()));

        std::atomic<bool> cancel{false};
        Progress cancelling;
        cancelling.cancel = &cancel;
        cancelling.report = [&](double f, const std::string&) {
            if (f > 0.6) cancel = true;
        };
        QVERIFY_THROWS_EXCEPTION(CancelledError, umapLayout(digits_, digitsDim_, o, cancelling));
    }

    void badInput() {
        auto refuses = [](auto&& call, const char* fragment) {
            try {
                call();
            } catch (const std::invalid_argument& e) {
                if (std::string(e.what()).find(fragment) != std::string::npos) return true;
                qWarning("message was: %s", e.what());
            }
            return false;
        };
        const std::vector<float> fifteen(mixture_.begin(), mixture_.begin() + 15 * kMixtureDim);
        QVERIFY(refuses([&] { umapLayout(fifteen, kMixtureDim); }, "needs at least 16 points, got 15"));
        UmapOptions small;
        small.nNeighbors = 5;
        QVERIFY(!umapLayout(fifteen, kMixtureDim, small).coordinates.empty());
        auto bad = mixture_;
        bad[40] = std::numeric_limits<float>::quiet_NaN();
        QVERIFY(refuses([&] { umapLayout(bad, kMixtureDim); }, "value 8 of point 1 is not finite"));
        QVERIFY(refuses([&] { umapLayout(mixture_, 0); }, "dimension must be at least 1"));
        QVERIFY(refuses([&] { umapLayout({}, 0); }, "dimension must be at least 1"));
        QVERIFY(refuses([&] { umapLayout(mixture_, 7); }, "not whole rows of 7"));
        UmapOptions o;
        o.nComponents = 0;
        QVERIFY(refuses([&] { umapLayout(mixture_, kMixtureDim, o); }, "nComponents"));
        o = {};
        o.minDist = 2;
        QVERIFY(refuses([&] { umapLayout(mixture_, kMixtureDim, o); }, "minDist must not exceed spread"));
        o = {};
        o.nNeighbors = 1;
        QVERIFY(refuses([&] { umapLayout(mixture_, kMixtureDim, o); }, "nNeighbors must be at least 2"));
        std::vector<float> zeros(mixture_.size(), 0.f);
        o = {};
        o.metric = LayoutMetric::Cosine;
        QVERIFY(refuses([&] { umapLayout(zeros, kMixtureDim, o); }, "is all zeros"));
    }
};

QTEST_GUILESS_MAIN(TestUmapLayout)
#include "tst_umap_layout.moc"
