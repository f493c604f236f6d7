// The encoders and the CLIP model: output shapes, reproducibility from a
// seed, and that a short AdamW run on a fixed batch really learns to align
// the two modalities (loss falls, in-batch recall@1 reaches 1) — the
// smallest end-to-end check that gradients reach every part.
#include "core/engine/ContrastiveLoss.h"
#include "core/engine/Encoders.h"

#include <torch/torch.h>

#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
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
    void frozenTorchScriptEncodersWithTrainableHeads() {
        QTemporaryDir dir;
        QProcess p;
        p.start(QStringLiteral(HESCAPE_TEST_PYTHON),
                {QStringLiteral(HESCAPE_SOURCE_DIR "/tests/core/engine/make_scripted_encoders.py"), dir.path(), "50"});
        QVERIFY(p.waitForFinished(60000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        ClipModelOptions o;
        o.inputGenes = 50;
        o.embedDim = 16;
        o.patchPixels = 32;
        o.imageScript = dir.filePath("image.pt").toStdString();
        o.geneScript = dir.filePath("gene.pt").toStdString();
        torch::manual_seed(5);
        ClipModel model(o);
        // Only the two heads are trainable parameters of the model.
        QCOMPARE(model->parameters().size(), std::size_t{4});
        QCOMPARE(model->encodeImage(torch::rand({3, 3, 32, 32})).sizes().vec(), (std::vector<std::int64_t>{3, 16}));
        // The backbone is frozen: its features for a fixed input do not change while the heads train.
        ScriptedEncoder probe(o.imageScript, {2, 3, 32, 32});
        QCOMPARE(probe.outputDim(), 24);
        const auto fixed = torch::rand({4, 3, 32, 32});
        ContrastiveLoss loss(ContrastiveObjective::Clip);
        std::vector<torch::Tensor> params = model->parameters();
        params.push_back(loss->logScale);
        torch::optim::AdamW opt(params, torch::optim::AdamWOptions(1e-2));
        const auto images = torch::rand({16, 3, 32, 32}), genes = torch::rand({16, 50});
        double first = 0, last = 0;
        const auto headBefore = model->parameters().front().clone();
        for (int i = 0; i < 60; ++i) {
            opt.zero_grad();
            const auto l = loss->forward(model->encodeImage(images), model->encodeGenes(genes));
            l.backward();
            opt.step();
            (i == 0 ? first : last) = l.item<double>();
        }
        QVERIFY2(last < first, qPrintable(QStringLiteral("%1 -> %2").arg(first).arg(last)));
        QVERIFY(!torch::equal(headBefore, model->parameters().front()));
        ScriptedEncoder again(o.imageScript, {2, 3, 32, 32});
        QVERIFY(torch::allclose(probe.forward(fixed), again.forward(fixed)));

        // Fine-tuning: a trainable scripted encoder adds its parameters to what
        // the optimiser updates, and its features change as it trains.
        ClipModelOptions t = o;
        t.imageScriptTrainable = true;
        ClipModel tuned(t);
        const auto trainable = tuned->trainableParameters();
        QCOMPARE(trainable.size(), std::size_t{4 + 2});  // heads + the conv's weight and bias
        QCOMPARE(tuned->scriptState().size(), std::size_t{2});
        QCOMPARE(QString::fromStdString(tuned->scriptState().front().first), QStringLiteral("image_script.conv.weight"));
        const auto convBefore = tuned->scriptState().front().second.clone();
        std::vector<torch::Tensor> tp = trainable;
        tp.push_back(loss->logScale);
        torch::optim::AdamW tuneOpt(tp, torch::optim::AdamWOptions(1e-2));
        for (int i = 0; i < 5; ++i) {
            tuneOpt.zero_grad();
            loss->forward(tuned->encodeImage(images), tuned->encodeGenes(genes)).backward();
            tuneOpt.step();
        }
        QVERIFY(!torch::equal(convBefore, tuned->scriptState().front().second));
        QCOMPARE(model->trainableParameters().size(), std::size_t{4});  // the frozen model's backbone stays out

        // Bad files: missing, not TorchScript, wrong output shape — each names the file.
        for (const QString& bad : {dir.filePath("missing.pt"), dir.filePath("../" + QFileInfo(dir.path()).fileName()), dir.filePath("wrong.pt")}) {
            try {
                ScriptedEncoder e(bad.toStdString(), {2, 3, 32, 32});
                QFAIL(qPrintable("no error for " + bad));
            } catch (const std::runtime_error& e) {
                QVERIFY2(QString(e.what()).startsWith(bad), e.what());
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestEncoders)
#include "tst_encoders.moc"
