// The HEScape Studio main window: the slide view in the centre, the docks
// around it, the menus (StudioMenus), the status bar (cursor position, zoom,
// the task progress display), drag and drop, and the window's remembered
// settings. What is open lives in the StudioDocument; loading in the
// DocumentLoader; what the spots show in the SpotPresenter; linked selection
// in LinkedViews; sessions in the SessionController; background work in the
// TaskService. The window wires them to its docks.
#pragma once

#include "widgets/slideview/SlidePropertiesPanel.h"

#include <QMainWindow>

#include <memory>

class QComboBox;
class QDockWidget;
class QLabel;

namespace hescape {

class ChannelsDock;
class DocumentLoader;
class EmbeddingExplorer;
class LayersPanel;
class LinkedViews;
class MetricsTable;
class RecentFiles;
class SecondSectionView;
class SessionController;
class SimilarityMapPanel;
class SlideView;
class SpotColoringPanel;
class SpotPresenter;
class StudioDocument;
class TaskService;
class TrainingPanel;
class ViewStatusLabels;
struct StudioActions;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens a slide (a file or folder; relative paths are made absolute) in
    // the background; the current slide stays until it succeeds.
    void openFile(const QString& path);
    void openRunFile(const QString& path);
    void openSession(const QString& path);

    StudioDocument* document() const { return document_; }
    DocumentLoader* loader() const { return loader_; }
    SessionController* sessions() const { return sessions_; }
    SpotPresenter* spotPresenter() const { return spots_; }
    LinkedViews* linkedViews() const { return links_; }
    TaskService* tasks() const { return tasks_; }
    const StudioActions& actions() const { return *actions_; }

    SlideView* slideView() const { return view_; }
    SlidePropertiesPanel* propertiesPanel() const { return panel_; }
    ChannelsDock* channelsDock() const { return channelsDock_; }
    SpotColoringPanel* coloringPanel() const { return coloringPanel_; }
    LayersPanel* layersPanel() const { return layers_; }
    int slideLayer() const { return slideLayer_; }
    int spotsLayer() const { return spotsLayer_; }
    QComboBox* sectionCombo() const { return sections_; }
    TrainingPanel* trainingPanel() const { return training_; }
    SimilarityMapPanel* similarityPanel() const { return maps_; }
    MetricsTable* metricsTable() const { return metrics_; }
    EmbeddingExplorer* embeddingExplorer() const { return explorer_; }
    SecondSectionView* secondSection() const { return second_; }
    RecentFiles* recentFiles() const;
    RecentFiles* recentSessions() const;

    // Brings the dock whose object name starts with `name` ("embeddings", "maps", ...) to the front.
    bool raiseDock(const QString& name);
    void showTrainingDock();
    // The last error said to the user (a file that did not open, an export that failed).
    QString lastError() const { return lastError_; }
    // A slide or data set is being opened, or a session restored.
    bool isBusy() const;

Q_SIGNALS:
    void slideLoaded(const QString& path);
    void loadFailed(const QString& path, const QString& message);
    void datasetLoaded(const QString& path);
    void coloringApplied();
    void runLoaded(const QString& path);
    void annDataExported(const QString& path, const QString& error);
    void sessionRestored(const QString& path);
    void sessionFailed(const QString& path, const QString& message);
    void liveRunUpdated(int step);            // a training snapshot replaced the maps' run
    void otherSectionsColoured(qint64 rows);  // the embedding's colouring now covers the run's other sections

protected:
    void closeEvent(QCloseEvent* e) override;
    void dragEnterEvent(QDragEnterEvent* e) override;
    void dropEvent(QDropEvent* e) override;

private:
    QDockWidget* addDock(const QString& title, const QString& name, QWidget* content, QDockWidget* tabWith);
    QWidget* buildSpatialBox();
    QWidget* buildMapsBox();
    void buildTrainingDock();
    void wireDocument();
    void wireServices();
    void restoreSettings();
    void showSlide(const QString& path, const SlidePropertiesPanel::AssociatedImages& associated);
    void showDataset(const QString& path, qint64 startGene);
    void refreshSections();
    void reportError(const QString& path, const QString& message);
    void showWarning(const QString& title, const QString& text);
    void showStatus(const QString& text, int timeoutMs);

    TaskService* tasks_;  // first: destroyed last but for the document, after everything that waits on it
    StudioDocument* document_;
    DocumentLoader* loader_;
    SessionController* sessions_ = nullptr;
    SpotPresenter* spots_ = nullptr;
    LinkedViews* links_ = nullptr;
    std::unique_ptr<StudioActions> actions_;

    SlideView* view_;
    SlidePropertiesPanel* panel_;
    QDockWidget* propertiesDock_;
    ChannelsDock* channelsDock_;
    LayersPanel* layers_ = nullptr;
    int slideLayer_ = 0;
    int spotsLayer_ = 1;
    QDockWidget* spatialDock_;
    QComboBox* sections_ = nullptr;
    QWidget* sectionRow_ = nullptr;  // "Section" label and sections_
    SpotColoringPanel* coloringPanel_ = nullptr;
    TrainingPanel* training_ = nullptr;
    QDockWidget* trainingDock_ = nullptr;
    SimilarityMapPanel* maps_ = nullptr;
    MetricsTable* metrics_ = nullptr;
    QDockWidget* mapsDock_;
    EmbeddingExplorer* explorer_;
    QDockWidget* explorerDock_;
    SecondSectionView* second_;
    ViewStatusLabels* statusLabels_;
    QString lastError_;
};

}  // namespace hescape
