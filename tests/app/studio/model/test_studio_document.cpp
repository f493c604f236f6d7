// The studio's document and what it shows, without a window
// (app/studio/model): on the demo section C3 and a run built here whose rows
// are known, the document's signals (each change once, none for a
// non-change), the run's row matching and the selection both ways, what the
// spots show (a gene's log1p values, a gene-set score, categories, a
// similarity map taking precedence, the message for a gene that is not
// there, the 1st-99th percentile range), the rows' colouring for the
// embedding view, and the session captured from the document with every
// name table read back.
#include "app/studio/model/SessionCodec.h"
#include "app/studio/model/SpotDisplay.h"
#include "app/studio/model/StudioDocument.h"
#include "core/eval/SimilarityMaps.h"
#include "core/spatial/AnnDataReader.h"
#include "core/spatial/SpatialDataset.h"

#include <QSignalSpy>
#include <QtTest>

#include <cmath>

using namespace hescape;

namespace {

const QString kC3 = QStringLiteral(HESCAPE_SOURCE_DIR "/resources/demo/her2st/C3.h5ad");

// A run with rows for C3's observations 0..count-1 (in reverse order, so rows
// and observations differ) and two rows of another section.
std::shared_ptr<const RunEmbeddings> toyRun(const SpatialDataset& ds, std::size_t count) {
    RunEmbeddings run;
    run.dim = 2;
    std::vector<std::string> sections, names;
    std::vector<float> image, gene;
    for (std::size_t k = 0; k < count; ++k) {
        const std::size_t obs = count - 1 - k;
        sections.push_back("C3");
        names.push_back(ds.obsNames[obs]);
        const double a = 0.3 * static_cast<double>(obs);
        image.insert(image.end(), {static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a))});
        gene.insert(gene.end(), {static_cast<float>(std::cos(a + 0.1)), static_cast<float>(std::sin(a + 0.1))});
    }
    for (const char* other : {"B4_x", "B4_y"}) {
        sections.push_back("B4");
        names.push_back(other);
        image.insert(image.end(), {1.0f, 0.0f});
        gene.insert(gene.end(), {0.0f, 1.0f});
    }
    run.append(sections, names, image, gene);
    return std::make_shared<const RunEmbeddings>(std::move(run));
}

}  // namespace

class TestStudioDocument : public QObject {
    Q_OBJECT

    std::shared_ptr<const SpatialDataset> ds_;
    std::vector<double> libs_;

    void open(StudioDocument& doc) const { doc.setDataset(kC3, ds_, libs_, std::nullopt); }

private Q_SLOTS:
    void initTestCase() {
        ds_ = std::make_shared<const SpatialDataset>(readAnnData(kC3.toStdString()));
        libs_ = ds_->expression.rowSums();
        QVERIFY(ds_->observationCount() > 100);
    }

    void changesAreSignalledOnceAndNonChangesNot() {
        StudioDocument doc;
        QSignalSpy colouring(&doc, &StudioDocument::colouringChanged), map(&doc, &StudioDocument::mapChanged),
            layers(&doc, &StudioDocument::layersChanged), overlays(&doc, &StudioDocument::overlaysChanged);
        SpotColoring c;
        c.genes = {QStringLiteral("ERBB2")};
        doc.setColouring(c);
        doc.setColouring(c);
        QCOMPARE(colouring.count(), 1);
        doc.setMap({SimilarityMapMode::Alignment, 10, {}});
        doc.setMap({SimilarityMapMode::Alignment, 10, {}});
        QCOMPARE(map.count(), 1);
        doc.setSpotsLayer({false, 0.5});
        doc.setSpotsLayer({false, 0.5});
        QCOMPARE(layers.count(), 1);
        doc.setOverlays(false, true);
        doc.setOverlays(false, true);
        QCOMPARE(overlays.count(), 1);
        QVERIFY(!doc.view().minimap && doc.view().scaleBar);
    }

    void aNewSlideClosesTheDataSetButKeepsTheRun() {
        StudioDocument doc;
        open(doc);
        doc.setRun(toyRun(*ds_, 50), QStringLiteral("/runs/r.h5"), {});
        QSignalSpy dataset(&doc, &StudioDocument::datasetChanged), slide(&doc, &StudioDocument::slideChanged);
        doc.setSlide(QStringLiteral("/slides/other.tiff"), nullptr);
        QCOMPARE(dataset.count(), 1);
        QCOMPARE(slide.count(), 1);
        QVERIFY(!doc.dataset());
        QVERIFY(doc.datasetPath().isEmpty());
        QVERIFY(doc.run());
        QVERIFY(doc.runRows().empty());
    }

    void runRowsAndSelectionConvertBothWays() {
        StudioDocument doc;
        open(doc);
        const auto run = toyRun(*ds_, 50);
        doc.setRun(run, QStringLiteral("/runs/r.h5"), {});
        QCOMPARE(doc.datasetSection(), QStringLiteral("C3"));
        QCOMPARE(doc.runRows().size(), static_cast<std::size_t>(ds_->observationCount()));
        QCOMPARE(doc.runRows()[0], std::int64_t{49});  // the rows run backwards
        QCOMPARE(doc.runRows()[49], std::int64_t{0});
        QCOMPARE(doc.runRows()[50], std::int64_t{-1});
        QSignalSpy selection(&doc, &StudioDocument::selectionChanged);
        // From the slide: observations (unsorted, repeated, one out of range) -> rows of those in the run.
        doc.selectObservations({60, 3, 3, 1, -2}, SelectionOrigin::Slide);
        QCOMPARE(doc.selectedObservations(), (std::vector<std::int64_t>{1, 3, 60}));
        QCOMPARE(doc.selectedRows(), (std::vector<std::int64_t>{48, 46}));
        QCOMPARE(selection.last().at(0).value<SelectionOrigin>(), SelectionOrigin::Slide);
        // From the embedding: rows, one of another section -> observations of this one; the rows stay.
        doc.selectRows({0, 50, 999}, SelectionOrigin::Embedding);
        QCOMPARE(doc.selectedRows(), (std::vector<std::int64_t>{0, 50}));
        QCOMPARE(doc.selectedObservations(), (std::vector<std::int64_t>{49}));
        // The same selection again is still signalled: a view opened meanwhile needs it.
        const int before = selection.count();
        doc.selectRows({0, 50}, SelectionOrigin::Embedding);
        QCOMPARE(selection.count(), before + 1);
    }

    void theSpotsShowAGenesLog1pValuesWithAPercentileRange() {
        StudioDocument doc;
        open(doc);
        SpotDisplay empty = computeSpotDisplay(doc);
        QCOMPARE(empty.kind, SpotDisplay::Kind::Nothing);  // no gene chosen yet
        SpotColoring c;
        c.genes = {QStringLiteral("ERBB2")};
        doc.setColouring(c);
        const SpotDisplay d = computeSpotDisplay(doc);
        QCOMPARE(d.kind, SpotDisplay::Kind::Colouring);
        QCOMPARE(d.legendTitle, QStringLiteral("ERBB2 (log1p)"));
        const auto col = ds_->expression.column(*ds_->geneIndex("ERBB2"));
        QCOMPARE(d.values.size(), static_cast<std::size_t>(ds_->observationCount()));
        for (std::size_t i = 0; i < d.values.size(); ++i) QCOMPARE(d.values[i], std::log1p(col[i]));
        QVERIFY(d.rangeFromData);
        const auto range = percentiles(d.values, {1.0, 99.0});
        QCOMPARE(d.lo, range[0]);
        QCOMPARE(d.hi, range[1] > range[0] ? range[1] : range[0] + 1.0);
        QVERIFY(d.request && d.request->byGene && d.request->genes == std::vector<std::string>{"ERBB2"});
        QCOMPARE(*d.colouringMessage, QString());
        // A range by hand is kept as given.
        c.autoRange = false;
        c.vmin = 0.25;
        c.vmax = 2.5;
        doc.setColouring(c);
        const SpotDisplay byHand = computeSpotDisplay(doc);
        QVERIFY(!byHand.rangeFromData);
        QCOMPARE(byHand.lo, 0.25);
        QCOMPARE(byHand.hi, 2.5);
    }

    void scoresCategoriesAndMissingGenes() {
        StudioDocument doc;
        open(doc);
        SpotColoring c;
        c.genes = {QStringLiteral("ERBB2"), QStringLiteral("GRB7")};
        doc.setColouring(c);
        QCOMPARE(computeSpotDisplay(doc).legendTitle, QStringLiteral("score: ERBB2 GRB7"));
        c.source = SpotColoring::Source::Annotation;
        c.annotation = QStringLiteral("section");
        c.colormap = ColormapId::Magma;
        doc.setColouring(c);
        const SpotDisplay cats = computeSpotDisplay(doc);
        QCOMPARE(cats.categories, QStringList{QStringLiteral("C3")});
        QCOMPARE(cats.colormap, ColormapId::Categorical);
        QVERIFY(!cats.rangeFromData);
        c.source = SpotColoring::Source::Gene;
        c.genes = {QStringLiteral("NOT_A_GENE")};
        doc.setColouring(c);
        const SpotDisplay missing = computeSpotDisplay(doc);
        QCOMPARE(missing.kind, SpotDisplay::Kind::Failed);
        QVERIFY2(missing.error.contains(QStringLiteral("NOT_A_GENE")), qPrintable(missing.error));
        QCOMPARE(*missing.colouringMessage, missing.error);
    }

    void aMapThatCanBeDrawnTakesPrecedence() {
        StudioDocument doc;
        open(doc);
        SpotColoring c;
        c.genes = {QStringLiteral("ERBB2")};
        doc.setColouring(c);
        doc.setMap({SimilarityMapMode::Alignment, 10, {}});
        // No run: the map cannot be drawn, the colouring is.
        QCOMPARE(computeSpotDisplay(doc).kind, SpotDisplay::Kind::Colouring);
        const auto run = toyRun(*ds_, 50);
        doc.setRun(run, QStringLiteral("/runs/r.h5"), {});
        const SpotDisplay map = computeSpotDisplay(doc);
        QCOMPARE(map.kind, SpotDisplay::Kind::Map);
        QVERIFY(!map.request);  // the other sections are coloured only for colourings
        QVERIFY(std::abs(map.values[0] - std::cos(0.1f)) < 1e-5);
        QVERIFY(std::isnan(map.values[60]));
        // A query map without a clicked spot draws nothing: its message stays, the colouring is drawn.
        doc.setMap({SimilarityMapMode::QueryImageToGene, 10, {}});
        const SpotDisplay query = computeSpotDisplay(doc);
        QCOMPARE(query.kind, SpotDisplay::Kind::Colouring);
        QCOMPARE(*query.mapMessage, QStringLiteral("Click a spot to query with it."));
        doc.setQueryObservation(3);
        const SpotDisplay clicked = computeSpotDisplay(doc);
        QCOMPARE(clicked.kind, SpotDisplay::Kind::Map);
        QVERIFY(clicked.marked && clicked.marked->front() == 3);
        // The rows' colouring for the embedding view: each row its observation's value, the other section NaN.
        const RowColouring rc = rowColouringOf(clicked, *run, doc.runRows());
        QCOMPARE(rc.values.size(), std::size_t{52});
        QCOMPARE(rc.values[49], clicked.values[0]);
        QVERIFY(std::isnan(rc.values[50]) && std::isnan(rc.values[51]));
    }

    void selectionSummaryMeansNumbersOnly() {
        const std::vector<float> values{1.0f, 2.0f, std::nanf(""), 4.0f};
        QCOMPARE(selectionSummary({}, values, QStringLiteral("x"), false), QStringLiteral("No spots selected."));
        QCOMPARE(selectionSummary({0, 1, 2}, values, QStringLiteral("x"), false), QStringLiteral("3 spot(s) selected; mean x = 1.5"));
        QCOMPARE(selectionSummary({0, 1}, values, QStringLiteral("x"), true), QStringLiteral("2 spot(s) selected"));
    }

    void theSessionIsTheDocumentsSerialisation() {
        for (const auto mode : {SimilarityMapMode::Off, SimilarityMapMode::Alignment, SimilarityMapMode::QueryImageToGene,
                                SimilarityMapMode::QueryGeneToImage, SimilarityMapMode::GeneDirection})
            QCOMPARE(mapModeFromName(mapModeName(mode)), std::optional{mode});
        for (const auto p : {EmbeddingPoints::Image, EmbeddingPoints::Gene, EmbeddingPoints::Joint, EmbeddingPoints::SideBySide})
            QCOMPARE(embeddingPointsFromName(embeddingPointsName(p)), std::optional{p});
        QVERIFY(!mapModeFromName(QStringLiteral("sideways")));
        StudioDocument doc;
        open(doc);
        doc.setRun(toyRun(*ds_, 50), QStringLiteral("/runs/r.h5"), {});
        SpotColoring c;
        c.genes = {QStringLiteral("GRB7")};
        c.normalisation = Normalisation::CountsPer10kLog1p;
        c.colormap = ColormapId::Magma;
        doc.setColouring(c);
        doc.setMap({SimilarityMapMode::GeneDirection, 10, QStringLiteral("ERBB2")});
        doc.setSlideLayer({true, 0.8});
        doc.selectObservations({2, 5}, SelectionOrigin::Slide);
        doc.recordView(QPointF(10, 20), 2.5);
        doc.recordEmbedding({{EmbeddingLayoutMethod::Pca, EmbeddingPoints::Joint, 3, 5}, QStringLiteral("alignment")});
        const Session s = sessionOf(doc);
        QCOMPARE(s.dataset, kC3);
        QCOMPARE(s.run, QStringLiteral("/runs/r.h5"));
        QCOMPARE(s.similarityMap, QStringLiteral("gene-direction"));
        QCOMPARE(s.similarityGene, QStringLiteral("ERBB2"));
        QCOMPARE(s.coloring.normalisation, QStringLiteral("counts per 10k + log1p"));
        QVERIFY(spotColoringOf(s.coloring) == c);
        QCOMPARE(s.slideLayer.opacity, 0.8);
        QCOMPARE(s.selection, (std::vector<qint64>{2, 5}));
        QCOMPARE(s.viewCenter, QPointF(10, 20));
        QCOMPARE(s.viewDownsample, 2.5);
        QCOMPARE(s.embedding.method, QStringLiteral("pca"));
        QCOMPARE(s.embedding.points, QStringLiteral("joint"));
        const EmbeddingViewState back = embeddingViewOf(s.embedding);
        QCOMPARE(back.layout.dims, 3);
        QCOMPARE(back.layout.seed, std::uint64_t{5});
        QCOMPARE(back.colourBy, QStringLiteral("alignment"));
    }
};

QTEST_GUILESS_MAIN(TestStudioDocument)
#include "test_studio_document.moc"
