// SessionCodec: the document <-> session conversions (the names are SessionNames').
#include "app/studio/model/SessionCodec.h"

#include "app/studio/model/StudioDocument.h"
#include "core/slide/Slide.h"
#include "widgets/spatial/SpotColoring.h"

namespace hescape {

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
