// SessionCodec: one table per enum; names are the session file's (format 1).
#include "app/studio/model/SessionCodec.h"

#include "app/studio/model/StudioDocument.h"
#include "core/slide/Slide.h"
#include "widgets/spatial/SpotColoring.h"

#include <array>
#include <utility>

namespace hescape {

namespace {

const std::array<std::pair<SimilarityMapMode, const char*>, 5> kMapModes{{{SimilarityMapMode::Off, "off"},
                                                                          {SimilarityMapMode::Alignment, "alignment"},
                                                                          {SimilarityMapMode::QueryImageToGene, "image-to-gene"},
                                                                          {SimilarityMapMode::QueryGeneToImage, "gene-to-image"},
                                                                          {SimilarityMapMode::GeneDirection, "gene-direction"}}};
const std::array<std::pair<EmbeddingLayoutMethod, const char*>, 2> kMethods{
    {{EmbeddingLayoutMethod::Pca, "pca"}, {EmbeddingLayoutMethod::Umap, "umap"}}};
const std::array<std::pair<EmbeddingPoints, const char*>, 4> kPoints{{{EmbeddingPoints::Image, "image"},
                                                                      {EmbeddingPoints::Gene, "gene"},
                                                                      {EmbeddingPoints::Joint, "joint"},
                                                                      {EmbeddingPoints::SideBySide, "side-by-side"}}};

template <class Table, class E>
QString nameIn(const Table& table, E value) {
    for (const auto& [v, name] : table)
        if (v == value) return QLatin1String(name);
    return {};
}

template <class E, class Table>
std::optional<E> valueIn(const Table& table, const QString& name) {
    for (const auto& [v, n] : table)
        if (name == QLatin1String(n)) return v;
    return std::nullopt;
}

template <class Table>
QStringList namesIn(const Table& table) {
    QStringList names;
    for (const auto& entry : table) names << QLatin1String(entry.second);
    return names;
}

}  // namespace

QString mapModeName(SimilarityMapMode mode) { return nameIn(kMapModes, mode); }
std::optional<SimilarityMapMode> mapModeFromName(const QString& name) { return valueIn<SimilarityMapMode>(kMapModes, name); }
QStringList mapModeNames() { return namesIn(kMapModes); }

QString layoutMethodName(EmbeddingLayoutMethod method) { return nameIn(kMethods, method); }
std::optional<EmbeddingLayoutMethod> layoutMethodFromName(const QString& name) { return valueIn<EmbeddingLayoutMethod>(kMethods, name); }
QStringList layoutMethodNames() { return namesIn(kMethods); }

QString embeddingPointsName(EmbeddingPoints points) { return nameIn(kPoints, points); }
std::optional<EmbeddingPoints> embeddingPointsFromName(const QString& name) { return valueIn<EmbeddingPoints>(kPoints, name); }
QStringList embeddingPointsNames() { return namesIn(kPoints); }

SessionColoring sessionColoringOf(const SpotColoring& c) {
    SessionColoring s;
    s.source = c.source == SpotColoring::Source::Annotation ? QStringLiteral("annotation") : QStringLiteral("gene");
    s.genes = c.genes;
    s.annotation = c.annotation;
    s.normalisation = QString::fromStdString(normalisationName(c.normalisation));
    s.colormap = QString::fromStdString(colormapName(c.colormap));
    s.autoRange = c.autoRange;
    s.vmin = c.vmin;
    s.vmax = c.vmax;
    s.outline = c.outline;
    return s;
}

SpotColoring spotColoringOf(const SessionColoring& s) {
    SpotColoring c;
    c.source = s.source == QLatin1String("annotation") ? SpotColoring::Source::Annotation : SpotColoring::Source::Gene;
    c.genes = s.genes;
    c.annotation = s.annotation;
    for (const auto n : {Normalisation::Raw, Normalisation::Log1p, Normalisation::CountsPer10kLog1p})
        if (s.normalisation.toStdString() == normalisationName(n)) c.normalisation = n;
    c.colormap = colormapFromName(s.colormap.toStdString()).value_or(ColormapId::Viridis);
    c.autoRange = s.autoRange;
    c.vmin = s.vmin;
    c.vmax = s.vmax;
    c.outline = s.outline;
    return c;
}

SessionEmbedding sessionEmbeddingOf(const EmbeddingViewState& e) {
    return {layoutMethodName(e.layout.method), embeddingPointsName(e.layout.points), e.layout.dims, e.colourBy, e.layout.seed};
}

EmbeddingViewState embeddingViewOf(const SessionEmbedding& s) {
    EmbeddingViewState e;
    e.layout.method = layoutMethodFromName(s.method).value_or(EmbeddingLayoutMethod::Umap);
    e.layout.points = embeddingPointsFromName(s.points).value_or(EmbeddingPoints::Image);
    e.layout.dims = s.dims;
    e.layout.seed = s.seed;
    e.colourBy = s.colorBy;
    return e;
}

Session sessionOf(const StudioDocument& doc) {
    Session s;
    s.slide = doc.slidePath();
    if (doc.dataset()) s.dataset = doc.datasetPath();
    if (doc.run()) s.run = doc.runPath();
    s.registration = doc.registration();
    s.coloring = sessionColoringOf(doc.colouring());
    s.slideLayer = {doc.slideLayer().visible, doc.slideLayer().opacity};
    s.spotsLayer = {doc.spotsLayer().visible, doc.spotsLayer().opacity};
    s.similarityMap = mapModeName(doc.map().mode);
    s.similarityGene = doc.map().gene;
    s.queryObservation = doc.queryObservation();
    s.selection.assign(doc.selectedObservations().begin(), doc.selectedObservations().end());
    s.viewCenter = doc.view().center;
    s.viewDownsample = doc.view().downsample;
    s.minimap = doc.view().minimap;
    s.scaleBar = doc.view().scaleBar;
    if (const auto channels = doc.slide() ? doc.slide()->channelDisplay() : nullptr) s.channels = channels->settings();
    s.embedding = sessionEmbeddingOf(doc.embedding());
    return s;
}

}  // namespace hescape
