// Shows the document's spots: places them on the slide (through the
// registration or the format's transform), draws what SpotDisplay computes
// for the document (a similarity map or the colouring) with the layer's
// visibility and opacity, passes the panels their messages, gives the
// embedding view the same colouring on the run's rows and fills in the run's
// other sections from their data sets (a background task, only while the
// Embeddings dock is shown), and describes hovered and selected spots.
#pragma once

#include "app/studio/SectionColouring.h"
#include "app/studio/model/SpotDisplay.h"

#include <QObject>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

namespace hescape {

class EmbeddingExplorer;
class SimilarityMapPanel;
class SlideView;
class SpotColoringPanel;
class StudioDocument;
class TaskService;

class SpotPresenter : public QObject {
    Q_OBJECT

public:
    SpotPresenter(StudioDocument* document, TaskService* tasks, SlideView* view, SpotColoringPanel* colouring,
                  SimilarityMapPanel* maps, EmbeddingExplorer* explorer, QObject* parent = nullptr);

    // Call when the embedding view is shown or hidden: other sections' data
    // sets are read only for a view someone looks at.
    void setEmbeddingsShown(bool shown);
    std::size_t otherSectionReads() const { return sectionDatasets_ ? sectionDatasets_->reads() : 0; }

    void placeSpots();
    void refresh();

Q_SIGNALS:
    void applied();
    void otherSectionsColoured(qint64 rows);
    void statusMessage(const QString& text, int timeoutMs);

private:
    void apply(SpotDisplay display);
    void colourOtherSections();
    void applyLayerState();
    void describeHovered(qint64 index);
    void describeSelection();

    StudioDocument* document_;
    TaskService* tasks_;
    SlideView* view_;
    SpotColoringPanel* colouringPanel_;
    SimilarityMapPanel* mapPanel_;
    EmbeddingExplorer* explorer_;
    std::optional<ColouringRequest> otherSectionsRequest_;  // the gene or obs colouring shown; none for maps
    bool otherSectionsPending_ = false;  // waiting for the Embeddings dock to be shown
    std::shared_ptr<SectionDatasets> sectionDatasets_;  // kept for one folder at a time
    QString sectionDatasetsFolder_;
};

}  // namespace hescape
