// SpotDisplay: the logic of the window's former applyColoring,
// applySimilarityMap and showSpotValues, unchanged in what it computes.
#include "app/studio/model/SpotDisplay.h"

#include "app/studio/model/SimilarityMapResult.h"
#include "app/studio/model/StudioDocument.h"
#include "core/spatial/SpatialDataset.h"

#include <QCoreApplication>
#include <QFileInfo>

#include <cmath>
#include <limits>

namespace hescape {

namespace {

QString tr(const char* text) { return QCoreApplication::translate("SpotDisplay", text); }

// The range of numeric values: percentiles when automatic, else as given.
void setRange(SpotDisplay& d, bool autoRange, double vmin, double vmax) {
    if (!d.categories.isEmpty()) return;
    d.rangeFromData = autoRange;
    if (!autoRange) {
        d.lo = vmin;
        d.hi = vmax;
        return;
    }
    const auto range = percentiles(d.values, {1.0, 99.0});
    d.lo = range[0];
    d.hi = range[1];
    if (!(d.hi > d.lo)) d.hi = d.lo + 1.0;
}

// The similarity map, when one is chosen and the document has what it needs.
std::optional<SpotDisplay> mapDisplay(const StudioDocument& doc) {
    const SimilarityMapSettings& m = doc.map();
    if (m.mode == SimilarityMapMode::Off || !doc.run() || !doc.dataset()) return std::nullopt;
    SimilarityMapRequest request;
    request.mode = m.mode;
    request.queryObs = doc.queryObservation();
    request.topK = m.topK;
    request.gene = m.gene;
    request.datasetFileName = QFileInfo(doc.datasetPath()).fileName();
    request.section = doc.datasetSection();
    SimilarityMapResult map = computeSimilarityMap(request, *doc.run(), doc.runRows(), *doc.dataset(), doc.librarySizes());
    SpotDisplay d;
    d.mapMessage = map.message;
    if (!map.shown) return d;  // kind Nothing: the colouring is drawn instead, the message stays
    d.kind = SpotDisplay::Kind::Map;
    d.values = std::move(map.values);
    d.colormap = map.colormap;
    d.keepOutline = true;
    d.legendTitle = map.legendTitle;
    d.marked = std::move(map.marked);
    setRange(d, true, 0, 1);
    return d;
}

QString legendTitleOf(const SpotColoring& c) {
    if (c.source == SpotColoring::Source::Annotation) return c.annotation;
    if (c.genes.size() == 1) return QStringLiteral("%1 (%2)").arg(c.genes[0], QString::fromStdString(normalisationName(c.normalisation)));
    return tr("score: %1").arg(c.genes.join(QLatin1Char(' ')));
}

void colouringDisplay(const StudioDocument& doc, SpotDisplay& d) {
    const SpatialDataset& ds = *doc.dataset();
    const SpotColoring& c = doc.colouring();
    const std::optional<ColouringRequest> request = colouringRequestOf(c);
    if (!request || (!request->byGene && !ds.obsColumn(request->annotation))) return;
    ColouringValues coloured;
    try {
        coloured = colouringValues(ds, *request, doc.librarySizes());
    } catch (const std::exception& e) {
        d.kind = SpotDisplay::Kind::Failed;
        d.error = QString::fromStdString(e.what());
        d.colouringMessage = d.error;
        return;
    }
    d.kind = SpotDisplay::Kind::Colouring;
    d.values = std::move(coloured.values);
    d.outline = c.outline;
    d.legendTitle = legendTitleOf(c);
    d.colormap = c.colormap;
    if (coloured.categories.empty()) {
        if (d.colormap == ColormapId::Categorical) d.colormap = ColormapId::Viridis;
    } else {
        d.colormap = ColormapId::Categorical;
        for (const auto& k : coloured.categories) d.categories << QString::fromStdString(k);
    }
    d.colouringMessage = QString();
    d.request = request;
    setRange(d, c.autoRange, c.vmin, c.vmax);
}

}  // namespace

std::optional<ColouringRequest> colouringRequestOf(const SpotColoring& c) {
    ColouringRequest r;
    r.byGene = c.source == SpotColoring::Source::Gene;
    if (r.byGene) {
        if (c.genes.isEmpty()) return std::nullopt;
        for (const auto& g : c.genes) r.genes.push_back(g.toStdString());
        r.normalisation = c.normalisation;
    } else {
        if (c.annotation.isEmpty()) return std::nullopt;
        r.annotation = c.annotation.toStdString();
    }
    return r;
}

SpotDisplay computeSpotDisplay(const StudioDocument& doc) {
    if (!doc.dataset()) return {};
    std::optional<SpotDisplay> map = mapDisplay(doc);
    if (map && map->kind == SpotDisplay::Kind::Map) return std::move(*map);
    SpotDisplay d;
    if (map) d.mapMessage = map->mapMessage;
    colouringDisplay(doc, d);
    return d;
}

RowColouring rowColouringOf(const SpotDisplay& d, const RunEmbeddings& run, const std::vector<std::int64_t>& runRows) {
    RowColouring rc;
    rc.title = d.legendTitle;
    rc.categories = d.categories;
    rc.colormap = QString::fromStdString(colormapName(d.colormap == ColormapId::Categorical ? ColormapId::Viridis : d.colormap));
    rc.lo = d.categories.isEmpty() ? d.lo : 0;
    rc.hi = d.categories.isEmpty() ? d.hi : 1;
    rc.values.assign(static_cast<std::size_t>(run.rows()), std::numeric_limits<float>::quiet_NaN());
    for (std::size_t obs = 0; obs < runRows.size() && obs < d.values.size(); ++obs)
        if (runRows[obs] >= 0) rc.values[static_cast<std::size_t>(runRows[obs])] = d.values[obs];
    return rc;
}

QString selectionSummary(const std::vector<std::int64_t>& selected, const std::vector<float>& values, const QString& title,
                         bool categorical) {
    if (selected.empty()) return tr("No spots selected.");
    double sum = 0;
    std::size_t n = 0;
    for (const auto i : selected) {
        if (static_cast<std::size_t>(i) < values.size() && !std::isnan(values[static_cast<std::size_t>(i)])) {
            sum += values[static_cast<std::size_t>(i)];
            ++n;
        }
    }
    QString text = QCoreApplication::translate("SpotDisplay", "%n spot(s) selected", nullptr, static_cast<int>(selected.size()));
    if (n > 0 && !categorical) text += tr("; mean %1 = %2").arg(title).arg(sum / static_cast<double>(n), 0, 'g', 4);
    return text;
}

}  // namespace hescape
