// The HEScape Studio main window: slide view in the centre, slide properties
// in a dock, menus for opening, exporting and navigating, a status bar with
// the cursor position, and settings remembered between sessions.
#pragma once

#include "app/studio/DatasetLoadTask.h"
#include "app/studio/EmbeddingExplorer.h"
#include "app/studio/SectionColouring.h"
#include "app/studio/SessionFile.h"
#include "app/studio/SlideLoadTask.h"
#include "core/spatial/RegistrationFile.h"
#include "widgets/slideview/SlideView.h"

#include <QMainWindow>
#include <QPointer>

#include <atomic>
#include <memory>

class QAction;
class QDockWidget;
class QLabel;
class QComboBox;
class QProgressDialog;

namespace hescape {

class ChannelsDock;
class RecentFiles;
class RunComparisonDialog;
struct TrainingSnapshot;
class SlidePropertiesPanel;
class SlideView;
class LayersPanel;
class SpotColoringPanel;
class TrainingPanel;
class SimilarityMapPanel;
class MetricsTable;
class EmbeddingExplorer;
class SecondSectionView;
struct RunEmbeddings;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens `path` in the background; the current slide stays until it succeeds.
    void openFile(const QString& path);  // relative paths are made absolute first
    // PNG of the slide view at `scale` times the window's resolution (1-4), written atomically;
    // a path ending in .svg gets an SVG figure instead (the view as an image at that
    // resolution, scale bar and legend as vector graphics).
    bool exportView(const QString& path, int scale = 1);
    // Loads a spatial data set in the background and lays it over the slide.
    void openDataset(const QString& path);
    const SpatialDataset* dataset() const { return dataset_.get(); }
    SpotColoringPanel* coloringPanel() const { return coloringPanel_; }
    QComboBox* sectionCombo() const { return sections_; }
    LayersPanel* layersPanel() const { return layers_; }
    TrainingPanel* trainingPanel() const { return training_; }
    void showTrainingDock();
    // Brings the dock whose object name starts with `name` ("embeddings", "maps", ...) to the front.
    bool raiseDock(const QString& name);
    SimilarityMapPanel* similarityPanel() const { return maps_; }
    MetricsTable* metricsTable() const { return metrics_; }
    EmbeddingExplorer* embeddingExplorer() const { return explorer_; }
    // Data sets of other sections read for the embedding's colouring so far (tests).
    std::size_t otherSectionReads() const { return sectionDatasets_ ? sectionDatasets_->reads() : 0; }
    SecondSectionView* secondSection() const { return second_; }
    // Centres the slide on a run row's spot and selects it; false (with a
    // status message) when the spot is not on the open slide.
    bool centreOnRow(qint64 row);
    // Opens a run's results (or embeddings) file in the background for the
    // similarity maps; emits runLoaded or shows the error and keeps the last run.
    void openRunFile(const QString& path);
    const RunEmbeddings* run() const { return run_.get(); }
    QString runPath() const { return runPath_; }
    QString datasetPath() const { return datasetPath_; }
    // Writes the data set (with the open run's embeddings and alignment) as
    // .h5ad in the background; emits annDataExported (error empty on success).
    void exportAnnData(const QString& path);
    // What the spots show now, one value per observation (NaN: none).
    const std::vector<float>& spotValues() const { return spotValues_; }
    int slideLayer() const { return slideLayer_; }
    int spotsLayer() const { return spotsLayer_; }

    // Landmark registration of the data set onto the slide: fits, applies,
    // saves beside the data set; returns an error message or empty.
    QString applyRegistration(const std::vector<LandmarkPair>& pairs);
    void resetRegistration();
    const std::optional<Registration>& registration() const { return registration_; }
    // The dataset -> slide map in use (the saved registration, else the format's).
    AffineTransform datasetToSlide() const;

    // Sessions: everything open and how it is shown, in one file.
    Session captureSession() const;
    // Writes the session atomically; false (and the message in lastError) on failure.
    bool saveSession(const QString& path);
    // Reads the session, then opens its slide, data set and run in the
    // background, one after the other, and applies its settings; emits
    // sessionRestored, or sessionFailed (a bad file changes nothing open).
    void openSession(const QString& path);
    QString sessionPath() const { return sessionPath_; }
    // File ▸ Compare Runs: two runs' metrics side by side (non-modal).
    RunComparisonDialog* showRunComparison();
    RecentFiles* recentSessions() const { return recentSessions_; }

    SlideView* slideView() const { return view_; }
    SlidePropertiesPanel* propertiesPanel() const { return panel_; }
    ChannelsDock* channelsDock() const { return channelsDock_; }
    QString currentPath() const { return currentPath_; }
    QString lastError() const { return lastError_; }
    bool isBusy() const { return busy_; }
    RecentFiles* recentFiles() const { return recent_; }

Q_SIGNALS:
    void slideLoaded(const QString& path);
    void loadFailed(const QString& path, const QString& message);
    void datasetLoaded(const QString& path);
    void coloringApplied();
    void runLoaded(const QString& path);
    void annDataExported(const QString& path, const QString& error);
    void sessionRestored(const QString& path);
    void liveRunUpdated(int step);  // a training snapshot replaced the maps' run
    void otherSectionsColoured(qint64 rows);  // the embedding's colouring now covers the run's other sections
    void sessionFailed(const QString& path, const QString& message);

protected:
    void closeEvent(QCloseEvent* e) override;
    void dragEnterEvent(QDragEnterEvent* e) override;
    void dropEvent(QDropEvent* e) override;

private:
    bool exportViewSvg(const QString& path, int scale);
    void buildMenus();
    void finishLoad(const SlideLoadResult& r);
    void convertAndOpen(const QString& imagePath);
    void reportError(const QString& path, const QString& message);
    void showOpenDialog();
    void showExportDialog();
    void askMicronsPerPixel();
    void updateZoomLabel();
    void showCursor(QPointF level0, bool inside);
    void restoreSettings();
    void finishDatasetLoad(const DatasetLoadResult& r);
    void applyColoring();
    // Colours the spots by the similarity map the panel asks for; false when
    // none applies (then the expression colouring is used).
    bool applySimilarityMap();
    void matchRunToDataset();
    void showSpotValues(std::vector<float> values, SpotStyle style, const SlideView::SpotLegend& legend, bool autoRange, double vmin, double vmax);
    // Starts filling the embedding's slide colouring for the run's other sections (only while the
    // Embeddings dock is shown; else when it is next shown).
    void colourOtherSections();
    void showHoveredSpot(qint64 index);
    void showSelectionStatistics();
    void showOpenDatasetDialog();
    void refreshSections();
    void placeSpots();
    void showRegistrationDialog();
    void showTrainingSnapshot(const TrainingSnapshot& shot);
    void connectExplorer();
    void showRowsOnSlide(const QList<qint64>& rows);
    void failSession(const QString& message);
    void showWarning(const QString& title, const QString& text);
    void finishSession();
    void showSaveSessionDialog();

    SlideView* view_;
    SlidePropertiesPanel* panel_;
    QDockWidget* dock_;
    ChannelsDock* channelsDock_;  // a fluorescence slide's channels
    QLabel* positionLabel_;
    QLabel* zoomLabel_;
    RecentFiles* recent_ = nullptr;
    QAction* minimapAction_ = nullptr;
    QAction* scaleBarAction_ = nullptr;
    std::shared_ptr<Slide> currentSlide_;  // shared with the view and its tile cache
    QString currentPath_;
    QString lastError_;
    bool busy_ = false;
    std::shared_ptr<std::atomic<bool>> cancelConversion_;

    SpotColoringPanel* coloringPanel_;
    LayersPanel* layers_;
    TrainingPanel* training_;
    QDockWidget* trainingDock_;
    int slideLayer_ = 0;
    int spotsLayer_ = 1;
    QDockWidget* spatialDock_;
    QComboBox* sections_;
    QWidget* sectionRow_;  // "Section" label and sections_
    std::shared_ptr<const SpatialDataset> dataset_;
    std::vector<double> librarySizes_;
    QString datasetPath_;
    std::optional<Registration> registration_;
    std::vector<float> spotValues_;  // what the spots show now (for hover)
    SimilarityMapPanel* maps_;
    MetricsTable* metrics_;
    QDockWidget* mapsDock_;
    EmbeddingExplorer* explorer_;
    QDockWidget* explorerDock_;
    SecondSectionView* second_;
    QDockWidget* secondDock_;
    bool linkingSelection_ = false;  // a selection coming from the embedding view
    std::shared_ptr<const RunEmbeddings> run_;
    QString runPath_;
    std::vector<std::int64_t> runRows_;  // per observation: its row in run_, or -1
    std::int64_t queryObs_ = -1;
    // The embedding view's "as on the slide" holds the open section's values;
    // the run's other sections are filled in from their data sets (SectionColouring).
    std::optional<ColouringRequest> otherSectionsRequest_;  // gene or obs colouring; none for similarity maps
    std::uint64_t colouringGeneration_ = 0;
    bool otherSectionsPending_ = false;  // waiting for the Embeddings dock to be shown
    std::shared_ptr<SectionDatasets> sectionDatasets_;  // kept for one folder at a time
    QString sectionDatasetsFolder_;
    QString pendingRun_;  // results of a training run, opened when it has finished
    QString valueLabel_;
    RecentFiles* recentSessions_ = nullptr;
    QString sessionPath_;                  // the session file last saved or opened
    std::optional<Session> pendingSession_;  // being restored
    QString pendingSessionPath_;
};

}  // namespace hescape
