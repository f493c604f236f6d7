// trustworthiness() against sklearn.manifold.trustworthiness on the same data
// and layouts (to 1e-9 relative), a perfect layout scores 1, the thread count
// does not change the result, and bad input is refused with a message.
#include "EmbeddingTestData.h"

#include "core/embedding/Trustworthiness.h"

#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>
#include <limits>

using namespace hescape;
using namespace hescape::test;

namespace {

constexpr std::int64_t kRows = 700, kDim = 24;

}  // namespace

class TestTrustworthiness : public QObject {
    Q_OBJECT
    std::vector<float> data_, layout2_, layout3_;

private Q_SLOTS:
    void initTestCase() {
        data_ = gaussianMixture(kRows, kDim, 7, 2.0, 3);
        // Layouts that keep part of the structure: a few data axes plus noise.
        std::mt19937 rng(5);
        std::normal_distribution<float> normal;
        for (std::int64_t i = 0; i < kRows; ++i) {
            const float* x = data_.data() + i * kDim;
            layout2_.push_back(x[0] + 0.5f * normal(rng));
            layout2_.push_back(x[1] + x[2] + 0.5f * normal(rng));
            for (int c = 0; c < 3; ++c) layout3_.push_back(x[c] + 0.3f * x[c + 3] + 0.2f * normal(rng));
        }
    }

    void matchesSklearn() {
        QTemporaryDir dir;
        QVERIFY(writeRaw(dir.filePath("x.f32"), data_));
        for (const int lowDim : {2, 3}) {
            const auto& layout = lowDim == 2 ? layout2_ : layout3_;
            QVERIFY(writeRaw(dir.filePath("y.f32"), layout));
            const QJsonObject ref = embeddingReference({"trust", dir.filePath("x.f32"), dir.filePath("y.f32"), QString::number(kRows),
                                                        QString::number(kDim), QString::number(lowDim), "1", "5", "15", "50"})
                                        .object();
            for (const int k : {1, 5, 15, 50}) {
                const double expected = ref[QString::number(k)].toDouble();
                const double got = trustworthiness(data_, kDim, layout, lowDim, k);
                QVERIFY2(std::abs(got - expected) <= 1e-9 * std::abs(expected),
                         qPrintable(QStringLiteral("dim %1 k %2: %3 vs sklearn %4").arg(lowDim).arg(k).arg(got, 0, 'g', 17).arg(expected, 0, 'g', 17)));
                // Not trivial: the layouts lose part of the neighbourhoods.
                QVERIFY(got > 0.5 && got < 0.99);
            }
        }
    }

    void perfectLayoutScoresOne() { QCOMPARE(trustworthiness(data_, kDim, data_, kDim, 10), 1.0); }

    void threadsDoNotMatter() {
        const double one = trustworthiness(data_, kDim, layout2_, 2, 15, 1);
        QCOMPARE(trustworthiness(data_, kDim, layout2_, 2, 15, 2), one);
        QCOMPARE(trustworthiness(data_, kDim, layout2_, 2, 15, 5), one);
    }

    void badInput() {
        auto refuses = [](auto&& call, const char* fragment) {
            try {
                call();
            } catch (const std::invalid_argument& e) {
                return std::string(e.what()).find(fragment) != std::string::npos;
            }
            return false;
        };
        QVERIFY(refuses([&] { trustworthiness(data_, kDim, layout2_, 2, kRows / 2); }, "less than n / 2"));
        QVERIFY(refuses([&] { trustworthiness(data_, kDim, layout2_, 2, 0); }, "at least 1"));
        QVERIFY(refuses([&] { trustworthiness(data_, kDim, std::vector<float>(layout2_.begin(), layout2_.end() - 2), 2, 5); }, "points but the layout"));
        auto bad = layout2_;
        bad[17] = std::numeric_limits<float>::quiet_NaN();
        QVERIFY(refuses([&] { trustworthiness(data_, kDim, bad, 2, 5); }, "point 8 is not finite"));
        QVERIFY(refuses([&] { trustworthiness(data_, 0, layout2_, 2, 5); }, "dimension must be at least 1"));
    }
};

QTEST_GUILESS_MAIN(TestTrustworthiness)
#include "tst_trustworthiness.moc"
