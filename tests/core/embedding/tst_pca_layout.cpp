// pcaLayout() against sklearn's PCA (float64, svd_solver='full') and numpy's
// SVD on the same data: components, coordinates (signs included: both follow
// svd_flip), mean, explained variance and its ratio, to 1e-4 relative to the
// data's scale; the covariance path (n >= d) and the SVD path (n < d); bad
// input is refused with a message.
#include "EmbeddingTestData.h"

#include "core/embedding/PcaLayout.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>
#include <limits>

using namespace hescape;
using namespace hescape::test;

namespace {

// Correlated, anisotropic data with an offset mean, so that centring and the
// order of the components both matter.
std::vector<float> anisotropic(std::int64_t n, std::int64_t d, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> normal;
    std::vector<double> mix(static_cast<std::size_t>(d * d));
    for (auto& m : mix) m = normal(rng);
    std::vector<float> x(static_cast<std::size_t>(n * d));
    std::vector<double> z(static_cast<std::size_t>(d));
    for (std::int64_t i = 0; i < n; ++i) {
        for (std::int64_t t = 0; t < d; ++t) z[static_cast<std::size_t>(t)] = normal(rng) * (6.0 / (1.0 + static_cast<double>(t)));
        for (std::int64_t t = 0; t < d; ++t) {
            double v = 3.0 + 0.5 * static_cast<double>(t);
            for (std::int64_t s = 0; s < d; ++s) v += 0.3 * mix[static_cast<std::size_t>(t * d + s)] * z[static_cast<std::size_t>(s)];
            x[static_cast<std::size_t>(i * d + t)] = static_cast<float>(v);
        }
    }
    return x;
}

double maxAbs(const QJsonArray& a) {
    double m = 0;
    for (const auto& v : a) m = std::max(m, std::abs(v.toDouble()));
    return m;
}

template <class Vec>
void expectClose(const Vec& got, const QJsonArray& expected, double tolerance, const char* what) {
    QCOMPARE(static_cast<qsizetype>(got.size()), expected.size());
    double worst = 0;
    for (qsizetype i = 0; i < expected.size(); ++i) worst = std::max(worst, std::abs(static_cast<double>(got[static_cast<std::size_t>(i)]) - expected[i].toDouble()));
    QVERIFY2(worst <= tolerance, qPrintable(QStringLiteral("%1: largest difference %2 > %3").arg(what).arg(worst).arg(tolerance)));
}

}  // namespace

class TestPcaLayout : public QObject {
    Q_OBJECT

    void compareWithReference(std::int64_t n, std::int64_t d, int components) {
        const auto x = anisotropic(n, d, static_cast<std::uint32_t>(n + d));
        QTemporaryDir dir;
        QVERIFY(writeRaw(dir.filePath("x.f32"), x));
        const QJsonObject ref =
            embeddingReference({"pca", dir.filePath("x.f32"), QString::number(n), QString::number(d), QString::number(components)}).object();
        const PcaResult r = pcaLayout(x, d, components);
        QCOMPARE(r.nComponents, components);
        const double scale = maxAbs(ref["coordinates"].toArray());
        expectClose(r.coordinates, ref["coordinates"].toArray(), 1e-4 * scale, "coordinates vs sklearn");
        expectClose(r.coordinates, ref["numpy_coordinates"].toArray(), 1e-4 * scale, "coordinates vs numpy");
        expectClose(r.components, ref["components"].toArray(), 1e-4, "components vs sklearn");
        expectClose(r.components, ref["numpy_components"].toArray(), 1e-4, "components vs numpy");
        expectClose(r.mean, ref["mean"].toArray(), 1e-5 * maxAbs(ref["mean"].toArray()), "mean");
        expectClose(r.explainedVariance, ref["variance"].toArray(), 1e-6 * maxAbs(ref["variance"].toArray()), "explained variance");
        expectClose(r.explainedVarianceRatio, ref["ratio"].toArray(), 1e-6, "explained variance ratio");
        expectClose(r.explainedVarianceRatio, ref["numpy_ratio"].toArray(), 1e-6, "explained variance ratio vs numpy");
        // Not trivial: the first component carries much more than the last.
        QVERIFY(r.explainedVarianceRatio.front() > 2 * r.explainedVarianceRatio.back());
    }

private Q_SLOTS:
    void covariancePathMatchesSklearn() {
        compareWithReference(3000, 40, 2);
        compareWithReference(500, 16, 3);
    }

    void svdPathMatchesSklearn() { compareWithReference(25, 60, 3); }

    void badInput() {
        const auto x = anisotropic(30, 5, 1);
        auto refuses = [](auto&& call, const char* fragment) {
            try {
                call();
            } catch (const std::invalid_argument& e) {
                return std::string(e.what()).find(fragment) != std::string::npos;
            }
            return false;
        };
        QVERIFY(refuses([&] { pcaLayout(x, 5, 6); }, "between 1 and min(n, dim) = 5"));
        QVERIFY(refuses([&] { pcaLayout(x, 5, 0); }, "between 1 and"));
        QVERIFY(refuses([&] { pcaLayout(x, 0, 2); }, "dimension must be at least 1"));
        QVERIFY(refuses([&] { pcaLayout(x, 7, 2); }, "not whole rows of 7"));
        QVERIFY(refuses([&] { pcaLayout(std::vector<float>(x.begin(), x.begin() + 5), 5, 1); }, "at least 2 points"));
        auto bad = x;
        bad[12] = std::numeric_limits<float>::infinity();
        QVERIFY(refuses([&] { pcaLayout(bad, 5, 2); }, "value 2 of point 2 is not finite"));
    }
};

QTEST_GUILESS_MAIN(TestPcaLayout)
#include "tst_pca_layout.moc"
