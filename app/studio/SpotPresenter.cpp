// SpotPresenter: document changes in, widget calls out. The other sections'
// colouring runs as the task "other-sections": a newer colouring replaces it,
// and a similarity map or a closed run cancels it, so a late result never
// lands on another colouring.
#include "app/studio/SpotPresenter.h"

#include "app/studio/EmbeddingExplorer.h"
#include "app/studio/model/StudioDocument.h"
#include "app/studio/tasks/TaskService.h"
#include "core/spatial/SpatialDataset.h"
#include "core/spatial/SpotPlacement.h"
#include "widgets/eval/SimilarityMapPanel.h"
#include "widgets/slideview/SlideView.h"
#include "widgets/spatial/SpotColoringPanel.h"

#include <QFileInfo>

#include <algorithm>
#include <cmath>

namespace hescape {

namespace {
const QString kOtherSections = QStringLiteral("other-sections");
}

SpotPresenter::SpotPresenter(StudioDocument* document, TaskService* tasks, SlideView* view, SpotColoringPanel* colouring,
                             SimilarityMapPanel* maps, EmbeddingExplorer* explorer, QObject* parent)
    : QObject(parent), document_(document), tasks_(tasks), view_(view), colouringPanel_(colouring), mapPanel_(maps), explorer_(explorer) {
    connect(document_, &StudioDocument::datasetChanged, this, [this] {
        placeSpots();
        refresh();
    });
    connect(document_, &StudioDocument::registrationChanged, this, &SpotPresenter::placeSpots);
    for (const auto signal : {&StudioDocument::runChanged, &StudioDocument::colouringChanged, &StudioDocument::mapChanged,
                              &StudioDocument::queryChanged})
        connect(document_, signal, this, &SpotPresenter::refresh);
    connect(document_, &StudioDocument::layersChanged, this, &SpotPresenter::applyLayerState);
    connect(document_, &StudioDocument::selectionChanged, this, &SpotPresenter::describeSelection);
    connect(view_, &SlideView::spotHovered, this, &SpotPresenter::describeHovered);
    connect(view_, &SlideView::spotClicked, this, [this](qint64 index) {
        const auto mode = document_->map().mode;
        if (mode == SimilarityMapMode::QueryImageToGene || mode == SimilarityMapMode::QueryGeneToImage) document_->setQueryObservation(index);
    });
}

void SpotPresenter::placeSpots() {
    const SpatialDataset* ds = document_->dataset();
    if (!ds) return;
    SpotPlacement placed = placeSpotsOnSlide(*ds, document_->datasetToSlide());
    // Moving the same spots keeps their values, style and legend (SpotOverlayRenderer::setPositions).
    view_->setSpots(std::move(placed.xy), static_cast<float>(placed.radius), placed.square, static_cast<float>(placed.angle));
}

void SpotPresenter::refresh() {
    if (!document_->dataset()) return;
    SpotDisplay d = computeSpotDisplay(*document_);
    if (d.mapMessage) mapPanel_->showMessage(*d.mapMessage);
    if (d.colouringMessage) colouringPanel_->showMessage(*d.colouringMessage);
    if (d.kind == SpotDisplay::Kind::Failed) Q_EMIT statusMessage(d.error, 6000);
    if (d.kind == SpotDisplay::Kind::Nothing || d.kind == SpotDisplay::Kind::Failed) return;
    apply(std::move(d));
}

void SpotPresenter::apply(SpotDisplay d) {
    SpotStyle style = view_->spots().style();
    style.colormap = d.colormap;
    if (!d.keepOutline) style.outline = d.outline;
    style.opacity = static_cast<float>(document_->spotsLayer().opacity);
    style.visible = document_->spotsLayer().visible;
    if (d.categories.isEmpty()) {
        style.vmin = static_cast<float>(d.lo);
        style.vmax = static_cast<float>(d.hi);
        if (d.rangeFromData && d.kind == SpotDisplay::Kind::Colouring) colouringPanel_->showRange(d.lo, d.hi);
    }
    SlideView::SpotLegend legend{d.legendTitle, d.categories};
    if (d.marked) view_->setSelectedSpots(*d.marked);
    tasks_->cancel(kOtherSections);  // its rows belong to the last colouring
    otherSectionsRequest_ = d.request;
    if (const auto& run = document_->run()) {
        // The same colouring on the run's rows, for the embedding view's "as on the slide".
        RowColouring rows = rowColouringOf(d, *run, document_->runRows());
        if (d.categories.isEmpty()) rows.lo = style.vmin, rows.hi = style.vmax;  // the range as drawn (float)
        explorer_->setSlideColouring(std::move(rows));
    }
    view_->setSpotValues(std::move(d.values), style, legend);
    describeSelection();
    Q_EMIT applied();
    colourOtherSections();
}

void SpotPresenter::setEmbeddingsShown(bool shown) {
    if (shown && otherSectionsPending_) colourOtherSections();
}

void SpotPresenter::colourOtherSections() {
    otherSectionsPending_ = false;
    const auto& run = document_->run();
    if (!otherSectionsRequest_ || !run || !document_->dataset()) return;
    // The explorer holds the open section's values of this colouring (apply).
    if (static_cast<std::int64_t>(explorer_->slideColouring().values.size()) != run->rows()) return;
    const QString open = document_->datasetSection();
    const auto sections = run->sections();
    if (std::none_of(sections.begin(), sections.end(), [&](const std::string& s) { return QString::fromStdString(s) != open; })) return;
    if (!explorer_->isVisible()) {
        otherSectionsPending_ = true;
        return;
    }
    const QString folder = QFileInfo(document_->datasetPath()).absolutePath();
    if (!sectionDatasets_ || sectionDatasetsFolder_ != folder) {
        // Another folder: the data sets kept for the last one are let go.
        sectionDatasets_ = std::make_shared<SectionDatasets>();
        sectionDatasetsFolder_ = folder;
    }
    const ColouringRequest request = *otherSectionsRequest_;
    const QStringList categories = explorer_->slideColouring().categories;
    tasks_->run<OtherSectionsColouring>(
        kOtherSections, tr("Colouring the run's other sections"),
        [run, folder, open, request, categories, datasets = sectionDatasets_](const Progress&) {
            return hescape::colourOtherSections(*run, folder, open, request, categories, *datasets);
        },
        [this](TaskOutcome<OtherSectionsColouring> outcome) {
            if (!outcome.ok()) {  // e.g. out of memory: a note, the open section's colours stay
                if (!outcome.cancelled) Q_EMIT statusMessage(tr("Embedding colours: %1").arg(outcome.error), 10000);
                return;
            }
            const OtherSectionsColouring& other = *outcome.value;
            RowColouring merged = explorer_->slideColouring();
            if (other.values.size() != merged.values.size()) return;
            for (std::size_t r = 0; r < merged.values.size(); ++r)
                if (std::isnan(merged.values[r])) merged.values[r] = other.values[r];
            merged.categories = other.categories;  // the open section's, then the others' new names
            explorer_->setSlideColouring(std::move(merged));
            if (!other.notes.isEmpty()) Q_EMIT statusMessage(tr("Embedding colours: %1").arg(other.notes.join(QStringLiteral("; "))), 10000);
            Q_EMIT otherSectionsColoured(other.rowsColoured);
        },
        TaskService::Display::Hidden);
}

void SpotPresenter::applyLayerState() {
    view_->setSlideVisible(document_->slideLayer().visible);
    view_->setSlideOpacity(static_cast<float>(document_->slideLayer().opacity));
    SpotStyle style = view_->spots().style();
    style.visible = document_->spotsLayer().visible;
    style.opacity = static_cast<float>(document_->spotsLayer().opacity);
    view_->setSpotStyle(style);
}

void SpotPresenter::describeHovered(qint64 index) {
    const SpatialDataset* ds = document_->dataset();
    if (!ds || index < 0 || index >= ds->observationCount()) return;
    const auto i = static_cast<std::size_t>(index);
    QString text = tr("spot %1").arg(QString::fromStdString(ds->obsNames[i]));
    // What the spots show now is what the view draws (no copy of a million values here).
    const auto& values = view_->spots().values();
    const QString& title = view_->spotLegend().title;
    if (!title.isEmpty() && i < values.size()) text += tr(" \u00B7 %1 = %2").arg(title).arg(values[i], 0, 'g', 4);
    for (const auto& col : ds->obs) {
        if (col.kind == ObsColumn::Kind::Numeric) continue;
        text += QStringLiteral(" \u00B7 %1: %2").arg(QString::fromStdString(col.name), QString::fromStdString(col.text(i)));
    }
    Q_EMIT statusMessage(text, 0);
}

void SpotPresenter::describeSelection() {
    colouringPanel_->showSelection(
        selectionSummary(document_->selectedObservations(), view_->spots().values(), view_->spotLegend().title,
                         !view_->spotLegend().categories.isEmpty()));
}

}  // namespace hescape
