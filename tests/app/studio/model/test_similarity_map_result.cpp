// The similarity-map logic without a window (app/studio/model): on the demo
// section C3 with a run built here whose embeddings are known, each mode's
// values, legend, colormap, marked spots and messages, and every reason for
// drawing nothing.
#include "app/studio/model/SimilarityMapResult.h"
#include "core/spatial/AnnDataReader.h"
#include "core/spatial/ExpressionValues.h"
#include "core/spatial/SpatialDataset.h"

#include <QtTest>

#include <cmath>

using namespace hescape;

namespace {

// 2-d unit embeddings on a circle: image and gene of observation i at angles
// a_i and a_i + shift_i, so the alignment (cosine) is cos(shift_i).
struct ToyEmbeddings {
    RunEmbeddings run;
    std::vector<double> shift;
};

ToyEmbeddings toyRun(const SpatialDataset& ds, std::size_t count, const std::string& section) {
    ToyEmbeddings t;
    std::vector<std::string> sections(count, section), names(ds.obsNames.begin(), ds.obsNames.begin() + static_cast<std::ptrdiff_t>(count));
    std::vector<float> image, gene;
    for (std::size_t i = 0; i < count; ++i) {
        const double a = 0.37 * static_cast<double>(i), s = 0.01 * static_cast<double>(i % 7);
        image.insert(image.end(), {static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a))});
        gene.insert(gene.end(), {static_cast<float>(std::cos(a + s)), static_cast<float>(std::sin(a + s))});
        t.shift.push_back(s);
    }
    t.run.dim = 2;
    t.run.append(sections, names, image, gene);
    return t;
}

}  // namespace

class TestSimilarityMapResult : public QObject {
    Q_OBJECT

    SpatialDataset ds_;
    std::vector<double> libs_;

    SimilarityMapRequest request(SimilarityMapMode mode) const {
        SimilarityMapRequest r;
        r.mode = mode;
        r.datasetFileName = QStringLiteral("C3.h5ad");
        r.section = QStringLiteral("C3");
        return r;
    }

private Q_SLOTS:
    void initTestCase() {
        ds_ = readAnnData(HESCAPE_SOURCE_DIR "/resources/demo/her2st/C3.h5ad");
        libs_ = ds_.expression.rowSums();
        QVERIFY(ds_.obsNames.size() > 100);
    }

    void offDrawsNothingAndSaysNothing() {
        const auto t = toyRun(ds_, 100, "C3");
        const auto rows = matchObservations(t.run, "C3", ds_.obsNames);
        const auto r = computeSimilarityMap(request(SimilarityMapMode::Off), t.run, rows, ds_, libs_);
        QVERIFY(!r.shown);
        QVERIFY(r.message.isEmpty());
    }

    void noMatchingSpotsNamesTheRunsSections() {
        auto t = toyRun(ds_, 10, "B4");
        std::vector<std::int64_t> rows(ds_.obsNames.size(), -1);
        const auto r = computeSimilarityMap(request(SimilarityMapMode::Alignment), t.run, rows, ds_, libs_);
        QVERIFY(!r.shown);
        QCOMPARE(r.message, QStringLiteral("The run has no embeddings for the spots of C3 (its sections: B4)."));
    }

    void alignmentIsEachSpotsCosine() {
        const auto t = toyRun(ds_, 100, "C3");
        const auto rows = matchObservations(t.run, "C3", ds_.obsNames);
        const auto r = computeSimilarityMap(request(SimilarityMapMode::Alignment), t.run, rows, ds_, libs_);
        QVERIFY(r.shown);
        QCOMPARE(r.colormap, ColormapId::Coolwarm);
        QCOMPARE(r.legendTitle, QStringLiteral("alignment (cosine)"));
        QVERIFY(!r.marked);
        QCOMPARE(r.values.size(), ds_.obsNames.size());
        for (std::size_t i = 0; i < 100; ++i) QVERIFY(std::abs(r.values[i] - std::cos(t.shift[i])) < 1e-5);
        QVERIFY(std::isnan(r.values[150]));
        QCOMPARE(r.message, QStringLiteral("100 of %1 spots have embeddings in the run.").arg(ds_.obsNames.size()));
    }

    void queryRanksTheSpotAndMarksTheTopK() {
        const auto t = toyRun(ds_, 100, "C3");
        const auto rows = matchObservations(t.run, "C3", ds_.obsNames);
        auto rq = request(SimilarityMapMode::QueryImageToGene);
        QCOMPARE(computeSimilarityMap(rq, t.run, rows, ds_, libs_).message, QStringLiteral("Click a spot to query with it."));
        rq.queryObs = 150;  // outside the run
        QCOMPARE(computeSimilarityMap(rq, t.run, rows, ds_, libs_).message, QStringLiteral("The clicked spot has no embedding in the run."));
        rq.queryObs = 7;  // shift 0: its own gene embedding is the most similar
        rq.topK = 3;
        const auto r = computeSimilarityMap(rq, t.run, rows, ds_, libs_);
        QVERIFY(r.shown);
        QVERIFY(r.marked);
        QCOMPARE(r.marked->size(), std::size_t{3});
        QCOMPARE(r.marked->front(), std::int64_t{7});
        const QString name = QString::fromStdString(ds_.obsNames[7]);
        QCOMPARE(r.legendTitle, QStringLiteral("%1's image vs genes").arg(name));
        QCOMPARE(r.message, QStringLiteral("Query %1: its own gene profile ranks 1 of 100; it is in the top 3 (marked).").arg(name));
        rq.mode = SimilarityMapMode::QueryGeneToImage;
        QCOMPARE(computeSimilarityMap(rq, t.run, rows, ds_, libs_).legendTitle, QStringLiteral("%1's genes vs images").arg(name));
    }

    void geneDirectionNeedsAGeneOfTheDataset() {
        const auto t = toyRun(ds_, 100, "C3");
        const auto rows = matchObservations(t.run, "C3", ds_.obsNames);
        auto rq = request(SimilarityMapMode::GeneDirection);
        QCOMPARE(computeSimilarityMap(rq, t.run, rows, ds_, libs_).message, QStringLiteral("Type a gene for its direction map."));
        rq.gene = QStringLiteral("NOT_A_GENE");
        QCOMPARE(computeSimilarityMap(rq, t.run, rows, ds_, libs_).message, QStringLiteral("Gene NOT_A_GENE is not in C3.h5ad."));
        rq.gene = QString::fromStdString(ds_.geneNames.front());
        const auto r = computeSimilarityMap(rq, t.run, rows, ds_, libs_);
        QVERIFY(r.shown);
        QCOMPARE(r.colormap, ColormapId::Viridis);
        const auto idx = ds_.geneIndex(ds_.geneNames.front());
        const auto want = geneDirectionMap(t.run, rows, geneValues(ds_, *idx, Normalisation::Log1p, libs_));
        QCOMPARE(r.values.size(), want.size());
        for (std::size_t i = 0; i < want.size(); ++i)
            QVERIFY(std::isnan(want[i]) ? std::isnan(r.values[i]) : r.values[i] == want[i]);
        QVERIFY(std::isfinite(r.values[0]) && std::isnan(r.values[150]));
        QCOMPARE(r.legendTitle, QStringLiteral("%1 direction in image embeddings").arg(rq.gene));
    }
};

QTEST_GUILESS_MAIN(TestSimilarityMapResult)
#include "test_similarity_map_result.moc"
