// CLIP and SigLIP losses against Debian's python3-torch (open_clip's and
// big_vision's formulations, in float64): loss, gradients and logits; plus
// the in-batch layout: aligned pairs give the diagonal, shuffled pairs do not;
// pairs of one spot are not each other's negatives.
#include "core/engine/ContrastiveLoss.h"
#include "core/io/Json.h"

#include <torch/torch.h>

#include <QProcess>
#include <QtTest/QtTest>

using namespace hescape;

namespace {

torch::Tensor tensorFrom(const JsonValue& rows) {
    std::vector<double> flat;
    const auto n = static_cast<std::int64_t>(rows.asArray().size());
    std::int64_t d = 0;
    for (const auto& r : rows.asArray()) {
        d = static_cast<std::int64_t>(r.asArray().size());
        for (const auto& v : r.asArray()) flat.push_back(v.asNumber());
    }
    return torch::tensor(flat, torch::kDouble).reshape({n, d});
}

double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

}  // namespace

class TestContrastiveLoss : public QObject {
    Q_OBJECT
    JsonValue ref_;

private Q_SLOTS:
    void initTestCase() {
        QProcess p;
        p.start(QStringLiteral(HESCAPE_TEST_PYTHON), {QStringLiteral(HESCAPE_SOURCE_DIR "/tests/core/engine/contrastive_reference.py")});
        QVERIFY(p.waitForFinished(120000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        ref_ = parseJson(p.readAllStandardOutput().toStdString(), "contrastive_reference.py");
    }

    void matchesPythonTorch_data() {
        QTest::addColumn<int>("objective");
        QTest::newRow("clip") << int(ContrastiveObjective::Clip);
        QTest::newRow("siglip") << int(ContrastiveObjective::Siglip);
    }

    void matchesPythonTorch() {
        QFETCH(int, objective);
        const auto obj = static_cast<ContrastiveObjective>(objective);
        const JsonValue& r = *ref_.find(obj == ContrastiveObjective::Clip ? "clip" : "siglip");
        ContrastiveLoss loss(obj);
        loss->to(torch::kDouble);
        {
            // The parameters start as float32: give them the reference's exact double values.
            torch::NoGradGuard guard;
            loss->logScale.fill_(std::log(obj == ContrastiveObjective::Clip ? 1.0 / 0.07 : 10.0));
        }
        auto image = tensorFrom(*ref_.find("image")).requires_grad_(true);
        auto gene = tensorFrom(*ref_.find("gene")).requires_grad_(true);
        const auto value = loss->forward(image, gene);
        value.backward();
        QVERIFY2(std::abs(value.item<double>() - r.number("loss").value()) < 1e-10,
                 qPrintable(QString::number(value.item<double>(), 'g', 17)));
        QVERIFY(maxAbsDiff(image.grad(), tensorFrom(*r.find("grad_image"))) < 1e-10);
        QVERIFY(maxAbsDiff(gene.grad(), tensorFrom(*r.find("grad_gene"))) < 1e-10);
        QVERIFY(std::abs(loss->logScale.grad().item<double>() - r.number("grad_log_scale").value()) < 1e-10);
        QVERIFY(maxAbsDiff(loss->logits(image, gene).detach(), tensorFrom(*r.find("logits"))) < 1e-10);
    }

    void initialTemperatureAndClamp() {
        ContrastiveLoss clip(ContrastiveObjective::Clip);
        QVERIFY(std::abs(clip->logitScale() - 1.0 / 0.07) < 1e-4);
        {
            torch::NoGradGuard guard;
            clip->logScale.fill_(std::log(1000.0));
        }
        QCOMPARE(clip->logitScale(), 100.0);
        ContrastiveLoss siglip(ContrastiveObjective::Siglip);
        QVERIFY(std::abs(siglip->logitScale() - 10.0) < 1e-5);
        QCOMPARE(siglip->bias.item<double>(), -10.0);
        QVERIFY(!clip->bias.requires_grad());
    }

    void inBatchLayout() {
        torch::manual_seed(3);
        const auto emb = torch::randn({16, 32});
        ContrastiveLoss clip(ContrastiveObjective::Clip);
        const auto z = clip->logits(emb, emb);
        // Perfectly aligned pairs: every row's largest logit is on the diagonal.
        QVERIFY(torch::equal(z.argmax(1), torch::arange(16)));
        QVERIFY(torch::equal(z.argmax(0), torch::arange(16)));
        const double aligned = clip->forward(emb, emb).item<double>();
        // Shuffling the gene rows breaks the pairs: the loss must rise well above.
        const auto perm = torch::roll(torch::arange(16), 1);
        const double shuffled = clip->forward(emb, emb.index_select(0, perm)).item<double>();
        QVERIFY2(aligned < 0.01 && shuffled > 5.0, qPrintable(QStringLiteral("%1 %2").arg(aligned).arg(shuffled)));
        QVERIFY_THROWS_EXCEPTION(c10::Error, clip->forward(emb, torch::randn({8, 32})));
    }

    // Pairs of one spot (a thinned copy and its original) are left out of the
    // negatives: CLIP's softmax and SigLIP's sum skip them, written out here
    // term by term; distinct spots give the unmasked loss; shards still sum
    // to the whole batch's loss.
    void siblingsAreNotNegatives() {
        torch::manual_seed(5);
        const auto image = torch::randn({6, 8}, torch::kDouble), gene = torch::randn({6, 8}, torch::kDouble);
        const std::vector<std::int64_t> spot = {0, 0, 2, 3, 4, 2};
        const auto spots = torch::tensor(spot, torch::kLong);
        for (const auto objective : {ContrastiveObjective::Clip, ContrastiveObjective::Siglip}) {
            ContrastiveLoss loss(objective);
            loss->to(torch::kDouble);
            QCOMPARE(loss->forward(image, gene, torch::arange(6)).item<double>(), loss->forward(image, gene).item<double>());
            const auto z = loss->logits(image, gene);
            const auto at = [&](std::int64_t i, std::int64_t j) { return z[i][j].item<double>(); };
            const auto negative = [&](std::int64_t i, std::int64_t j) { return i == j || spot[static_cast<std::size_t>(i)] != spot[static_cast<std::size_t>(j)]; };
            double expected = 0;
            for (std::int64_t i = 0; i < 6; ++i) {
                double rows = 0, cols = 0;
                for (std::int64_t j = 0; j < 6; ++j) {
                    if (!negative(i, j)) continue;
                    rows += std::exp(at(i, j));
                    cols += std::exp(at(j, i));
                    if (objective == ContrastiveObjective::Siglip) expected += std::log1p(std::exp(-(i == j ? 1.0 : -1.0) * at(i, j))) / 6;
                }
                if (objective == ContrastiveObjective::Clip) expected += (std::log(rows) - at(i, i) + std::log(cols) - at(i, i)) / 12;
            }
            const double masked = loss->forward(image, gene, spots).item<double>();
            QVERIFY2(std::abs(masked - expected) < 1e-9, qPrintable(QStringLiteral("%1 vs %2").arg(masked).arg(expected)));
            QVERIFY(std::abs(masked - loss->forward(image, gene).item<double>()) > 1e-6);
            const double shards = (loss->shardForward(image, gene, 0, 4, spots) + loss->shardForward(image, gene, 4, 2, spots)).item<double>();
            QVERIFY(std::abs(shards - masked) < 1e-12);
        }
    }
};

QTEST_GUILESS_MAIN(TestContrastiveLoss)
#include "tst_contrastive_loss.moc"
