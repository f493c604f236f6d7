// Expression preprocessing against numpy on two real demo sections (B4, C3):
// median-library-size normalisation + log1p values, the shared-gene set, and
// the top-50 genes by variance (what HESCAPE calls highly variable here).
#include "core/engine/ExpressionPreprocessing.h"
#include "core/spatial/AnnDataReader.h"

#include <QProcess>
#include <QtTest/QtTest>

#include <cmath>

using namespace hescape;

class TestExpressionPreprocessing : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void matchesNumpy() {
        const SpatialDataset b4 = readAnnData(HESCAPE_SOURCE_DIR "/resources/demo/her2st/B4.h5ad");
        const SpatialDataset c3 = readAnnData(HESCAPE_SOURCE_DIR "/resources/demo/her2st/C3.h5ad");
        ExpressionOptions opt;
        opt.highlyVariable = 50;
        const auto genes = selectGenes({&b4, &c3}, opt);
        QCOMPARE(genes.size(), std::size_t{50});
        const auto values = expressionFeatures(c3, {0, 7, 100}, genes, opt.target);

        const QString script = QStringLiteral(R"(
import anndata as ad, numpy as np
d = '%1/resources/demo/her2st/'
a = [ad.read_h5ad(d + s + '.h5ad') for s in ('B4', 'C3')]
second = set(a[1].var_names)
shared = [g for g in a[0].var_names if g in second]
def lognorm(x):
    x = np.asarray(x, dtype=np.float64); lib = x.sum(1, keepdims=True)
    return np.log1p(x * np.median(lib) / lib)
pos = [{g: i for i, g in enumerate(x.var_names)} for x in a]
v = np.vstack([lognorm(x.X)[:, [p[g] for g in shared]] for x, p in zip(a, pos)])
order = np.argsort(-v.var(0), kind='stable')[:50]
top = [shared[i] for i in sorted(order)]
c3 = lognorm(a[1].X)[:, [pos[1][g] for g in top]]
print(len(shared)); print(' '.join(top)); print(' '.join(repr(float(x)) for x in c3[[0, 7, 100]].ravel()))
)").arg(QStringLiteral(HESCAPE_SOURCE_DIR));
        QProcess p;
        p.start(QStringLiteral(HESCAPE_TEST_PYTHON), {"-c", script});
        QVERIFY(p.waitForFinished(120000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        const QStringList lines = QString::fromUtf8(p.readAllStandardOutput()).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 3);
        ExpressionOptions all;
        QCOMPARE(static_cast<int>(selectGenes({&b4, &c3}, all).size()), lines[0].toInt());
        QStringList ours;
        for (const auto& g : genes) ours << QString::fromStdString(g);
        QCOMPARE(ours, lines[1].split(' '));
        const QStringList ref = lines[2].split(' ');
        QCOMPARE(static_cast<std::size_t>(ref.size()), values.size());
        for (std::size_t i = 0; i < values.size(); ++i) QVERIFY(std::abs(values[i] - ref[static_cast<int>(i)].toDouble()) < 1e-5);
    }

    void missingGeneNamesDataset() {
        const SpatialDataset c3 = readAnnData(HESCAPE_SOURCE_DIR "/resources/demo/her2st/C3.h5ad");
        ExpressionOptions opt;
        opt.genes = {"ERBB2", "NOT_A_GENE"};
        try {
            selectGenes({&c3}, opt);
            QFAIL("no error");
        } catch (const DatasetError& e) {
            QVERIFY(std::string(e.what()).find("NOT_A_GENE") != std::string::npos);
            QVERIFY(std::string(e.what()).find("C3.h5ad") != std::string::npos);
        }
    }
};

QTEST_GUILESS_MAIN(TestExpressionPreprocessing)
#include "tst_expression_preprocessing.moc"
