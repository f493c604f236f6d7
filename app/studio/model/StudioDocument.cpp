// StudioDocument: setters compare before they signal, so views that write
// back what they were told cause no second round.
#include "app/studio/model/StudioDocument.h"

#include "core/slide/Slide.h"
#include "core/spatial/DatasetOpener.h"
#include "core/spatial/SpatialDataset.h"

#include <QFileInfo>

#include <algorithm>

namespace hescape {

StudioDocument::StudioDocument(QObject* parent) : QObject(parent) {}

StudioDocument::~StudioDocument() = default;

void StudioDocument::setSlide(const QString& path, std::shared_ptr<Slide> slide) {
    slidePath_ = path;
    slide_ = std::move(slide);
    closeDataset();
    Q_EMIT slideChanged();
}

void StudioDocument::notifySlideEdited() { Q_EMIT slideEdited(); }

QString StudioDocument::datasetSection() const { return QFileInfo(datasetPath_).completeBaseName(); }

void StudioDocument::setDataset(const QString& path, std::shared_ptr<const SpatialDataset> dataset, std::vector<double> librarySizes,
                                std::optional<Registration> registration) {
    datasetPath_ = path;
    dataset_ = std::move(dataset);
    librarySizes_ = std::move(librarySizes);
    registration_ = std::move(registration);
    queryObs_ = -1;
    selectedObs_.clear();
    matchRun();
    Q_EMIT datasetChanged();
}

void StudioDocument::closeDataset() {
    if (!dataset_ && datasetPath_.isEmpty()) return;
    dataset_.reset();
    datasetPath_.clear();
    librarySizes_.clear();
    registration_.reset();
    queryObs_ = -1;
    selectedObs_.clear();
    matchRun();
    Q_EMIT datasetChanged();
}

void StudioDocument::setRegistration(std::optional<Registration> registration) {
    registration_ = std::move(registration);
    Q_EMIT registrationChanged();
}

AffineTransform StudioDocument::datasetToSlide() const {
    if (!dataset_) return {};
    if (registration_) return registration_->transform;
    return transformForSlide(*dataset_, slidePath_.toStdString());
}

void StudioDocument::setRun(std::shared_ptr<const RunEmbeddings> run, const QString& path, std::vector<NamedMetric> metrics) {
    run_ = std::move(run);
    runPath_ = path;
    runMetrics_ = std::move(metrics);
    queryObs_ = -1;
    const bool hadHover = hoveredRow_ >= 0;
    hoveredRow_ = -1;
    matchRun();
    Q_EMIT runChanged();
    if (hadHover) Q_EMIT hoverChanged();
}

void StudioDocument::setHoveredRow(std::int64_t row) {
    const std::int64_t r = run_ && row >= 0 && row < run_->rows() ? row : -1;
    if (r == hoveredRow_) return;
    hoveredRow_ = r;
    Q_EMIT hoverChanged();
}

void StudioDocument::matchRun() {
    runRows_.clear();
    if (run_ && dataset_) runRows_ = matchObservations(*run_, datasetSection().toStdString(), dataset_->obsNames);
    const std::int64_t rows = run_ ? run_->rows() : 0;
    std::erase_if(selectedRows_, [&](std::int64_t r) { return r < 0 || r >= rows; });
}

void StudioDocument::setColouring(const SpotColoring& colouring) {
    if (colouring == colouring_) return;
    colouring_ = colouring;
    Q_EMIT colouringChanged();
}

void StudioDocument::setMap(const SimilarityMapSettings& map) {
    if (map == map_) return;
    map_ = map;
    Q_EMIT mapChanged();
}

void StudioDocument::showAlignmentUnlessMapped() {
    if (map_.mode != SimilarityMapMode::Off) return;
    SimilarityMapSettings m = map_;
    m.mode = SimilarityMapMode::Alignment;
    setMap(m);
}

void StudioDocument::setQueryObservation(std::int64_t obs) {
    const std::int64_t n = dataset_ ? dataset_->observationCount() : 0;
    const std::int64_t q = obs >= 0 && obs < n ? obs : -1;
    if (q == queryObs_) return;
    queryObs_ = q;
    Q_EMIT queryChanged();
}

void StudioDocument::selectObservations(std::vector<std::int64_t> observations, SelectionOrigin origin) {
    const std::int64_t n = dataset_ ? dataset_->observationCount() : 0;
    std::erase_if(observations, [&](std::int64_t i) { return i < 0 || i >= n; });
    std::sort(observations.begin(), observations.end());
    observations.erase(std::unique(observations.begin(), observations.end()), observations.end());
    std::vector<std::int64_t> rows;
    for (const std::int64_t obs : observations)
        if (static_cast<std::size_t>(obs) < runRows_.size() && runRows_[static_cast<std::size_t>(obs)] >= 0)
            rows.push_back(runRows_[static_cast<std::size_t>(obs)]);
    selectedObs_ = std::move(observations);
    selectedRows_ = std::move(rows);
    Q_EMIT selectionChanged(origin);
}

void StudioDocument::selectRows(std::vector<std::int64_t> rows, SelectionOrigin origin) {
    const std::int64_t total = run_ ? run_->rows() : 0;
    std::erase_if(rows, [&](std::int64_t r) { return r < 0 || r >= total; });
    std::vector<std::int64_t> observations = observationsOfRows(runRows_, rows, total);
    selectedObs_ = std::move(observations);
    selectedRows_ = std::move(rows);
    Q_EMIT selectionChanged(origin);
}

void StudioDocument::setSlideLayer(const LayerState& s) {
    if (s == slideLayer_) return;
    slideLayer_ = s;
    Q_EMIT layersChanged();
}

void StudioDocument::recordView(QPointF center, double downsample) {
    view_.center = center;
    view_.downsample = downsample;
}

void StudioDocument::setOverlays(bool minimap, bool scaleBar) {
    if (minimap == view_.minimap && scaleBar == view_.scaleBar) return;
    view_.minimap = minimap;
    view_.scaleBar = scaleBar;
    Q_EMIT overlaysChanged();
}

void StudioDocument::setSpotsLayer(const LayerState& s) {
    if (s == spotsLayer_) return;
    spotsLayer_ = s;
    Q_EMIT layersChanged();
}

}  // namespace hescape
