// The studio's document (after 3D Slicer's MRML scene and napari's
// ViewerModel): everything the user has open and how it is shown -- the
// slide, the spatial data set and its registration onto the slide, the run
// and which of its rows each observation is, the spot colouring, the
// similarity map and its query, the selection, the layers and the view.
// No widgets: docks, dialogs and actions take the document, read it and
// change it through its setters; each change is signalled once, and (but
// for the selection) only when something changed. A session file is its serialisation
// (SessionCodec.h).
#pragma once

#include "app/studio/model/DocumentTypes.h"
#include "core/eval/RunMetrics.h"
#include "core/spatial/RegistrationFile.h"
#include "widgets/spatial/SpotColoring.h"

#include <QObject>
#include <QString>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace hescape {

class Slide;
class SpatialDataset;
struct RunEmbeddings;

class StudioDocument : public QObject {
    Q_OBJECT

public:
    explicit StudioDocument(QObject* parent = nullptr);
    ~StudioDocument() override;

    // The slide. A new slide closes the data set (its spots were placed on
    // the last one); the run stays (it spans sections).
    const std::shared_ptr<Slide>& slide() const { return slide_; }
    QString slidePath() const { return slidePath_; }
    void setSlide(const QString& path, std::shared_ptr<Slide> slide);
    // After the slide's own state changed (its pixel size, its channels).
    void notifySlideEdited();

    // The spatial data set, its library sizes and the registration that
    // belongs to it (the saved one, or a session's).
    const SpatialDataset* dataset() const { return dataset_.get(); }
    const std::shared_ptr<const SpatialDataset>& sharedDataset() const { return dataset_; }
    QString datasetPath() const { return datasetPath_; }
    QString datasetSection() const;  // the data set's base name: its section in a run
    const std::vector<double>& librarySizes() const { return librarySizes_; }
    void setDataset(const QString& path, std::shared_ptr<const SpatialDataset> dataset, std::vector<double> librarySizes,
                    std::optional<Registration> registration);
    void closeDataset();

    const std::optional<Registration>& registration() const { return registration_; }
    void setRegistration(std::optional<Registration> registration);
    // The dataset -> slide map in use: the registration, else the format's own.
    AffineTransform datasetToSlide() const;

    // The run (a results file, or a live training snapshot with an empty
    // path), its metrics, and each observation's row in it (-1: none).
    const std::shared_ptr<const RunEmbeddings>& run() const { return run_; }
    QString runPath() const { return runPath_; }
    const std::vector<NamedMetric>& runMetrics() const { return runMetrics_; }
    const std::vector<std::int64_t>& runRows() const { return runRows_; }
    void setRun(std::shared_ptr<const RunEmbeddings> run, const QString& path, std::vector<NamedMetric> metrics);

    const SpotColoring& colouring() const { return colouring_; }
    void setColouring(const SpotColoring& colouring);

    const SimilarityMapSettings& map() const { return map_; }
    void setMap(const SimilarityMapSettings& map);
    // A new run shows its alignment map, unless another map is chosen.
    void showAlignmentUnlessMapped();
    // The clicked observation of the query maps (-1: none).
    std::int64_t queryObservation() const { return queryObs_; }
    void setQueryObservation(std::int64_t obs);

    // The selection, as observations of the open data set and as run rows
    // (which may include rows of other sections). Selecting by one converts
    // to the other through runRows(). Always signalled, also when unchanged:
    // a view opened since the last selection needs it (the origin keeps
    // views from being told their own selection back).
    const std::vector<std::int64_t>& selectedObservations() const { return selectedObs_; }
    const std::vector<std::int64_t>& selectedRows() const { return selectedRows_; }
    void selectObservations(std::vector<std::int64_t> observations, SelectionOrigin origin);
    void selectRows(std::vector<std::int64_t> rows, SelectionOrigin origin);

    // The run row under the pointer in any view (-1: none), so that every
    // view marks the spot hovered in another. Not part of a session.
    std::int64_t hoveredRow() const { return hoveredRow_; }
    void setHoveredRow(std::int64_t row);

    const LayerState& slideLayer() const { return slideLayer_; }
    const LayerState& spotsLayer() const { return spotsLayer_; }
    void setSlideLayer(const LayerState& s);
    void setSpotsLayer(const LayerState& s);

    // Where the view is, recorded from the view as it moves (no signal: the
    // view is its source), and whether it shows the minimap and scale bar.
    const ViewState& view() const { return view_; }
    void recordView(QPointF center, double downsample);
    void setOverlays(bool minimap, bool scaleBar);

    const EmbeddingViewState& embedding() const { return embedding_; }
    void recordEmbedding(const EmbeddingViewState& e) { embedding_ = e; }

Q_SIGNALS:
    void slideChanged();
    void slideEdited();
    void datasetChanged();
    void registrationChanged();
    void runChanged();
    void colouringChanged();
    void mapChanged();
    void queryChanged();
    void selectionChanged(hescape::SelectionOrigin origin);
    void hoverChanged();
    void layersChanged();
    void overlaysChanged();

private:
    void matchRun();

    std::shared_ptr<Slide> slide_;
    QString slidePath_;
    std::shared_ptr<const SpatialDataset> dataset_;
    QString datasetPath_;
    std::vector<double> librarySizes_;
    std::optional<Registration> registration_;
    std::shared_ptr<const RunEmbeddings> run_;
    QString runPath_;
    std::vector<NamedMetric> runMetrics_;
    std::vector<std::int64_t> runRows_;
    SpotColoring colouring_;
    SimilarityMapSettings map_;
    std::int64_t queryObs_ = -1;
    std::int64_t hoveredRow_ = -1;
    std::vector<std::int64_t> selectedObs_, selectedRows_;
    LayerState slideLayer_{true, 1.0}, spotsLayer_{true, 0.85};
    ViewState view_;
    EmbeddingViewState embedding_;
};

}  // namespace hescape
