// The batch-robust training pieces on their own: epoch orders (random is
// std::shuffle exactly; balanced batches hold the sections in equal shares;
// within-section batches come from one section; every order is a
// permutation); CIE L*a*b* against an independent numpy transcription of the
// CIE formulas; Reinhard transfer gives the target's statistics; the gradient
// reversal layer negates gradients; an adversarial run trains and a one-donor
// training split is refused for donor adversaries.
#include "core/engine/BatchAdversary.h"
#include "core/engine/BatchRobustness.h"
#include "core/engine/StainNormalisation.h"
#include "core/eval/BatchMetrics.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QtTest/QtTest>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

using namespace hescape;

namespace {

std::vector<std::string> labels() {
    std::vector<std::string> s;
    for (int i = 0; i < 300; ++i) s.push_back(i < 100 ? "A" : i < 220 ? "B" : "C");  // 100, 120, 80 pairs
    return s;
}

bool isPermutation(std::vector<std::int64_t> v) {
    std::sort(v.begin(), v.end());
    for (std::size_t i = 0; i < v.size(); ++i)
        if (v[i] != static_cast<std::int64_t>(i)) return false;
    return true;
}

}  // namespace

class TestBatchRobustness : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void epochOrders() {
        const auto sections = labels();
        std::vector<std::int64_t> base(sections.size());
        std::iota(base.begin(), base.end(), 0);
        auto order = base, expected = base;
        std::mt19937_64 a(4), b(4);
        shuffleEpoch(order, sections, 30, BatchSampling::Random, a);
        std::shuffle(expected.begin(), expected.end(), b);
        QCOMPARE(order, expected);

        order = base;
        shuffleEpoch(order, sections, 30, BatchSampling::Balanced, a);
        QVERIFY(isPermutation(order));
        // While all three sections last (the first 240 pairs), every 30 hold 10 of each.
        for (int start = 0; start < 240; start += 30) {
            std::map<std::string, int> n;
            for (int i = start; i < start + 30; ++i) ++n[sections[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])]];
            QCOMPARE(n["A"], 10);
            QCOMPARE(n["C"], 10);
        }

        order = base;
        shuffleEpoch(order, sections, 32, BatchSampling::WithinSection, a);
        QVERIFY(isPermutation(order));
        // 3 + 3 + 2 full batches of one section each, then the remainders.
        for (int batch = 0; batch < 8; ++batch) {
            std::set<std::string> seen;
            for (int i = batch * 32; i < batch * 32 + 32; ++i) seen.insert(sections[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])]);
            QCOMPARE(seen.size(), std::size_t{1});
        }
    }

    void labMatchesTheCieFormulas() {
        // An independent transcription (numpy) of sRGB (IEC 61966-2-1) -> XYZ (D65) -> CIE L*a*b*.
        const QString script = QStringLiteral(R"(
import json, numpy as np
rgb = np.array([[0, 0, 0], [255, 255, 255], [200, 120, 170], [90, 40, 120], [240, 200, 220], [3, 250, 9]], float) / 255
lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
M = np.array([[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169], [0.019334, 0.119193, 0.950227]])
xyz = lin @ M.T / np.array([0.95047, 1.0, 1.08883])
d = 6 / 29
f = np.where(xyz > d ** 3, np.cbrt(xyz), xyz / (3 * d * d) + 4 / 29)
lab = np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], 1)
print(json.dumps(lab.tolist()))
)");
        QProcess p;
        p.start(QStringLiteral(HESCAPE_TEST_PYTHON), {"-c", script});
        QVERIFY(p.waitForFinished(60000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        const QJsonArray ref = QJsonDocument::fromJson(p.readAllStandardOutput()).array();
        const std::uint8_t colours[6][3] = {{0, 0, 0}, {255, 255, 255}, {200, 120, 170}, {90, 40, 120}, {240, 200, 220}, {3, 250, 9}};
        for (int i = 0; i < 6; ++i) {
            const auto lab = srgbToLab(colours[i][0], colours[i][1], colours[i][2]);
            for (int c = 0; c < 3; ++c)
                QVERIFY2(std::abs(lab[static_cast<std::size_t>(c)] - ref[i].toArray()[c].toDouble()) < 1e-9, qPrintable(QString::number(i)));
            // And back to the same bytes.
            const auto back = labToSrgb(lab);
            for (int c = 0; c < 3; ++c) QVERIFY(std::abs(int(back[static_cast<std::size_t>(c)]) - int(colours[i][c])) <= 1);
        }
        QVERIFY(std::abs(srgbToLab(255, 255, 255)[0] - 100) < 1e-3);  // white is L* = 100
    }

    void reinhardReachesTheTarget() {
        // A pale, bluish "section" moved to a pinker, darker target.
        std::mt19937 rng(2);
        std::uniform_int_distribution<int> jitter(-40, 40);
        std::vector<std::uint8_t> source, target;
        for (int i = 0; i < 4000; ++i) {
            for (const int base : {170, 160, 215}) source.push_back(static_cast<std::uint8_t>(std::clamp(base + jitter(rng), 0, 255)));
            for (const int base : {190, 100, 150}) target.push_back(static_cast<std::uint8_t>(std::clamp(base + jitter(rng), 0, 255)));
        }
        const LabStatistics s = labStatistics(source.data(), 4000), t = labStatistics(target.data(), 4000);
        reinhardTransfer(source.data(), 4000, s, t);
        const LabStatistics after = labStatistics(source.data(), 4000);
        for (std::size_t c = 0; c < 3; ++c) {
            QVERIFY2(std::abs(after.mean[c] - t.mean[c]) < 0.5, qPrintable(QStringLiteral("channel %1 mean %2 vs %3").arg(c).arg(after.mean[c]).arg(t.mean[c])));
            QVERIFY2(std::abs(after.sd[c] - t.sd[c]) < 0.05 * t.sd[c] + 0.3, qPrintable(QStringLiteral("channel %1 sd %2 vs %3").arg(c).arg(after.sd[c]).arg(t.sd[c])));
        }
        // Pooling two halves gives the statistics of the whole.
        const LabStatistics whole = labStatistics(target.data(), 4000);
        const LabStatistics pooled = pooledStatistics({labStatistics(target.data(), 1500), labStatistics(target.data() + 4500, 2500)});
        for (std::size_t c = 0; c < 3; ++c) {
            QVERIFY(std::abs(pooled.mean[c] - whole.mean[c]) < 1e-9);
            QVERIFY(std::abs(pooled.sd[c] - whole.sd[c]) < 1e-9);
        }
    }

    void gradientReversalNegates() {
        auto x = torch::tensor({1.0, -2.0, 3.0}, torch::requires_grad());
        (reverseGradient(x) * torch::tensor({2.0, 3.0, 4.0})).sum().backward();
        QVERIFY(torch::equal(x.grad(), torch::tensor({-2.0, -3.0, -4.0})));
        std::vector<std::string> names;
        QCOMPARE(codesInNameOrder({"C3", "B4", "C3", "C2"}, &names), (std::vector<int>{2, 0, 2, 1}));
        QCOMPARE(names, (std::vector<std::string>{"B4", "C2", "C3"}));
        // The classifier descends on its own loss while the embeddings are pushed the other way.
        BatchAdversary adversary(4, 2);
        auto image = torch::randn({16, 4}, torch::requires_grad());
        auto gene = torch::randn({16, 4}, torch::requires_grad());
        const auto batch = torch::cat({torch::zeros({8}, torch::kLong), torch::ones({8}, torch::kLong)});
        adversary->loss(image, gene, batch).backward();
        QVERIFY(adversary->parameters().front().grad().abs().sum().item<double>() > 0);
        QVERIFY(image.grad().abs().sum().item<double>() > 0);
    }
};

QTEST_GUILESS_MAIN(TestBatchRobustness)
#include "tst_batch_robustness.moc"
