// CLIP and SigLIP losses against Debian's python3-torch (open_clip's and
// big_vision's formulations, in float64): loss, gradients and logits; plus
// the in-batch layout: aligned pairs give the diagonal, shuffled pairs do not.
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
};

QTEST_GUILESS_MAIN(TestContrastiveLoss)
#include "tst_contrastive_loss.moc"
