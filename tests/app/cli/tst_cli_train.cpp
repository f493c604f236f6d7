// `hescape train` as a user runs it: a small configuration on two demo
// sections trains, prints one JSON object per step with --json, evaluates the
// test split and writes its summary atomically; configurations with a typo,
// a bad value or a missing section are refused (exit 2) naming the field;
// several seeds give a comparison table that `hescape compare` reproduces.
#include "tests/core/TestSupport.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace hescape::test;

namespace {

ProcessResult hescapeCli(const QStringList& args) { return runProcess(QStringLiteral(HESCAPE_CLI_EXECUTABLE), args); }

QString writeConfig(const QTemporaryDir& dir, const QString& name, const QString& body) {
    QFile f(dir.filePath(name));
    f.open(QIODevice::WriteOnly);
    f.write(body.toUtf8());
    return f.fileName();
}

const QString kSections = QStringLiteral(
    "\"sections\": [{\"name\": \"B4\", \"slide\": \"%1/B4.tiff\", \"dataset\": \"%1/B4.h5ad\"},"
    "               {\"name\": \"C2\", \"slide\": \"%1/C2.tiff\", \"dataset\": \"%1/C2.h5ad\"}]")
                              .arg(QStringLiteral(HESCAPE_SOURCE_DIR "/resources/demo/her2st"));

}  // namespace

class TestCliTrain : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

private Q_SLOTS:
    void trainsWithJsonProgressAndSummary() {
        const QString config = writeConfig(dir_, "ok.json", QStringLiteral(
            "{%1, \"train\": [\"B4\"], \"test\": [\"C2\"], \"patch_pixels\": 32, \"highly_variable_genes\": 64,"
            " \"embed_dim\": 32, \"image_width\": 8, \"gene_hidden\": 64, \"batch_size\": 32, \"epochs\": 2}").arg(kSections));
        const QString summary = dir_.filePath("summary.json");
        const ProcessResult r = hescapeCli({"train", config, "--json", "--out", summary});
        QVERIFY2(r.finished && r.exitCode == 0, r.err.constData());
        int steps = 0;
        bool sawTest = false;
        for (const QByteArray& line : r.out.split('\n')) {
            if (line.trimmed().isEmpty()) continue;
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            QVERIFY2(!o.isEmpty(), line.constData());
            if (o.contains("step")) {
                ++steps;
                QCOMPARE(o["step"].toInt(), steps);
                QVERIFY(std::isfinite(o["loss"].toDouble()) && o["temperature"].toDouble() > 0);
            }
            if (o.contains("test")) {
                sawTest = true;
                QCOMPARE(o["test"].toObject()["pairs"].toInt(), 186);  // C2: 187 spots under tissue, one with < 10 counts
            }
        }
        QCOMPARE(steps, 2 * (281 / 32));  // B4: 283 spots, two with < 10 counts; 8 full batches per epoch, 2 epochs
        QVERIFY(sawTest);
        QFile f(summary);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject s = QJsonDocument::fromJson(f.readAll()).object();
        QCOMPARE(s["genes"].toInt(), 64);
        QVERIFY(s["test"].toObject()["loss"].toDouble() > 0);
        QCOMPARE(QDir(dir_.path()).entryList({"summary.json*"}, QDir::Files), QStringList{"summary.json"});
    }

    void badConfigurationsNameTheField_data() {
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("field");
        QTest::newRow("typo") << QStringLiteral("{%1, \"train\": [\"B4\"], \"epoks\": 3}").arg(kSections) << "'epoks'";
        QTest::newRow("bad objective") << QStringLiteral("{%1, \"train\": [\"B4\"], \"objective\": \"triplet\"}").arg(kSections) << "'objective'";
        QTest::newRow("batch size") << QStringLiteral("{%1, \"train\": [\"B4\"], \"batch_size\": 1}").arg(kSections) << "'batch_size'";
        QTest::newRow("no train") << QStringLiteral("{%1}").arg(kSections) << "'train'";
        QTest::newRow("no sections") << QStringLiteral("{\"train\": [\"B4\"]}") << "'sections'";
        QTest::newRow("bf16 on cpu") << QStringLiteral("{%1, \"train\": [\"B4\"], \"precision\": \"bf16\"}").arg(kSections) << "'precision'";
        QTest::newRow("unknown augmentation") << QStringLiteral("{%1, \"train\": [\"B4\"], \"augment\": {\"hue\": 0.1}}").arg(kSections) << "'augment.hue'";
        QTest::newRow("jitter range") << QStringLiteral("{%1, \"train\": [\"B4\"], \"augment\": {\"color_jitter\": 2}}").arg(kSections) << "'color_jitter'";
        QTest::newRow("encoder object") << QStringLiteral("{%1, \"train\": [\"B4\"], \"image_encoder\": {\"trainable\": true}}").arg(kSections) << "'image_encoder.torchscript'";
        QTest::newRow("patience") << QStringLiteral("{%1, \"train\": [\"B4\"], \"early_stopping_patience\": -1}").arg(kSections) << "'early_stopping_patience'";
        QTest::newRow("broken JSON") << QStringLiteral("{\"train\": [") << "line 1";
        QTest::newRow("patch source") << QStringLiteral("{%1, \"train\": [\"B4\"], \"patch_source\": \"tiles\"}").arg(kSections) << "'patch_source'";
        QTest::newRow("donors and train") << QStringLiteral("{%1, \"train\": [\"B4\"], \"test_donors\": [\"B\"]}").arg(kSections) << "'test_donors'";
        QTest::newRow("seed and seeds") << QStringLiteral("{%1, \"train\": [\"B4\"], \"seed\": 1, \"seeds\": [1, 2]}").arg(kSections) << "'seeds'";
        QTest::newRow("repeated seed") << QStringLiteral("{%1, \"train\": [\"B4\"], \"seeds\": [1, 1]}").arg(kSections) << "'seeds'";
        QTest::newRow("gene scaling") << QStringLiteral("{%1, \"train\": [\"B4\"], \"gene_scaling\": \"global\"}").arg(kSections) << "'gene_scaling'";
        QTest::newRow("min counts") << QStringLiteral("{%1, \"train\": [\"B4\"], \"min_counts\": -1}").arg(kSections) << "'min_counts'";
        QTest::newRow("gene twice") << QStringLiteral("{%1, \"train\": [\"B4\"], \"genes\": [\"ERBB2\", \"ERBB2\"]}").arg(kSections) << "'genes'";
        QTest::newRow("thinned copies divisor") << QStringLiteral("{%1, \"train\": [\"B4\"], \"thinned_copies\": [1]}").arg(kSections) << "'thinned_copies'";
        QTest::newRow("thinned copies twice") << QStringLiteral("{%1, \"train\": [\"B4\"], \"thinned_copies\": [4, 4]}").arg(kSections) << "'thinned_copies'";
        QTest::newRow("thinned copies fraction") << QStringLiteral("{%1, \"train\": [\"B4\"], \"thinned_copies\": [2.5]}").arg(kSections) << "'thinned_copies'";
        QTest::newRow("normalise to") << QStringLiteral("{%1, \"train\": [\"B4\"], \"normalise_to\": 5000}").arg(kSections) << "'normalise_to'";
        QTest::newRow("HEST sample without hest_dir") << QStringLiteral("{\"sections\": [\"TENX99\"], \"train\": [\"TENX99\"]}") << "'sections'";
    }

    void badConfigurationsNameTheField() {
        QFETCH(QString, body);
        QFETCH(QString, field);
        const QString config = writeConfig(dir_, "bad.json", body);
        const ProcessResult r = hescapeCli({"train", config});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(config.toUtf8()) && r.err.contains(field.toUtf8()), r.err.constData());
    }

    void resultsFileStoreAndEmbed() {
        const QString config = writeConfig(dir_, "results.json", QStringLiteral(
            "{%1, \"train\": [\"B4\"], \"validation\": [\"C2\"], \"patch_pixels\": 32, \"highly_variable_genes\": 64,"
            " \"embed_dim\": 32, \"image_width\": 8, \"gene_hidden\": 64, \"epochs\": 2, \"checkpoint\": \"run.ckpt\","
            " \"patch_store\": \"store\", \"augment\": {\"crop_scale\": 0.8, \"color_jitter\": 0.1, \"blur_probability\": 0.2}}")
                                                   .arg(kSections));
        const QString results = dir_.filePath("run.h5");
        ProcessResult r = hescapeCli({"train", config, "--results", results});
        QVERIFY2(r.finished && r.exitCode == 0, r.err.constData());
        QVERIFY2(!r.err.contains("patch store"), r.err.constData());
        const QString check = QStringLiteral(
            "import h5py, numpy as np, sys, json\n"
            "f = h5py.File(sys.argv[1])\n"
            "e = f['embeddings/validation']\n"
            "norms = np.linalg.norm(e['image'][:], axis=1)\n"
            "print(f.attrs['format'], f.attrs['precision'], len(f['steps/loss']), len(f['epochs/loss']),"
            " [s.decode() for s in f['splits/validation'][:]], e['image'].shape, e['section'][0].decode(),"
            " bool(np.allclose(norms, 1, atol=1e-5)), json.loads(f.attrs['config'])['epochs'], len(f['genes']))\n");
        ProcessResult py = runProcess(QStringLiteral(HESCAPE_TEST_PYTHON), {"-c", check, results});
        QVERIFY2(py.exitCode == 0, py.err.constData());
        QCOMPARE(QString::fromUtf8(py.out).trimmed(), QStringLiteral("hescape-run fp32 16 2 ['C2'] (186, 32) C2 True 2 64"));
        // The second run decodes no slide: both sections come from the store.
        r = hescapeCli({"train", config});
        QVERIFY2(r.exitCode == 0 && r.err.contains("patches of 2 section(s) read from the patch store"), r.err.constData());
        // Embeddings of every spot with the trained model.
        const QString embeddings = dir_.filePath("emb.h5");
        r = hescapeCli({"embed", config, "--checkpoint", dir_.filePath("run.ckpt"), "--out", embeddings});
        QVERIFY2(r.exitCode == 0 && r.err.contains("embedded 467 spots"), r.err.constData());
        py = runProcess(QStringLiteral(HESCAPE_TEST_PYTHON),
                        {"-c", "import h5py,sys; f=h5py.File(sys.argv[1]); print(f.attrs['format'], sorted(f['embeddings']), "
                               "f['embeddings/train/gene'].shape)", embeddings});
        QCOMPARE(QString::fromUtf8(py.out).trimmed(), QStringLiteral("hescape-embeddings ['train', 'validation'] (281, 32)"));
        r = hescapeCli({"embed", config, "--checkpoint", dir_.filePath("missing.ckpt"), "--out", embeddings});
        QVERIFY2(r.exitCode == 1 && r.err.contains("missing.ckpt: no such checkpoint"), r.err.constData());

        // Evaluation of the run: the default split is validation here (no test).
        r = hescapeCli({"eval", results, "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject ev = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(ev["split"].toString(), QStringLiteral("validation"));
        QCOMPARE(ev["pairs"].toInt(), 186);
        const QJsonObject whole = ev["whole"].toObject()["image_to_gene"].toObject();
        QCOMPARE(whole["gallery"].toInt(), 186);
        QVERIFY(whole["mean_rank"].toDouble() >= 1 && whole["mean_rank"].toDouble() <= 186);
        QCOMPARE(ev["in_batch"].toObject()["image_to_gene"].toObject()["gallery"].toInt(), 64);
        // Expression prediction (ridge to the 50 most variable genes, trained vs untrained
        // embeddings) and batch effects by section are there, with values in range.
        const QJsonObject pred = ev["expression_prediction"].toObject();
        QCOMPARE(pred["genes"].toInt(), 50);
        for (const char* which : {"trained", "untrained"}) {
            const double r = pred[which].toObject()["mean_pearson"].toDouble(-9);
            QVERIFY2(r >= -1 && r <= 1, which);
        }
        const QJsonObject batch = ev["batch_effects"].toObject();
        QCOMPARE(batch["sections"].toInt(), 2);
        for (const char* which : {"image", "gene"}) {
            const QJsonObject b = batch[which].toObject();
            QVERIFY(b["silhouette_batch"].toDouble(-1) >= 0 && b["silhouette_batch"].toDouble(-1) <= 1);
            QVERIFY(b["ilisi_median"].toDouble() >= 1 && b["ilisi_median"].toDouble() <= 2);
            QVERIFY(b["knn_batch_balanced_accuracy"].toDouble(-1) >= 0);
        }
        py = runProcess(QStringLiteral(HESCAPE_TEST_PYTHON),
                        {"-c", "import h5py,sys; f=h5py.File(sys.argv[1]); g=f['eval/validation'];"
                               " print(g['alignment'].shape, round(float(g['retrieval/whole/image_to_gene'].attrs['gallery'])),"
                               " len(f['steps/loss']), g['expression_prediction/trained/pearson'].shape,"
                               " f['eval/batch_effects/image'].attrs['batch_key'])", results});
        QCOMPARE(QString::fromUtf8(py.out).trimmed(), QStringLiteral("(186,) 186 16 (50,) section"));  // the run's own data kept
        r = hescapeCli({"eval", results, "--split", "nope"});
        QVERIFY2(r.exitCode == 1 && r.err.contains("/embeddings/nope: no such split (the file has: train, validation)"), r.err.constData());
        r = hescapeCli({"eval", config});
        QVERIFY2(r.exitCode == 1 && r.err.contains(config.toUtf8()), r.err.constData());

        // Embeddings kept in an AnnData file's obsm (as other tools write them):
        // retrieval, batch effects by an obs column and a linear probe of a label.
        const QString h5ad = dir_.filePath("emb.h5ad");
        py = runProcess(QStringLiteral(HESCAPE_TEST_PYTHON),
                        {"-c", "import h5py, numpy as np, anndata, pandas as pd, sys\n"
                               "f = h5py.File(sys.argv[1]); im, ge, sec, ex = [], [], [], []\n"
                               "for s in f['embeddings']:\n"
                               "    g = f['embeddings'][s]; im.append(g['image'][:]); ge.append(g['gene'][:])\n"
                               "    sec += [x.decode() for x in g['section'][:]]; ex.append(g['expression'][:])\n"
                               "ex = np.vstack(ex); lab = np.where(ex[:, 0] > np.median(ex[:, 0]), 'high', 'low')\n"
                               "a = anndata.AnnData(X=ex, obs=pd.DataFrame({'section': pd.Categorical(sec), 'lab': pd.Categorical(lab)},"
                               " index=[str(i) for i in range(len(sec))]))\n"
                               "a.obsm['X_image_emb'] = np.vstack(im); a.obsm['X_gene_emb'] = np.vstack(ge); a.write_h5ad(sys.argv[2])\n",
                         results, h5ad});
        QVERIFY2(py.exitCode == 0, py.err.constData());
        r = hescapeCli({"eval", h5ad, "--json", "--batch-key", "section", "--label-key", "lab", "--test-batches", "C2"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject ad = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(ad["pairs"].toInt(), 467);
        QCOMPARE(ad["batch_effects"].toObject()["batch_key"].toString(), QStringLiteral("section"));
        const QJsonObject probe = ad["label_probe"].toObject();
        QCOMPARE(probe["test_rows"].toInt(), 186);
        QVERIFY(probe["macro_auroc"].toDouble(-1) >= 0 && probe["macro_auroc"].toDouble(-1) <= 1);
        r = hescapeCli({"eval", h5ad, "--image-key", "X_nope"});
        QVERIFY2(r.exitCode == 1 && r.err.contains("obsm has no 'X_nope' (it has: X_gene_emb, X_image_emb)"), r.err.constData());
        r = hescapeCli({"eval", h5ad, "--batch-key", "section", "--label-key", "lab", "--test-batches", "Z9"});
        QVERIFY2(r.exitCode == 1 && r.err.contains("obs 'section' has no value 'Z9'"), r.err.constData());
    }

    // Several seeds: one run file per seed, each evaluated (permutation
    // p-values stored), then the comparison table; `hescape compare` on the
    // same files gives the same numbers; splits by donor are recorded.
    void seedsGiveAComparison() {
        const QString config = writeConfig(dir_, "seeds.json", QStringLiteral(
            "{%1, \"test_donors\": [\"C\"], \"method\": \"tiny\", \"patch_pixels\": 32, \"highly_variable_genes\": 64,"
            " \"embed_dim\": 32, \"image_width\": 8, \"gene_hidden\": 64, \"epochs\": 1}").arg(kSections));
        const QString base = dir_.filePath("seeds.h5");
        ProcessResult r = hescapeCli({"train", config, "--seeds", "2", "--results", base, "--json"});
        QVERIFY2(r.finished && r.exitCode == 0, r.err.constData());
        const QList<QByteArray> lines = r.out.trimmed().split('\n');
        const QJsonObject table = QJsonDocument::fromJson(lines.last()).object();
        const QJsonArray methods = table["methods"].toArray();
        QCOMPARE(methods.size(), 1);
        const QJsonObject tiny = methods[0].toObject();
        QCOMPARE(tiny["method"].toString(), QStringLiteral("tiny"));
        QCOMPARE(tiny["runs"].toInt(), 2);
        QVERIFY(tiny["donor_safe"].toBool());
        const QJsonObject metrics = tiny["metrics"].toObject();
        QVERIFY(std::abs(metrics["chance@5"].toObject()["mean"].toDouble() - 5.0 / 186) < 1e-12);  // C2 tested
        const QJsonObject heldOut = metrics["held-out R@5 image->gene"].toObject();
        QCOMPARE(heldOut["runs"].toInt(), 2);
        QVERIFY(heldOut["sd"].toDouble(-1) >= 0);
        QVERIFY(tiny["worst_p_image_to_gene"].toDouble() > 0 && tiny["worst_p_image_to_gene"].toDouble() <= 1);
        QVERIFY(std::isnan(metrics["within-donor R@5 image->gene"].toObject()["mean"].toDouble(0)) ||
                metrics["within-donor R@5 image->gene"].toObject()["runs"].toInt() == 0);  // no validation split here
        const QString run0 = dir_.filePath("seeds-seed0.h5"), run1 = dir_.filePath("seeds-seed1.h5");
        const ProcessResult py = runProcess(QStringLiteral(HESCAPE_TEST_PYTHON),
                        {"-c", "import h5py,sys; f=h5py.File(sys.argv[1]); g=f['eval/test/retrieval/whole/image_to_gene'];"
                               " print(int(f.attrs['seed']), f.attrs['method'], int(f.attrs['donor_safe']),"
                               " [x.decode() for x in f['donors/donor'][:]], int(g.attrs['permutations']),"
                               " 0 < g.attrs['p_value_recall_at_5'] <= 1)", run1});
        QCOMPARE(QString::fromUtf8(py.out).trimmed(), QStringLiteral("1 tiny 1 ['B', 'C'] 999 True"));
        r = hescapeCli({"compare", run0, run1, "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject again = QJsonDocument::fromJson(r.out).object()["methods"].toArray()[0].toObject();
        QCOMPARE(again["metrics"].toObject()["held-out R@5 image->gene"].toObject()["mean"].toDouble(), heldOut["mean"].toDouble());
        r = hescapeCli({"compare", config});
        QVERIFY2(r.exitCode == 1 && r.err.contains(config.toUtf8()), r.err.constData());
    }

    void sectionInTwoSplitsFails() {
        const QString config = writeConfig(dir_, "split.json", QStringLiteral(
            "{%1, \"train\": [\"B4\"], \"validation\": [\"B4\"]}").arg(kSections));
        const ProcessResult r = hescapeCli({"train", config});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("section B4 is in more than one split"), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliTrain)
#include "tst_cli_train.moc"
