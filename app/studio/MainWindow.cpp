// MainWindow: builds the docks, wires the document and the services to them,
// and keeps the window's own settings. Nothing here blocks on disk.
#include "app/studio/MainWindow.h"

#include "app/studio/ChannelsDock.h"
#include "app/studio/DatasetLoadTask.h"
#include "app/studio/DocumentLoader.h"
#include "app/studio/EmbeddingExplorer.h"
#include "app/studio/LinkedViews.h"
#include "app/studio/RecentFiles.h"
#include "app/studio/RunPresenter.h"
#include "app/studio/SecondSectionView.h"
#include "app/studio/SessionController.h"
#include "app/studio/SpotPresenter.h"
#include "app/studio/StudioMenus.h"
#include "app/studio/TrainingPanel.h"
#include "app/studio/actions/CompareRunsAction.h"
#include "app/studio/actions/ExportAnnDataAction.h"
#include "app/studio/actions/ExportViewAction.h"
#include "app/studio/actions/OpenActions.h"
#include "app/studio/actions/SlideActions.h"
#include "app/studio/model/StudioDocument.h"
#include "app/studio/tasks/TaskProgressDisplay.h"
#include "app/studio/tasks/TaskService.h"
#include "core/spatial/SpatialDataset.h"
#include "widgets/eval/MetricsTable.h"
#include "widgets/eval/SimilarityMapPanel.h"
#include "widgets/slideview/SlideView.h"
#include "widgets/slideview/ViewStatusLabels.h"
#include "widgets/spatial/LayersPanel.h"
#include "widgets/spatial/SpotColoringPanel.h"

#include <QAction>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QStatusBar>
#include <QVBoxLayout>

// The icon resources live in a static library: register them explicitly.
static void initStudioResources() { Q_INIT_RESOURCE(studio); }

namespace hescape {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      tasks_(new TaskService(this)),
      document_(new StudioDocument(this)),
      loader_(new DocumentLoader(document_, tasks_, this)) {
    initStudioResources();
    setWindowTitle(QStringLiteral("HEScape Studio"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/hescape-studio.svg")));
    setAcceptDrops(true);
    view_ = new SlideView(this);
    setCentralWidget(view_);
    panel_ = new SlidePropertiesPanel(this);
    propertiesDock_ = addDock(tr("Slide properties"), QStringLiteral("propertiesDock"), panel_, nullptr);
    spatialDock_ = addDock(tr("Spatial data"), QStringLiteral("spatialDock"), buildSpatialBox(), propertiesDock_);
    buildTrainingDock();
    mapsDock_ = addDock(tr("Similarity maps"), QStringLiteral("mapsDock"), buildMapsBox(), trainingDock_);
    explorer_ = new EmbeddingExplorer(tasks_, this);
    explorerDock_ = addDock(tr("Embeddings"), QStringLiteral("embeddingsDock"), explorer_, mapsDock_);
    second_ = new SecondSectionView(tasks_, this);
    addDock(tr("Second section"), QStringLiteral("secondSectionDock"), second_, explorerDock_);
    channelsDock_ = new ChannelsDock(this);
    addDockWidget(Qt::RightDockWidgetArea, channelsDock_);
    tabifyDockWidget(propertiesDock_, channelsDock_);
    connect(channelsDock_, &ChannelsDock::displayChanged, view_, &SlideView::refreshTiles);
    spatialDock_->raise();
    statusLabels_ = new ViewStatusLabels(view_, this);
    statusBar()->addPermanentWidget(new TaskProgressDisplay(tasks_, this, this));
    statusBar()->addPermanentWidget(statusLabels_->position());
    statusBar()->addPermanentWidget(statusLabels_->zoom());
    wireDocument();  // before the presenter: the panels take the document's state before it draws (SpotPresenter)
    sessions_ = new SessionController(document_, loader_, {view_, channelsDock_, explorer_}, this);
    spots_ = new SpotPresenter(document_, tasks_, view_, coloringPanel_, maps_, explorer_, this);
    links_ = new LinkedViews(document_, view_, explorer_, second_, this);
    auto* runs = new RunPresenter(document_, loader_, training_->runner(), maps_, metrics_, mapsDock_, this);
    connect(runs, &RunPresenter::liveRunUpdated, this, &MainWindow::liveRunUpdated);
    actions_ = std::make_unique<StudioActions>(buildStudioMenus(
        *this, {document_, loader_, sessions_, tasks_, view_}, {propertiesDock_->toggleViewAction(), channelsDock_->toggleViewAction()}));
    propertiesDock_->toggleViewAction()->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    wireServices();
    restoreSettings();
    statusBar()->showMessage(tr("Open a slide with File \u25B8 Open (Ctrl+O) or drop it on the window"));
}

MainWindow::~MainWindow() = default;

QDockWidget* MainWindow::addDock(const QString& title, const QString& name, QWidget* content, QDockWidget* tabWith) {
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(name);
    dock->setWidget(content);
    addDockWidget(Qt::RightDockWidgetArea, dock);
    if (tabWith) tabifyDockWidget(tabWith, dock);
    return dock;
}

QWidget* MainWindow::buildSpatialBox() {
    auto* box = new QWidget(this);
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    // The layers, bottom first: the slide, then the spots.
    layers_ = new LayersPanel(box);
    slideLayer_ = layers_->addLayer(tr("Slide"), true, 1.0);
    spotsLayer_ = layers_->addLayer(tr("Spots"), true, 0.85);
    layers_->setLayerEnabled(spotsLayer_, false);
    layout->addWidget(layers_);
    // The section switcher, shown when the folder holds several slides with data.
    sectionRow_ = new QWidget(box);
    auto* row = new QHBoxLayout(sectionRow_);
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(new QLabel(tr("Section"), sectionRow_));
    sections_ = new QComboBox(sectionRow_);
    sections_->setToolTip(tr("Open another slide of this folder with its data (the six demo sections)"));
    row->addWidget(sections_, 1);
    sectionRow_->setVisible(false);
    layout->addWidget(sectionRow_);
    coloringPanel_ = new SpotColoringPanel(box);
    layout->addWidget(coloringPanel_);
    return box;
}

QWidget* MainWindow::buildMapsBox() {
    auto* box = new QWidget(this);
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    maps_ = new SimilarityMapPanel(box);
    layout->addWidget(maps_);
    metrics_ = new MetricsTable(box);
    layout->addWidget(metrics_, 1);
    return box;
}

void MainWindow::buildTrainingDock() {
    training_ = new TrainingPanel(this);
    trainingDock_ = addDock(tr("Training"), QStringLiteral("trainingDock"), training_, spatialDock_);
}

// The panels edit the document, and follow it when a session or a load changes it.
void MainWindow::wireDocument() {
    connect(coloringPanel_, &SpotColoringPanel::coloringChanged, this, [this] { document_->setColouring(coloringPanel_->coloring()); });
    connect(document_, &StudioDocument::colouringChanged, this, [this] {
        if (coloringPanel_->coloring() == document_->colouring()) return;
        const QSignalBlocker block(coloringPanel_);
        coloringPanel_->setColoring(document_->colouring());
    });
    connect(maps_, &SimilarityMapPanel::mapChanged, this, [this] { document_->setMap({maps_->mode(), maps_->topK(), maps_->gene()}); });
    connect(document_, &StudioDocument::mapChanged, this, [this] {
        const QSignalBlocker block(maps_);
        maps_->setMode(document_->map().mode);
        maps_->setGene(document_->map().gene);
    });
    connect(layers_, &LayersPanel::layerChanged, this, [this](int id) {
        const LayerState state{layers_->isLayerVisible(id), layers_->layerOpacity(id)};
        if (id == slideLayer_) document_->setSlideLayer(state);
        else if (id == spotsLayer_) document_->setSpotsLayer(state);
    });
    connect(document_, &StudioDocument::layersChanged, this, [this] {
        const QSignalBlocker block(layers_);
        layers_->setLayerState(slideLayer_, document_->slideLayer().visible, document_->slideLayer().opacity);
        layers_->setLayerState(spotsLayer_, document_->spotsLayer().visible, document_->spotsLayer().opacity);
    });
    connect(document_, &StudioDocument::slideChanged, this, [this] { view_->setSlide(document_->slide()); });
    connect(document_, &StudioDocument::slideEdited, this, [this] {
        panel_->refreshSummary();
        view_->update();
    });
    connect(document_, &StudioDocument::datasetChanged, this, [this] {
        if (document_->dataset()) return;  // showDataset fills the panels
        coloringPanel_->clearDataset();
        layers_->setLayerEnabled(spotsLayer_, false);
    });
    connect(view_, &SlideView::viewChanged, this, [this] { document_->recordView(view_->center(), view_->downsample()); });
    connect(explorer_, &EmbeddingExplorer::settingsChanged, this,
            [this] { document_->recordEmbedding({explorer_->settings(), explorer_->colourBy()}); });
    document_->recordEmbedding({explorer_->settings(), explorer_->colourBy()});
}

void MainWindow::wireServices() {
    connect(loader_, &DocumentLoader::slideOpened, this, &MainWindow::showSlide);
    connect(loader_, &DocumentLoader::datasetOpened, this, &MainWindow::showDataset);
    connect(loader_, &DocumentLoader::runOpened, this, &MainWindow::runLoaded);
    connect(loader_, &DocumentLoader::openFailed, this, &MainWindow::reportError);
    connect(loader_, &DocumentLoader::runFailed, this, [this](const QString&, const QString& message) {
        maps_->showMessage(message);
        showStatus(message, 8000);
    });
    connect(loader_, &DocumentLoader::statusMessage, this, &MainWindow::showStatus);
    connect(sessions_, &SessionController::statusMessage, this, &MainWindow::showStatus);
    connect(spots_, &SpotPresenter::statusMessage, this, &MainWindow::showStatus);
    connect(links_, &LinkedViews::statusMessage, this, &MainWindow::showStatus);
    connect(spots_, &SpotPresenter::applied, this, &MainWindow::coloringApplied);
    connect(spots_, &SpotPresenter::otherSectionsColoured, this, &MainWindow::otherSectionsColoured);
    connect(explorerDock_, &QDockWidget::visibilityChanged, spots_, &SpotPresenter::setEmbeddingsShown);
    connect(sessions_, &SessionController::saved, this, [this](const QString& path) { recentSessions()->add(path); });
    connect(sessions_, &SessionController::restored, this, [this](const QString& path) {
        recentSessions()->add(path);
        setWindowTitle(QStringLiteral("%1 \u2014 HEScape Studio").arg(QFileInfo(path).fileName()));
        Q_EMIT sessionRestored(path);
    });
    connect(sessions_, &SessionController::failed, this, [this](const QString& path, const QString& message, bool showBox) {
        lastError_ = message;
        showStatus(message, 10000);
        if (showBox) showWarning(tr("Could not open the session"), message);
        Q_EMIT sessionFailed(path, message);
    });
    connect(sessions_, &SessionController::saveFailed, this, [this](const QString& message, bool showBox) {
        lastError_ = message;
        showStatus(message, 6000);
        if (showBox) showWarning(tr("Could not save the session"), message);
    });
    connect(actions_->exportView, &ExportViewAction::failed, this, &MainWindow::reportError);
    connect(actions_->exportView, &ExportViewAction::exported, this, [this](const QString& m) { showStatus(m, 6000); });
    connect(actions_->exportData, &ExportAnnDataAction::exported, this, [this](const QString& path, const QString& error) {
        showStatus(error.isEmpty() ? tr("Exported %1").arg(path) : error, 8000);
        if (!error.isEmpty()) lastError_ = error;
        Q_EMIT annDataExported(path, error);
    });
    connect(actions_->registerLandmarks, &RegisterLandmarksAction::registered, this, [this](const QString& m) { showStatus(m, 8000); });
    connect(actions_->recentSlides, &RecentFiles::openRequested, this, &MainWindow::openFile);
    connect(actions_->recentSessions, &RecentFiles::openRequested, this, &MainWindow::openSession);
    connect(maps_, &SimilarityMapPanel::openRunRequested, actions_->openRun->action(), &QAction::trigger);
    connect(panel_, &SlidePropertiesPanel::setMicronsPerPixelRequested, actions_->setMicronsPerPixel->action(), &QAction::trigger);
    connect(sections_, &QComboBox::activated, this, [this](int i) {
        const QString path = sections_->itemData(i).toString();
        if (!path.isEmpty() && path != document_->slidePath()) openFile(path);
    });
    connect(view_, &SlideView::tileReadFailed, this, [this](const QString& msg) {
        lastError_ = msg;
        showStatus(tr("Could not read part of the slide: %1").arg(msg), 0);
    });
}

void MainWindow::openFile(const QString& path) { loader_->openSlide(path); }
void MainWindow::openRunFile(const QString& path) { loader_->openRun(path); }
void MainWindow::openSession(const QString& path) { sessions_->open(path); }
RecentFiles* MainWindow::recentFiles() const { return actions_->recentSlides; }
RecentFiles* MainWindow::recentSessions() const { return actions_->recentSessions; }
bool MainWindow::isBusy() const { return loader_->isBusy() || sessions_->isRestoring(); }

void MainWindow::restoreSettings() {
    QSettings s;
    if (!restoreGeometry(s.value("window/geometry").toByteArray())) resize(1280, 800);
    restoreState(s.value("window/state").toByteArray());
    document_->setOverlays(s.value("view/minimap", true).toBool(), s.value("view/scaleBar", true).toBool());
}

void MainWindow::closeEvent(QCloseEvent* e) {
    QSettings s;
    s.setValue("window/geometry", saveGeometry());
    s.setValue("window/state", saveState());
    s.setValue("view/minimap", document_->view().minimap);
    s.setValue("view/scaleBar", document_->view().scaleBar);
    QMainWindow::closeEvent(e);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
    const auto urls = e->mimeData()->urls();
    if (e->mimeData()->hasUrls() && !urls.isEmpty() && urls.first().isLocalFile()) e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
    const auto urls = e->mimeData()->urls();
    if (urls.isEmpty() || !urls.first().isLocalFile()) return;
    const QString path = urls.first().toLocalFile();
    if (path.endsWith(QStringLiteral(".hescape"), Qt::CaseInsensitive)) openSession(path);
    else openFile(path);
    e->acceptProposedAction();
}

void MainWindow::showSlide(const QString& path, const SlidePropertiesPanel::AssociatedImages& associated) {
    const auto& slide = document_->slide();
    lastError_.clear();
    panel_->setSlide(slide.get(), associated);
    channelsDock_->setChannelDisplay(slide->channelDisplay());
    recentFiles()->add(path);
    setWindowTitle(QStringLiteral("%1 \u2014 HEScape Studio").arg(QFileInfo(path).fileName()));
    showStatus(tr("Opened %1 (%2 \u00D7 %3 px, %4 levels)")
                   .arg(QFileInfo(path).fileName())
                   .arg(slide->width())
                   .arg(slide->height())
                   .arg(slide->levelCount()),
               8000);
    statusLabels_->updateZoom();
    refreshSections();
    training_->setSectionsFromFolder(QFileInfo(path).absolutePath());
    second_->setFolder(QFileInfo(path).absolutePath());
    Q_EMIT slideLoaded(path);
}

void MainWindow::showDataset(const QString& path, qint64 startGene) {
    const SpatialDataset& ds = *document_->dataset();
    QStringList genes, annotations;
    for (const auto& g : ds.geneNames) genes << QString::fromStdString(g);
    for (const auto& c : ds.obs) annotations << QString::fromStdString(c.name);
    const bool cells = ds.format == "xenium", bins = ds.spotShape == SpotShape::Square;
    layers_->setLayerName(spotsLayer_, cells ? tr("Cells") : bins ? tr("Bins") : tr("Spots"));
    layers_->setLayerEnabled(spotsLayer_, true);
    coloringPanel_->setDataset(tr("%1: %2 %3 \u00D7 %4 genes (%5)")
                                   .arg(QFileInfo(path).fileName())
                                   .arg(ds.observationCount())
                                   .arg(cells ? tr("cells") : bins ? tr("bins") : tr("spots"))
                                   .arg(ds.geneCount())
                                   .arg(QString::fromStdString(ds.format)),
                               genes, annotations);
    const auto& xy = view_->spots().positions();
    const Slide* slide = view_->slide();
    bool anyOnSlide = false;
    for (std::size_t i = 0; slide && i + 1 < xy.size() && !anyOnSlide; i += 2)
        anyOnSlide = xy[i] >= 0 && xy[i + 1] >= 0 && xy[i] < slide->width() && xy[i + 1] < slide->height();
    if (slide && !anyOnSlide && ds.observationCount() > 0)
        coloringPanel_->showMessage(tr("None of the %1 spots fall on this slide: check that the data set belongs to it.").arg(ds.observationCount()));
    spatialDock_->raise();
    showStatus(tr("Read %1 (%2 observations, %3 genes)").arg(path).arg(ds.observationCount()).arg(ds.geneCount()), 6000);
    if (startGene >= 0) coloringPanel_->setGenes({QString::fromStdString(ds.geneNames[static_cast<std::size_t>(startGene)])});
    Q_EMIT datasetLoaded(path);
}

void MainWindow::refreshSections() {
    const QString current = document_->slidePath();
    sections_->clear();
    for (const auto& s : slidesWithDataIn(QFileInfo(current).absolutePath())) sections_->addItem(s.name, s.slide);
    sections_->setCurrentIndex(sections_->findData(current));
    sectionRow_->setVisible(sections_->count() > 1);
}

void MainWindow::reportError(const QString& path, const QString& message) {
    lastError_ = message;
    showStatus(tr("Could not open %1").arg(QFileInfo(path).fileName()), 8000);
    // Window-modal and opened asynchronously: the event loop (and the slide
    // already shown) carry on while the message is up.
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Could not open slide"),
                                tr("HEScape Studio could not open this file. The slide already open is unchanged."), QMessageBox::Ok, this);
    box->setInformativeText(message);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
    Q_EMIT loadFailed(path, message);
}

void MainWindow::showWarning(const QString& title, const QString& text) {
    auto* box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::showStatus(const QString& text, int timeoutMs) { statusBar()->showMessage(text, timeoutMs); }

bool MainWindow::raiseDock(const QString& name) {
    for (QDockWidget* d : findChildren<QDockWidget*>()) {
        if (!d->objectName().startsWith(name)) continue;
        d->show();
        d->raise();
        return true;
    }
    return false;
}

void MainWindow::showTrainingDock() {
    trainingDock_->show();
    trainingDock_->raise();
}

}  // namespace hescape
