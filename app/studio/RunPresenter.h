// The run in the Similarity maps dock: its summary (file, pairs, dimensions,
// sections) and metrics table when a results file opens; while the Training
// dock trains, each snapshot of the model becomes the document's run (the
// live view; the alignment map is turned on), and the finished run's results
// file opens once the engine is done.
#pragma once

#include <QObject>
#include <QString>

class QDockWidget;

namespace hescape {

class DocumentLoader;
class MetricsTable;
class SimilarityMapPanel;
class StudioDocument;
class TrainingRunner;
struct TrainingSnapshot;

class RunPresenter : public QObject {
    Q_OBJECT

public:
    RunPresenter(StudioDocument* document, DocumentLoader* loader, TrainingRunner* training, SimilarityMapPanel* maps,
                 MetricsTable* metrics, QDockWidget* mapsDock, QObject* parent = nullptr);

Q_SIGNALS:
    void liveRunUpdated(int step);

private:
    void showRun();
    void showSnapshot(const TrainingSnapshot& shot);

    StudioDocument* document_;
    DocumentLoader* loader_;
    SimilarityMapPanel* maps_;
    MetricsTable* metrics_;
    QDockWidget* mapsDock_;
    QString pendingRun_;  // results of a training run, opened when it has finished
};

}  // namespace hescape
