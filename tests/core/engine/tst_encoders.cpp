// The encoders and the CLIP model: output shapes, reproducibility from a
// seed, and that a short AdamW run on a fixed batch really learns to align
// the two modalities (loss falls, in-batch recall@1 reaches 1) — the
// smallest end-to-end check that gradients reach every part.
#include "core/engine/ContrastiveLoss.h"
#include "core/engine/Encoders.h"

#include <torch/torch.h>

#include <QtTest/QtTest>

using namespace hescape;

class TestEncoders : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void shapes() {
        torch::manual_seed(0);
        SmallResNet cnn(16);
        QCOMPARE(cnn->forward(torch::rand({4, 3, 64, 64})).sizes().vec(), (std::vector<std::int64_t>{4, 128}));
        GeneMlp mlp(100, 64);
        QCOMPARE(mlp->forward(torch::rand({4, 100})).sizes().vec(), (std::vector<std::int64_t>{4, 64}));
        ClipModel model(100, 32, 16, 64);
        QCOMPARE(model->encodeImage(torch::rand({2, 3, 48, 48})).sizes().vec(), (std::vector<std::int64_t>{2, 32}));
        QCOMPARE(model->encodeGenes(torch::rand({2, 100})).sizes().vec(), (std::vector<std::int64_t>{2, 32}));
        QVERIFY_THROWS_EXCEPTION(c10::Error, cnn->forward(torch::rand({4, 1, 64, 64})));
    }

    void reproducibleFromSeed() {
        auto make = [] {
            torch::manual_seed(42);
            ClipModel m(50, 16, 8, 32);
            m->eval();
            return m->encodeImage(torch::ones({1, 3, 32, 32}) * 0.5);
        };
        QVERIFY(torch::equal(make(), make()));
    }

    void learnsToAlignAFixedBatch() {
        torch::manual_seed(7);
        const int n = 16;
        const auto images = torch::rand({n, 3, 32, 32});
        const auto genes = torch::rand({n, 50});
        ClipModel model(50, 32, 8, 64);
        ContrastiveLoss loss(ContrastiveObjective::Clip);
        std::vector<torch::Tensor> params = model->parameters();
        for (const auto& p : loss->parameters()) params.push_back(p);
        torch::optim::AdamW opt(params, torch::optim::AdamWOptions(3e-3).weight_decay(1e-4));
        double first = 0, last = 0;
        for (int step = 0; step < 80; ++step) {
            opt.zero_grad();
            const auto value = loss->forward(model->encodeImage(images), model->encodeGenes(genes));
            value.backward();
            opt.step();
            if (step == 0) first = value.item<double>();
            last = value.item<double>();
        }
        model->eval();
        torch::NoGradGuard guard;
        const auto z = loss->logits(model->encodeImage(images), model->encodeGenes(genes));
        const double recall1 = z.argmax(1).eq(torch::arange(n)).to(torch::kDouble).mean().item<double>();
        QVERIFY2(last < first / 3, qPrintable(QStringLiteral("loss %1 -> %2").arg(first).arg(last)));
        QVERIFY2(recall1 == 1.0, qPrintable(QString::number(recall1)));
    }
};

QTEST_GUILESS_MAIN(TestEncoders)
#include "tst_encoders.moc"
