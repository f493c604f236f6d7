// The .h5ad export opens in Debian's python3-anndata: the demo section C3
// with a toy run's embeddings keeps X (values and sparsity as loaded), obs
// names and columns, gene names, the coordinates, both embeddings (NaN rows
// for spots the run lacks), the alignment column and the metrics in uns.
#include "core/eval/AnnDataExport.h"
#include "core/spatial/AnnDataReader.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

using namespace hescape;

class TestAnnDataExport : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void readsBackInAnndata() {
        QTemporaryDir dir;
        const SpatialDataset ds = readAnnData(HESCAPE_SOURCE_DIR "/resources/demo/her2st/C3.h5ad");
        RunEmbeddings run;
        run.path = "toy.h5";
        run.dim = 3;
        // Embeddings for all but the last spot; spot i's image (i, 1, 0), gene (i, 0, 1).
        for (std::int64_t i = 0; i + 1 < ds.observationCount(); ++i) {
            run.section.push_back("C3");
            run.obsName.push_back(ds.obsNames[static_cast<std::size_t>(i)]);
            run.image.insert(run.image.end(), {static_cast<float>(i), 1.f, 0.f});
            run.gene.insert(run.gene.end(), {static_cast<float>(i), 0.f, 1.f});
        }
        AnnDataExportExtras extras;
        extras.run = &run;
        extras.rows = matchObservations(run, "C3", ds.obsNames);
        extras.metrics = {{"recall_at_5", 0.25}};
        const QString out = dir.filePath("export.h5ad");
        writeAnnDataExport(out.toStdString(), ds, extras);
        const QString script = QStringLiteral(
            "import anndata, numpy as np, sys\n"
            "a = anndata.read_h5ad(sys.argv[1]); b = anndata.read_h5ad(sys.argv[2])\n"
            "X = a.X.toarray() if hasattr(a.X, 'toarray') else np.asarray(a.X)\n"
            "Y = b.X.toarray() if hasattr(b.X, 'toarray') else np.asarray(b.X)\n"
            "e = a.obsm['X_image_emb']; g = a.obsm['X_gene_emb']\n"
            "print(a.shape == b.shape, np.array_equal(X, Y.astype(np.float32)), list(a.obs_names) == list(b.obs_names),"
            " list(a.var_names) == list(b.var_names), a.obsm['spatial'].shape, e.shape,"
            " float(e[5, 0]), bool(np.isnan(e[-1]).all()), bool(np.isnan(a.obs['hescape_alignment'].iloc[-1])),"
            " round(float(a.obs['hescape_alignment'].iloc[0]), 6), float(a.uns['hescape_metrics']['recall_at_5'][0]),"
            " sorted(set(b.obs.columns) - set(a.obs.columns)))\n");
        QProcess p;
        p.start(QStringLiteral(HESCAPE_TEST_PYTHON),
                {"-c", script, out, QStringLiteral(HESCAPE_SOURCE_DIR "/resources/demo/her2st/C3.h5ad")});
        QVERIFY(p.waitForFinished(120000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        // Spot 0: image (0,1,0) and gene (0,0,1) are orthogonal: alignment 0.
        QCOMPARE(QString::fromUtf8(p.readAllStandardOutput()).trimmed(),
                 QStringLiteral("True True True True (%1, 2) (%1, 3) 5.0 True True 0.0 0.25 []").arg(ds.observationCount()));
    }

    void unwritableTargetNamesTheFile() {
        const SpatialDataset ds = readAnnData(HESCAPE_SOURCE_DIR "/resources/demo/her2st/C3.h5ad");
        const std::string bad = "/proc/hescape-cannot-write/x.h5ad";
        try {
            writeAnnDataExport(bad, ds);
            QFAIL("no error");
        } catch (const std::exception& e) {
            QVERIFY2(std::string(e.what()).find(bad) == 0, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestAnnDataExport)
#include "tst_anndata_export.moc"
