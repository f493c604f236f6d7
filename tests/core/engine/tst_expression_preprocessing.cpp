// Expression preprocessing against numpy on two real demo sections (B4, C3):
// one target sum for all (the training sections' median library size over
// spots with >= 10 counts), log1p values, the shared-gene set, the top-50
// genes by variance over the training section alone (C3 held out), per-section
// standardisation, the count filter; and the old per-section median.
// Binomial thinning (CountThinning): its law on a real section, its
// determinism, and fractional counts refused.
#include "core/engine/CountThinning.h"
#include "core/engine/ExpressionPreprocessing.h"
#include "core/spatial/AnnDataReader.h"

#include <QProcess>
#include <QtTest/QtTest>

#include <array>
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
        const double target = normalisationTarget({&b4}, opt);  // B4 trains, C3 is held out
        const auto genes = selectGenes({&b4}, {&b4, &c3}, opt, target);
        QCOMPARE(genes.size(), std::size_t{50});
        const auto values = expressionFeatures(c3, {0, 7, 100}, genes, target);
        const auto scaled = expressionFeatures(c3, observationsWithCounts(c3, 10), genes, target, true);
        const auto kept = observationsWithCounts(b4, 10);

        const QString script = QStringLiteral(R"(
import anndata as ad, numpy as np
d = '%1/resources/demo/her2st/'
a = [ad.read_h5ad(d + s + '.h5ad') for s in ('B4', 'C3')]
second = set(a[1].var_names)
shared = [g for g in a[0].var_names if g in second]
X = [np.asarray(x.X.todense() if hasattr(x.X, 'todense') else x.X, dtype=np.float64) for x in a]
libs = [x.sum(1) for x in X]
keep = [l >= 10 for l in libs]
target = np.median(libs[0][keep[0]])  # training spots (B4) with at least 10 counts
def lognorm(x, lib):
    return np.log1p(x * target / lib[:, None])
pos = [{g: i for i, g in enumerate(x.var_names)} for x in a]
v = lognorm(X[0], libs[0])[keep[0]][:, [pos[0][g] for g in shared]]
order = np.argsort(-v.var(0), kind='stable')[:50]
top = [shared[i] for i in sorted(order)]
c3 = lognorm(X[1], libs[1])[:, [pos[1][g] for g in top]]
z = c3[keep[1]]
z = (z - z.mean(0)) / np.where(z.std(0) > 1e-12, z.std(0), np.inf)
print(len(shared)); print(' '.join(top)); print(' '.join(repr(float(x)) for x in c3[[0, 7, 100]].ravel()))
print(repr(float(target)), int(keep[0].sum()), int(keep[1].sum())); print(' '.join(repr(float(x)) for x in z[[0, 5, 50]].ravel()))
)").arg(QStringLiteral(HESCAPE_SOURCE_DIR));
        QProcess p;
        p.start(QStringLiteral(HESCAPE_TEST_PYTHON), {"-c", script});
        QVERIFY(p.waitForFinished(120000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        const QStringList lines = QString::fromUtf8(p.readAllStandardOutput()).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 5);
        ExpressionOptions all;
        QCOMPARE(static_cast<int>(selectGenes({&b4}, {&b4, &c3}, all, target).size()), lines[0].toInt());
        const QStringList counts = lines[3].split(' ');
        QVERIFY(std::abs(target - counts[0].toDouble()) < 1e-9);
        QCOMPARE(static_cast<int>(kept.size()), counts[1].toInt());
        QCOMPARE(static_cast<int>(observationsWithCounts(c3, 10).size()), counts[2].toInt());
        QVERIFY(kept.size() < static_cast<std::size_t>(b4.observationCount()));  // the filter does something on B4
        const QStringList z = lines[4].split(' ');
        const std::size_t g = genes.size();
        for (int r = 0; r < 3; ++r)
            for (std::size_t c = 0; c < g; ++c) {
                const std::size_t row = static_cast<std::size_t>(std::array<int, 3>{0, 5, 50}[static_cast<std::size_t>(r)]);
                QVERIFY(std::abs(scaled[row * g + c] - z[static_cast<int>(static_cast<std::size_t>(r) * g + c)].toDouble()) < 1e-4);
            }
        QStringList ours;
        for (const auto& g : genes) ours << QString::fromStdString(g);
        QCOMPARE(ours, lines[1].split(' '));
        const QStringList ref = lines[2].split(' ');
        QCOMPARE(static_cast<std::size_t>(ref.size()), values.size());
        for (std::size_t i = 0; i < values.size(); ++i) QVERIFY(std::abs(values[i] - ref[static_cast<int>(i)].toDouble()) < 1e-5);
    }

    // C3 thinned to a quarter: every count at most the original, each
    // library size the kept share of all its counts (mean n/4 and variance
    // n * 1/4 * 3/4 summed over the spots, within 5 sd), the same generator
    // gives the same copy, and normalisedFeatures of the unthinned counts is
    // expressionFeatures.
    void thinningKeepsEachCountWithProbabilityOneOverD() {
        const SpatialDataset c3 = readAnnData(HESCAPE_SOURCE_DIR "/resources/demo/her2st/C3.h5ad");
        ExpressionOptions opt;
        opt.highlyVariable = 64;
        const double target = normalisationTarget({&c3}, opt);
        const auto genes = selectGenes({&c3}, {&c3}, opt, target);
        const auto rows = observationsWithCounts(c3, 10);
        const SpotCounts counts = spotCounts(c3, rows, genes);
        QCOMPARE(normalisedFeatures(counts, target, true), expressionFeatures(c3, rows, genes, target, true));

        auto rng = thinningGenerator(3, 2, 4);
        const SpotCounts thin = thinnedCounts(counts, 4, rng, "C3");
        auto again = thinningGenerator(3, 2, 4);
        QCOMPARE(thinnedCounts(counts, 4, again, "C3").counts, thin.counts);
        auto other = thinningGenerator(3, 3, 4);
        QVERIFY(thinnedCounts(counts, 4, other, "C3").counts != thin.counts);
        double n = 0, kept = 0;
        for (std::size_t r = 0; r < counts.spots(); ++r) {
            double chosen = 0;
            for (std::size_t g = 0; g < counts.genes; ++g) {
                const double before = counts.counts[r * counts.genes + g], after = thin.counts[r * counts.genes + g];
                QVERIFY(after >= 0 && after <= before && std::floor(after) == after);
                chosen += after;
            }
            QVERIFY(thin.library[r] >= chosen && thin.library[r] <= counts.library[r]);
            n += counts.library[r];
            kept += thin.library[r];
        }
        const double sd = std::sqrt(n * 0.25 * 0.75);
        QVERIFY2(std::abs(kept - n / 4) < 5 * sd, qPrintable(QStringLiteral("kept %1 of %2").arg(kept).arg(n)));
    }

    void thinningRefusesFractionalCounts() {
        SpotCounts counts;
        counts.genes = 2;
        counts.counts = {3, 1.5};
        counts.library = {10};
        auto rng = thinningGenerator(0, 0, 2);
        try {
            thinnedCounts(counts, 2, rng, "scaled.h5ad");
            QFAIL("a fractional count was thinned");
        } catch (const std::invalid_argument& e) {
            const std::string what = e.what();
            QVERIFY2(what.find("scaled.h5ad") != std::string::npos && what.find("thinned_copies") != std::string::npos, e.what());
        }
        counts.counts = {3, 1};
        counts.library = {2};  // below the sum of its counts
        QVERIFY_EXCEPTION_THROWN(thinnedCounts(counts, 2, rng, "x"), std::invalid_argument);
    }

    void missingGeneNamesDataset() {
        const SpatialDataset c3 = readAnnData(HESCAPE_SOURCE_DIR "/resources/demo/her2st/C3.h5ad");
        ExpressionOptions opt;
        opt.genes = {"ERBB2", "NOT_A_GENE"};
        try {
            selectGenes({&c3}, {&c3}, opt, 1e4);
            QFAIL("no error");
        } catch (const DatasetError& e) {
            QVERIFY(std::string(e.what()).find("NOT_A_GENE") != std::string::npos);
            QVERIFY(std::string(e.what()).find("C3.h5ad") != std::string::npos);
        }
    }
};

QTEST_GUILESS_MAIN(TestExpressionPreprocessing)
#include "tst_expression_preprocessing.moc"
