// MainWindow: wires menus, the slide view, the properties dock and the
// background open/convert tasks together. Nothing here blocks on disk.
#include "app/studio/MainWindow.h"

#include "app/studio/ChannelsDock.h"
#include "app/studio/EmbeddingExplorer.h"
#include "app/studio/RecentFiles.h"
#include "app/studio/actions/ExportAnnDataAction.h"
#include "app/studio/actions/HelpActions.h"
#include "app/studio/actions/OpenFolderAction.h"
#include "app/studio/actions/OpenSessionAction.h"
#include "app/studio/model/SimilarityMapResult.h"
#include "app/studio/SecondSectionView.h"
#include "app/studio/RegistrationDialog.h"
#include "app/studio/RunComparisonDialog.h"
#include "app/studio/TrainingPanel.h"
#include "app/studio/TrainingRunner.h"
#include "core/eval/AnnDataExport.h"
#include "core/eval/RunMetrics.h"
#include "core/eval/SimilarityMaps.h"
#include "core/slide/PyramidTiffConverter.h"
#include "widgets/slideview/SlidePropertiesPanel.h"
#include "widgets/slideview/SlideView.h"
#include "widgets/spatial/LayersPanel.h"
#include "widgets/spatial/SpotColoringPanel.h"
#include "widgets/eval/MetricsTable.h"
#include "widgets/eval/SimilarityMapPanel.h"

#include "core/spatial/DatasetOpener.h"
#include "core/spatial/ExpressionValues.h"
#include "core/spatial/SpotPlacement.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressDialog>
#include <QSaveFile>
#include <QSettings>
#include <QStatusBar>
#include <QtConcurrent/QtConcurrentRun>

#include <QComboBox>
#include <QDir>
#include <QVBoxLayout>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>

// The icon resources live in a static library: register them explicitly.
static void initStudioResources() { Q_INIT_RESOURCE(studio); }

namespace hescape {

namespace {

// The request behind a gene or obs colouring; none while there is nothing to colour by.
std::optional<ColouringRequest> colouringRequest(const SpotColoring& c) {
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
QString slideFileFilter() {
    return QObject::tr(
        "Slides and images (*.svs *.tif *.tiff *.ndpi *.vms *.vmu *.scn *.mrxs *.svslide *.bif *.png *.jpg *.jpeg);;"
        "OME-Zarr image (zarr.json .zattrs .zgroup);;"
        "All files (*)");
}
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    initStudioResources();
    setWindowTitle(QStringLiteral("HEScape Studio"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/hescape-studio.svg")));
    setAcceptDrops(true);

    view_ = new SlideView(this);
    setCentralWidget(view_);

    panel_ = new SlidePropertiesPanel(this);
    dock_ = new QDockWidget(tr("Slide properties"), this);
    dock_->setObjectName(QStringLiteral("propertiesDock"));
    dock_->setWidget(panel_);
    addDockWidget(Qt::RightDockWidgetArea, dock_);

    auto* spatialBox = new QWidget(this);
    auto* spatialLayout = new QVBoxLayout(spatialBox);
    spatialLayout->setContentsMargins(0, 0, 0, 0);
    // The layers, bottom first: the slide, then the spots.
    layers_ = new LayersPanel(spatialBox);
    slideLayer_ = layers_->addLayer(tr("Slide"), true, 1.0);
    spotsLayer_ = layers_->addLayer(tr("Spots"), true, 0.85);
    layers_->setLayerEnabled(spotsLayer_, false);
    connect(layers_, &LayersPanel::layerChanged, this, [this](int id) {
        if (id == slideLayer_) {
            view_->setSlideVisible(layers_->isLayerVisible(id));
            view_->setSlideOpacity(static_cast<float>(layers_->layerOpacity(id)));
        } else if (id == spotsLayer_) {
            SpotStyle style = view_->spots().style();
            style.visible = layers_->isLayerVisible(id);
            style.opacity = static_cast<float>(layers_->layerOpacity(id));
            view_->setSpotStyle(style);
        }
    });
    spatialLayout->addWidget(layers_);
    // The section switcher, shown when the folder holds several slides with data.
    sectionRow_ = new QWidget(spatialBox);
    auto* sectionLayout = new QHBoxLayout(sectionRow_);
    sectionLayout->setContentsMargins(0, 0, 0, 0);
    sectionLayout->addWidget(new QLabel(tr("Section"), sectionRow_));
    sections_ = new QComboBox(sectionRow_);
    sections_->setToolTip(tr("Open another slide of this folder with its data (the six demo sections)"));
    sectionLayout->addWidget(sections_, 1);
    sectionRow_->setVisible(false);
    spatialLayout->addWidget(sectionRow_);
    coloringPanel_ = new SpotColoringPanel(spatialBox);
    spatialLayout->addWidget(coloringPanel_);
    spatialDock_ = new QDockWidget(tr("Spatial data"), this);
    spatialDock_->setObjectName(QStringLiteral("spatialDock"));
    spatialDock_->setWidget(spatialBox);
    addDockWidget(Qt::RightDockWidgetArea, spatialDock_);
    tabifyDockWidget(dock_, spatialDock_);
    connect(coloringPanel_, &SpotColoringPanel::coloringChanged, this, &MainWindow::applyColoring);

    training_ = new TrainingPanel(this);
    trainingDock_ = new QDockWidget(tr("Training"), this);
    trainingDock_->setObjectName(QStringLiteral("trainingDock"));
    trainingDock_->setWidget(training_);
    addDockWidget(Qt::RightDockWidgetArea, trainingDock_);
    tabifyDockWidget(spatialDock_, trainingDock_);
    // A finished training run opens in the Similarity maps dock, once the
    // engine is done (its evaluation would otherwise compete with the end of
    // the training for the cores).
    connect(training_->runner(), &TrainingRunner::resultsWritten, this, [this](const QString& path) { pendingRun_ = path; });
    // While it trains, the maps show the model as it is now (the dashboard's live view).
    connect(training_->runner(), &TrainingRunner::snapshotReady, this, &MainWindow::showTrainingSnapshot);
    connect(training_->runner(), &TrainingRunner::finished, this, [this] {
        if (pendingRun_.isEmpty()) return;
        openRunFile(pendingRun_);
        pendingRun_.clear();
    });

    auto* mapsBox = new QWidget(this);
    auto* mapsLayout = new QVBoxLayout(mapsBox);
    mapsLayout->setContentsMargins(0, 0, 0, 0);
    maps_ = new SimilarityMapPanel(mapsBox);
    mapsLayout->addWidget(maps_);
    metrics_ = new MetricsTable(mapsBox);
    mapsLayout->addWidget(metrics_, 1);
    mapsDock_ = new QDockWidget(tr("Similarity maps"), this);
    mapsDock_->setObjectName(QStringLiteral("mapsDock"));
    mapsDock_->setWidget(mapsBox);
    addDockWidget(Qt::RightDockWidgetArea, mapsDock_);
    tabifyDockWidget(trainingDock_, mapsDock_);
    explorer_ = new EmbeddingExplorer(this);
    explorerDock_ = new QDockWidget(tr("Embeddings"), this);
    explorerDock_->setObjectName(QStringLiteral("embeddingsDock"));
    explorerDock_->setWidget(explorer_);
    addDockWidget(Qt::RightDockWidgetArea, explorerDock_);
    tabifyDockWidget(mapsDock_, explorerDock_);
    connect(explorerDock_, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        if (visible && otherSectionsPending_) colourOtherSections();
    });
    second_ = new SecondSectionView(this);
    secondDock_ = new QDockWidget(tr("Second section"), this);
    secondDock_->setObjectName(QStringLiteral("secondSectionDock"));
    secondDock_->setWidget(second_);
    addDockWidget(Qt::RightDockWidgetArea, secondDock_);
    tabifyDockWidget(explorerDock_, secondDock_);
    channelsDock_ = new ChannelsDock(this);
    addDockWidget(Qt::RightDockWidgetArea, channelsDock_);
    tabifyDockWidget(dock_, channelsDock_);
    connect(channelsDock_, &ChannelsDock::displayChanged, view_, &SlideView::refreshTiles);
    connectExplorer();
    spatialDock_->raise();
    connect(maps_, &SimilarityMapPanel::mapChanged, this, &MainWindow::applyColoring);
    connect(maps_, &SimilarityMapPanel::openRunRequested, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open run results"), QString(),
                                                          tr("Run results (*.h5 *.hdf5);;All files (*)"));
        if (!path.isEmpty()) openRunFile(path);
    });
    connect(view_, &SlideView::spotClicked, this, [this](qint64 index) {
        const auto mode = maps_->mode();
        if (mode != SimilarityMapMode::QueryImageToGene && mode != SimilarityMapMode::QueryGeneToImage) return;
        queryObs_ = index;
        applyColoring();
    });
    connect(sections_, &QComboBox::activated, this, [this](int i) {
        const QString path = sections_->itemData(i).toString();
        if (!path.isEmpty() && path != currentPath_) openFile(path);
    });

    positionLabel_ = new QLabel(this);
    positionLabel_->setMinimumWidth(360);
    zoomLabel_ = new QLabel(this);
    statusBar()->addPermanentWidget(positionLabel_);
    statusBar()->addPermanentWidget(zoomLabel_);

    connect(view_, &SlideView::cursorMoved, this, &MainWindow::showCursor);
    connect(view_, &SlideView::cursorLeft, positionLabel_, &QLabel::clear);
    connect(view_, &SlideView::viewChanged, this, &MainWindow::updateZoomLabel);
    connect(view_, &SlideView::tileReadFailed, this, [this](const QString& msg) {
        lastError_ = msg;
        statusBar()->showMessage(tr("Could not read part of the slide: %1").arg(msg));
    });
    connect(panel_, &SlidePropertiesPanel::setMicronsPerPixelRequested, this, &MainWindow::askMicronsPerPixel);
    connect(view_, &SlideView::spotHovered, this, &MainWindow::showHoveredSpot);
    connect(view_, &SlideView::selectionChanged, this, &MainWindow::showSelectionStatistics);
    connect(view_, &SlideView::selectionChanged, this, [this] {
        if (linkingSelection_ || !run_) return;
        std::vector<std::int64_t> rows;
        for (const auto obs : view_->selectedSpots())
            if (static_cast<std::size_t>(obs) < runRows_.size() && runRows_[static_cast<std::size_t>(obs)] >= 0)
                rows.push_back(runRows_[static_cast<std::size_t>(obs)]);
        explorer_->setSelectedRows(rows);
        second_->setSelectedRows(rows);
    });

    buildMenus();
    restoreSettings();
    statusBar()->showMessage(tr("Open a slide with File \u25B8 Open (Ctrl+O) or drop it on the window"));
}

MainWindow::~MainWindow() {
    if (cancelConversion_) cancelConversion_->store(true);
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open Slide\u2026"), QKeySequence::Open, this, &MainWindow::showOpenDialog);
    file->addAction(tr("Open &Spatial Data\u2026"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), this,
                    &MainWindow::showOpenDatasetDialog);
    file->addAction((new OpenFolderAction(this, [this](const QString& dir) { openFile(dir); }))->action());
    file->addAction(tr("Open Run &Results…"), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_O), this, [this] {
        mapsDock_->raise();
        Q_EMIT maps_->openRunRequested();
    });
    file->addAction(tr("Com&pare Runs\u2026"), this, &MainWindow::showRunComparison);
    QMenu* recentMenu = file->addMenu(tr("Open &Recent"));
    recent_ = new RecentFiles(recentMenu, this);
    connect(recent_, &RecentFiles::openRequested, this, &MainWindow::openFile);
    file->addSeparator();
    file->addAction((new OpenSessionAction(this, [this](const QString& path) { openSession(path); }))->action());
    file->addAction(tr("&Save Session"), QKeySequence::Save, this, [this] {
        if (sessionPath_.isEmpty()) showSaveSessionDialog();
        else saveSession(sessionPath_);
    });
    file->addAction(tr("Save Session &As\u2026"), QKeySequence::SaveAs, this, &MainWindow::showSaveSessionDialog);
    QMenu* recentSessionMenu = file->addMenu(tr("Recent Sessio&ns"));
    recentSessions_ = new RecentFiles(recentSessionMenu, this, QStringLiteral("recentSessions"));
    connect(recentSessions_, &RecentFiles::openRequested, this, &MainWindow::openSession);
    file->addSeparator();
    file->addAction(tr("&Export View as PNG or SVG\u2026"), QKeySequence(Qt::CTRL | Qt::Key_E), this,
                    &MainWindow::showExportDialog);
    auto* exportData = new ExportAnnDataAction(
        this, [this] { return dataset_ ? datasetPath_ : QString(); }, [this](const QString& path) { exportAnnData(path); });
    connect(this, &MainWindow::datasetLoaded, exportData, &ExportAnnDataAction::update);
    connect(this, &MainWindow::slideLoaded, exportData, &ExportAnnDataAction::update);  // a new slide closes the data set
    file->addAction(exportData->action());
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* viewMenu = menuBar()->addMenu(tr("&View"));
    viewMenu->addAction(tr("&Fit to Window"), QKeySequence(Qt::CTRL | Qt::Key_0), view_, &SlideView::fitToWindow);
    viewMenu->addAction(tr("&Actual Pixels (1:1)"), QKeySequence(Qt::CTRL | Qt::Key_1), view_,
                        &SlideView::zoomToActualPixels);
    viewMenu->addAction(tr("Zoom &In"), QKeySequence::ZoomIn, this, [this] { view_->zoomBy(1.5); });
    viewMenu->addAction(tr("Zoom &Out"), QKeySequence::ZoomOut, this, [this] { view_->zoomBy(1 / 1.5); });
    viewMenu->addSeparator();
    minimapAction_ = viewMenu->addAction(tr("Show &Minimap"));
    minimapAction_->setCheckable(true);
    minimapAction_->setChecked(true);
    minimapAction_->setShortcut(QKeySequence(Qt::Key_M));
    connect(minimapAction_, &QAction::toggled, view_, &SlideView::setMinimapVisible);
    scaleBarAction_ = viewMenu->addAction(tr("Show &Scale Bar"));
    scaleBarAction_->setCheckable(true);
    scaleBarAction_->setChecked(true);
    scaleBarAction_->setShortcut(QKeySequence(Qt::Key_B));
    connect(scaleBarAction_, &QAction::toggled, view_, &SlideView::setScaleBarVisible);
    QAction* dockAction = dock_->toggleViewAction();
    dockAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    viewMenu->addAction(dockAction);
    viewMenu->addAction(channelsDock_->toggleViewAction());

    QMenu* slideMenu = menuBar()->addMenu(tr("&Slide"));
    slideMenu->addAction(tr("Set &Microns per Pixel\u2026"), this, &MainWindow::askMicronsPerPixel);
    slideMenu->addAction(tr("&Register Data Set by Landmarks\u2026"), QKeySequence(Qt::CTRL | Qt::Key_R), this,
                         &MainWindow::showRegistrationDialog);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction((new ShortcutsAction(this))->action());
    help->addAction((new AboutAction(this))->action());
}

void MainWindow::restoreSettings() {
    QSettings s;
    if (!restoreGeometry(s.value("window/geometry").toByteArray())) resize(1280, 800);
    restoreState(s.value("window/state").toByteArray());
    minimapAction_->setChecked(s.value("view/minimap", true).toBool());
    scaleBarAction_->setChecked(s.value("view/scaleBar", true).toBool());
}

void MainWindow::closeEvent(QCloseEvent* e) {
    QSettings s;
    s.setValue("window/geometry", saveGeometry());
    s.setValue("window/state", saveState());
    s.setValue("view/minimap", minimapAction_->isChecked());
    s.setValue("view/scaleBar", scaleBarAction_->isChecked());
    QMainWindow::closeEvent(e);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
    if (e->mimeData()->hasUrls() && !e->mimeData()->urls().isEmpty() && e->mimeData()->urls().first().isLocalFile()) {
        e->acceptProposedAction();
    }
}

void MainWindow::dropEvent(QDropEvent* e) {
    const auto urls = e->mimeData()->urls();
    if (!urls.isEmpty() && urls.first().isLocalFile()) {
        openFile(urls.first().toLocalFile());
        e->acceptProposedAction();
    }
}

void MainWindow::showOpenDialog() {
    QSettings s;
    const QString path = QFileDialog::getOpenFileName(this, tr("Open slide"), s.value("lastOpenDir").toString(), slideFileFilter());
    if (path.isEmpty()) return;
    s.setValue("lastOpenDir", QFileInfo(path).absolutePath());
    openFile(path);
}

void MainWindow::openFile(const QString& given) {
    // Absolute from here on: the section switcher, recent files and sessions
    // compare and store paths, and a relative one (scripts/demo.sh passes one)
    // matched none of the folder's absolute paths.
    const QString asked = given.isEmpty() ? given : QFileInfo(given).absoluteFilePath();
    // A Xenium output folder opens as one thing: its image, then its cells (companionDataset).
    QString error;
    const QString path = slidePathToOpen(asked, &error);
    if (path.isEmpty() && !error.isEmpty()) return reportError(asked, error);
    busy_ = true;
    statusBar()->showMessage(tr("Opening %1\u2026").arg(path));
    auto* watcher = new QFutureWatcher<SlideLoadResult>(this);
    connect(watcher, &QFutureWatcher<SlideLoadResult>::finished, this, [this, watcher] {
        watcher->deleteLater();
        finishLoad(watcher->result());
    });
    watcher->setFuture(loadSlideAsync(path));
}

void MainWindow::finishLoad(const SlideLoadResult& r) {
    if (r.needsConversion) {
        const QString cached = convertedPyramidPath(r.path);
        if (QFileInfo::exists(cached)) return openFile(cached);
        return convertAndOpen(r.path);
    }
    busy_ = false;
    if (!r.slide) {
        reportError(r.path, r.error);
        if (pendingSession_) failSession(r.error);
        return;
    }
    currentPath_ = r.path;
    currentSlide_ = r.slide;
    lastError_.clear();
    view_->setSlide(r.slide);
    panel_->setSlide(r.slide.get(), r.associatedImages);
    channelsDock_->setChannelDisplay(r.slide->channelDisplay());
    recent_->add(r.path);
    setWindowTitle(QStringLiteral("%1 \u2014 HEScape Studio").arg(QFileInfo(r.path).fileName()));
    statusBar()->showMessage(tr("Opened %1 (%2 \u00D7 %3 px, %4 levels)")
                                 .arg(QFileInfo(r.path).fileName())
                                 .arg(r.slide->width())
                                 .arg(r.slide->height())
                                 .arg(r.slide->levelCount()),
                             8000);
    updateZoomLabel();
    dataset_.reset();
    coloringPanel_->clearDataset();
    layers_->setLayerEnabled(spotsLayer_, false);
    refreshSections();
    training_->setSectionsFromFolder(QFileInfo(r.path).absolutePath());
    second_->setFolder(QFileInfo(r.path).absolutePath());
    Q_EMIT slideLoaded(r.path);
    if (pendingSession_) {
        if (!pendingSession_->dataset.isEmpty()) openDataset(pendingSession_->dataset);
        else finishSession();
        return;
    }
    // A data set of the same name beside the slide belongs to it (the demo's layout).
    if (const QString companion = companionDataset(r.path); !companion.isEmpty()) openDataset(companion);
    else busy_ = false;
}

void MainWindow::refreshSections() {
    sections_->clear();
    for (const auto& s : slidesWithDataIn(QFileInfo(currentPath_).absolutePath())) sections_->addItem(s.name, s.slide);
    sections_->setCurrentIndex(sections_->findData(currentPath_));
    sectionRow_->setVisible(sections_->count() > 1);
}

AffineTransform MainWindow::datasetToSlide() const {
    if (!dataset_) return {};
    if (registration_) return registration_->transform;
    return transformForSlide(*dataset_, currentPath_.toStdString());
}

void MainWindow::placeSpots() {
    if (!dataset_) return;
    SpotPlacement placed = placeSpotsOnSlide(*dataset_, datasetToSlide());
    // Moving the same spots keeps their values, style and legend (SpotOverlayRenderer::setPositions).
    view_->setSpots(std::move(placed.xy), static_cast<float>(placed.radius));
}

QString MainWindow::applyRegistration(const std::vector<LandmarkPair>& pairs) {
    if (!dataset_) return tr("Open a data set first.");
    try {
        const AffineFit fit = fitAffine(pairs);
        Registration r{fit.transform, pairs, QFileInfo(currentPath_).fileName().toStdString()};
        saveRegistration(registrationPathFor(datasetPath_.toStdString()), r);
        registration_ = std::move(r);
        placeSpots();
        statusBar()->showMessage(tr("Registered with %1 landmarks (RMS error %2 px), saved beside the data set")
                                     .arg(pairs.size())
                                     .arg(fit.rmsError, 0, 'f', 2),
                                 8000);
        return {};
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
}

void MainWindow::resetRegistration() {
    if (!dataset_) return;
    QFile::remove(QString::fromStdString(registrationPathFor(datasetPath_.toStdString())));
    registration_.reset();
    placeSpots();
}

void MainWindow::showRegistrationDialog() {
    if (!dataset_) {
        statusBar()->showMessage(tr("Open a spatial data set first (File \u25B8 Open Spatial Data)"), 6000);
        return;
    }
    auto* dialog = new RegistrationDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
}

void MainWindow::showOpenDatasetDialog() {
    QSettings s;
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open spatial data"), s.value("lastDatasetDir").toString(),
        tr("Spatial data (*.h5ad *.h5 *_counts.tsv *_counts.tsv.gz);;All files (*)"));
    if (path.isEmpty()) return;
    s.setValue("lastDatasetDir", QFileInfo(path).absolutePath());
    openDataset(path);
}

void MainWindow::openDataset(const QString& path) {
    busy_ = true;
    statusBar()->showMessage(tr("Reading %1\u2026").arg(QFileInfo(path).fileName()));
    auto* watcher = new QFutureWatcher<DatasetLoadResult>(this);
    connect(watcher, &QFutureWatcher<DatasetLoadResult>::finished, this, [this, watcher] {
        watcher->deleteLater();
        finishDatasetLoad(watcher->result());
    });
    watcher->setFuture(loadDatasetAsync(path));
}

void MainWindow::finishDatasetLoad(const DatasetLoadResult& r) {
    busy_ = false;
    if (!r.dataset) {
        reportError(r.path, r.error);
        if (pendingSession_) failSession(r.error);
        return;
    }
    const SpatialDataset& ds = *r.dataset;
    dataset_ = r.dataset;
    if (ds.expression.layout() == MatrixLayout::Csr && !ds.expression.hasColumnIndex()) {
        // The column index makes gene switches instant; the spots are shown without waiting for it.
        (void)QtConcurrent::run([keep = dataset_] { keep->expression.buildColumnIndex(); });
    }
    datasetPath_ = r.path;
    matchRunToDataset();
    librarySizes_ = r.librarySizes;
    registration_.reset();
    try {
        auto saved = loadRegistration(registrationPathFor(r.path.toStdString()));
        // A registration belongs to the slide it was made on.
        if (saved && saved->slide == QFileInfo(currentPath_).fileName().toStdString()) registration_ = std::move(saved);
    } catch (const std::exception& e) {
        statusBar()->showMessage(tr("Ignoring the saved registration: %1").arg(QString::fromStdString(e.what())), 8000);
    }
    // A session's registration wins over the one saved beside the data set.
    if (pendingSession_ && pendingSession_->registration) registration_ = pendingSession_->registration;
    placeSpots();
    std::int64_t onSlide = 0;
    const auto& xy = view_->spots().positions();
    for (std::size_t i = 0; i + 1 < xy.size(); i += 2) {
        if (view_->slide() && xy[i] >= 0 && xy[i + 1] >= 0 && xy[i] < view_->slide()->width() && xy[i + 1] < view_->slide()->height()) ++onSlide;
    }

    QStringList genes, annotations;
    for (const auto& g : ds.geneNames) genes << QString::fromStdString(g);
    for (const auto& c : ds.obs) annotations << QString::fromStdString(c.name);
    layers_->setLayerName(spotsLayer_, ds.format == "xenium" ? tr("Cells") : tr("Spots"));
    layers_->setLayerEnabled(spotsLayer_, true);
    coloringPanel_->setDataset(tr("%1: %2 %3 \u00D7 %4 genes (%5)")
                                   .arg(QFileInfo(r.path).fileName())
                                   .arg(ds.observationCount())
                                   .arg(ds.format == "xenium" ? tr("cells") : tr("spots"))
                                   .arg(ds.geneCount())
                                   .arg(QString::fromStdString(ds.format)),
                               genes, annotations);
    if (view_->slide() && onSlide == 0 && ds.observationCount() > 0) {
        coloringPanel_->showMessage(tr("None of the %1 spots fall on this slide: check that the data set belongs to it.")
                                        .arg(ds.observationCount()));
    }
    const std::int64_t start = r.startGene;  // chosen on the loading thread
    spatialDock_->raise();
    statusBar()->showMessage(tr("Read %1 (%2 observations, %3 genes)").arg(r.path).arg(ds.observationCount()).arg(ds.geneCount()), 6000);
    Q_EMIT datasetLoaded(r.path);
    if (pendingSession_) {
        const SessionColoring& sc = pendingSession_->coloring;
        SpotColoring c;
        c.source = sc.source == QLatin1String("annotation") ? SpotColoring::Source::Annotation : SpotColoring::Source::Gene;
        c.genes = sc.genes;
        c.annotation = sc.annotation;
        for (const auto n : {Normalisation::Raw, Normalisation::Log1p, Normalisation::CountsPer10kLog1p})
            if (sc.normalisation.toStdString() == normalisationName(n)) c.normalisation = n;
        c.colormap = colormapFromName(sc.colormap.toStdString()).value_or(ColormapId::Viridis);
        c.autoRange = sc.autoRange;
        c.vmin = sc.vmin;
        c.vmax = sc.vmax;
        c.outline = sc.outline;
        if (c.source == SpotColoring::Source::Gene && c.genes.isEmpty() && start >= 0) c.genes = {QString::fromStdString(ds.geneNames[start])};
        coloringPanel_->setColoring(c);
        if (!pendingSession_->run.isEmpty()) openRunFile(pendingSession_->run);
        else finishSession();
        return;
    }
    if (start >= 0) coloringPanel_->setGenes({QString::fromStdString(ds.geneNames[start])});
}

void MainWindow::openRunFile(const QString& path) {
    struct Loaded {
        std::shared_ptr<const RunEmbeddings> run;
        std::vector<NamedMetric> metrics;
        QString error;
    };
    auto* watcher = new QFutureWatcher<Loaded>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, path] {
        auto [run, metrics, error] = watcher->result();
        watcher->deleteLater();
        if (!run) {
            maps_->showMessage(error);
            statusBar()->showMessage(error, 8000);
            if (pendingSession_) failSession(error);
            return;  // the run already open stays
        }
        run_ = std::move(run);
        queryObs_ = -1;
        std::vector<MetricRow> rows;
        for (const auto& m : metrics)
            rows.push_back({QString::fromStdString(m.split), QString::fromStdString(m.protocol), QString::fromStdString(m.metric), m.value});
        metrics_->setRows(rows);
        QStringList sections;
        for (const auto& s : run_->sections()) sections << QString::fromStdString(s);
        maps_->setRunSummary(tr("%1: %2 pairs, %3-d embeddings; sections %4")
                                 .arg(QFileInfo(path).fileName())
                                 .arg(run_->rows())
                                 .arg(run_->dim)
                                 .arg(sections.join(QStringLiteral(", "))));
        matchRunToDataset();
        runPath_ = path;
        explorer_->setRun(run_);
        second_->setRun(run_);
        mapsDock_->raise();
        if (pendingSession_) {
            Q_EMIT runLoaded(path);
            finishSession();
            return;
        }
        if (maps_->mode() == SimilarityMapMode::Off) maps_->setMode(SimilarityMapMode::Alignment);
        else applyColoring();
        Q_EMIT runLoaded(path);
    });
    const std::string file = path.toStdString();
    watcher->setFuture(QtConcurrent::run([file]() -> Loaded {
        try {
            auto run = std::make_shared<const RunEmbeddings>(readRunEmbeddings(file));
            return {std::move(run), runMetrics(file), QString()};
        } catch (const std::exception& e) {
            return {nullptr, {}, QString::fromStdString(e.what())};
        }
    }));
}

void MainWindow::matchRunToDataset() {
    runRows_.clear();
    queryObs_ = -1;
    ++colouringGeneration_;  // rows of other sections computed for the last run or data set are dropped
    if (!run_ || !dataset_) return;
    const std::string section = QFileInfo(datasetPath_).completeBaseName().toStdString();
    runRows_ = matchObservations(*run_, section, dataset_->obsNames);
}

bool MainWindow::applySimilarityMap() {
    if (maps_->mode() == SimilarityMapMode::Off || !run_ || !dataset_) return false;
    SimilarityMapRequest request;
    request.mode = maps_->mode();
    request.queryObs = queryObs_;
    request.topK = maps_->topK();
    request.gene = maps_->gene();
    request.datasetFileName = QFileInfo(datasetPath_).fileName();
    request.section = QFileInfo(datasetPath_).completeBaseName();
    SimilarityMapResult map = computeSimilarityMap(request, *run_, runRows_, *dataset_, librarySizes_);
    maps_->showMessage(map.message);
    if (!map.shown) return false;
    SpotStyle style = view_->spots().style();
    style.colormap = map.colormap;
    style.opacity = static_cast<float>(layers_->layerOpacity(spotsLayer_));
    style.visible = layers_->isLayerVisible(spotsLayer_);
    SlideView::SpotLegend legend;
    legend.title = map.legendTitle;
    if (map.marked) view_->setSelectedSpots(*map.marked);
    showSpotValues(std::move(map.values), style, legend, true, 0, 1);
    return true;
}

void MainWindow::applyColoring() {
    if (!dataset_) return;
    if (applySimilarityMap()) return;
    const SpatialDataset& ds = *dataset_;
    const SpotColoring c = coloringPanel_->coloring();
    SpotStyle style;
    style.colormap = c.colormap;
    style.opacity = static_cast<float>(layers_->layerOpacity(spotsLayer_));
    style.outline = c.outline;
    style.visible = layers_->isLayerVisible(spotsLayer_);
    SlideView::SpotLegend legend;
    const std::optional<ColouringRequest> request = colouringRequest(c);
    if (!request || (!request->byGene && !ds.obsColumn(request->annotation))) return;
    ColouringValues coloured;
    try {
        coloured = colouringValues(ds, *request, librarySizes_);
    } catch (const std::exception& e) {
        coloringPanel_->showMessage(QString::fromStdString(e.what()));
        statusBar()->showMessage(QString::fromStdString(e.what()), 6000);
        return;
    }
    if (request->byGene) {
        legend.title = c.genes.size() == 1
                           ? QStringLiteral("%1 (%2)").arg(c.genes[0], QString::fromStdString(normalisationName(c.normalisation)))
                           : tr("score: %1").arg(c.genes.join(QLatin1Char(' ')));
    } else {
        legend.title = c.annotation;
    }
    if (coloured.categories.empty()) {
        if (style.colormap == ColormapId::Categorical) style.colormap = ColormapId::Viridis;
    } else {
        style.colormap = ColormapId::Categorical;
        for (const auto& k : coloured.categories) legend.categories << QString::fromStdString(k);
    }
    std::vector<float> values = std::move(coloured.values);
    coloringPanel_->showMessage(QString());
    showSpotValues(std::move(values), style, legend, c.autoRange, c.vmin, c.vmax);
    otherSectionsRequest_ = request;
    colourOtherSections();
}

void MainWindow::colourOtherSections() {
    otherSectionsPending_ = false;
    if (!otherSectionsRequest_ || !run_ || !dataset_) return;
    // The explorer holds the open section's values of this colouring (showSpotValues).
    if (static_cast<std::int64_t>(explorer_->slideColouring().values.size()) != run_->rows()) return;
    const QString open = QFileInfo(datasetPath_).completeBaseName();
    const auto sections = run_->sections();
    if (std::none_of(sections.begin(), sections.end(), [&](const std::string& s) { return QString::fromStdString(s) != open; })) return;
    if (!explorerDock_->isVisible()) {
        otherSectionsPending_ = true;  // data sets are read only for a view someone looks at
        return;
    }
    const QString folder = QFileInfo(datasetPath_).absolutePath();
    if (!sectionDatasets_ || sectionDatasetsFolder_ != folder) {
        // Another folder: the data sets kept for the last one are let go.
        sectionDatasets_ = std::make_shared<SectionDatasets>();
        sectionDatasetsFolder_ = folder;
    }
    const std::uint64_t generation = colouringGeneration_;
    auto* watcher = new QFutureWatcher<OtherSectionsColouring>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, generation] {
        const OtherSectionsColouring other = watcher->result();
        watcher->deleteLater();
        // The colouring or the run changed meanwhile: these rows belong to another.
        RowColouring merged = explorer_->slideColouring();
        if (generation != colouringGeneration_ || other.values.size() != merged.values.size()) return;
        for (std::size_t r = 0; r < merged.values.size(); ++r)
            if (std::isnan(merged.values[r])) merged.values[r] = other.values[r];
        merged.categories = other.categories;  // the open section's, then the others' new names
        explorer_->setSlideColouring(std::move(merged));
        if (!other.notes.isEmpty()) statusBar()->showMessage(tr("Embedding colours: %1").arg(other.notes.join(QStringLiteral("; "))), 10000);
        Q_EMIT otherSectionsColoured(other.rowsColoured);
    });
    watcher->setFuture(colourOtherSectionsAsync(run_, folder, open, *otherSectionsRequest_,
                                                explorer_->slideColouring().categories, sectionDatasets_));
}

void MainWindow::showSpotValues(std::vector<float> values, SpotStyle style, const SlideView::SpotLegend& legend, bool autoRange,
                                double vmin, double vmax) {
    if (style.colormap != ColormapId::Categorical) {
        double lo = vmin, hi = vmax;
        if (autoRange) {
            const auto range = percentiles(values, {1.0, 99.0});
            lo = range[0];
            hi = range[1];
            if (!(hi > lo)) hi = lo + 1.0;
            coloringPanel_->showRange(lo, hi);
        }
        style.vmin = static_cast<float>(lo);
        style.vmax = static_cast<float>(hi);
    }
    valueLabel_ = legend.title;
    spotValues_ = values;
    if (run_) {
        // The same colouring on the run's rows, for the embedding view's "as on the slide".
        RowColouring rc;
        rc.title = legend.title;
        rc.categories = legend.categories;
        rc.colormap = QString::fromStdString(colormapName(style.colormap == ColormapId::Categorical ? ColormapId::Viridis : style.colormap));
        rc.lo = style.vmin;
        rc.hi = style.vmax;
        rc.values.assign(static_cast<std::size_t>(run_->rows()), std::numeric_limits<float>::quiet_NaN());
        for (std::size_t obs = 0; obs < runRows_.size() && obs < values.size(); ++obs)
            if (runRows_[obs] >= 0) rc.values[static_cast<std::size_t>(runRows_[obs])] = values[obs];
        explorer_->setSlideColouring(std::move(rc));
    }
    ++colouringGeneration_;  // drops other sections' values still being computed for the last colouring
    otherSectionsRequest_.reset();
    view_->setSpotValues(std::move(values), style, legend);
    showSelectionStatistics();
    Q_EMIT coloringApplied();
}

void MainWindow::showSelectionStatistics() {
    const auto& sel = view_->selectedSpots();
    if (sel.empty()) {
        coloringPanel_->showSelection(tr("No spots selected."));
        return;
    }
    double sum = 0;
    std::size_t n = 0;
    for (const auto i : sel) {
        if (static_cast<std::size_t>(i) < spotValues_.size() && !std::isnan(spotValues_[static_cast<std::size_t>(i)])) {
            sum += spotValues_[static_cast<std::size_t>(i)];
            ++n;
        }
    }
    QString text = tr("%n spot(s) selected", nullptr, static_cast<int>(sel.size()));
    if (n > 0 && view_->spotLegend().categories.isEmpty()) {
        text += tr("; mean %1 = %2").arg(valueLabel_).arg(sum / static_cast<double>(n), 0, 'g', 4);
    }
    coloringPanel_->showSelection(text);
}

void MainWindow::showHoveredSpot(qint64 index) {
    if (!dataset_ || index < 0 || index >= dataset_->observationCount()) return;
    QString text = tr("spot %1").arg(QString::fromStdString(dataset_->obsNames[static_cast<std::size_t>(index)]));
    if (static_cast<std::size_t>(index) < spotValues_.size()) {
        text += tr(" \u00B7 %1 = %2").arg(valueLabel_).arg(spotValues_[static_cast<std::size_t>(index)], 0, 'g', 4);
    }
    for (const auto& col : dataset_->obs) {
        if (col.kind == ObsColumn::Kind::Numeric) continue;
        text += QStringLiteral(" \u00B7 %1: %2").arg(QString::fromStdString(col.name),
                                                   QString::fromStdString(col.text(static_cast<std::size_t>(index))));
    }
    statusBar()->showMessage(text);
}

void MainWindow::reportError(const QString& path, const QString& message) {
    lastError_ = message;
    statusBar()->showMessage(tr("Could not open %1").arg(QFileInfo(path).fileName()), 8000);
    // Window-modal and opened asynchronously: the event loop (and the slide
    // already shown) carry on while the message is up.
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Could not open slide"),
                                tr("HEScape Studio could not open this file. The slide already open is unchanged."),
                                QMessageBox::Ok, this);
    box->setInformativeText(message);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
    Q_EMIT loadFailed(path, message);
}

void MainWindow::convertAndOpen(const QString& imagePath) {
    const QString target = convertedPyramidPath(imagePath);
    auto* dialog = new QProgressDialog(tr("Converting %1 into a tiled pyramid (once; it is cached for next time)\u2026")
                                           .arg(QFileInfo(imagePath).fileName()),
                                       tr("Cancel"), 0, 1000, this);
    dialog->setWindowTitle(tr("Preparing large image"));
    dialog->setWindowModality(Qt::WindowModal);
    dialog->setMinimumDuration(0);
    dialog->setAutoClose(false);
    dialog->setAutoReset(false);
    dialog->setValue(0);
    cancelConversion_ = std::make_shared<std::atomic<bool>>(false);
    auto cancel = cancelConversion_;
    connect(dialog, &QProgressDialog::canceled, this, [cancel] { cancel->store(true); });
    QPointer<QProgressDialog> guard(dialog);

    auto* watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher, dialog, imagePath, target] {
        watcher->deleteLater();
        dialog->deleteLater();
        const QString error = watcher->result();
        if (error.isEmpty()) return openFile(target);
        busy_ = false;
        if (error == QLatin1String("cancelled")) {
            statusBar()->showMessage(tr("Conversion cancelled"), 5000);
            if (pendingSession_) failSession(tr("conversion of %1 cancelled").arg(imagePath));
            return;
        }
        reportError(imagePath, error);
        if (pendingSession_) failSession(error);
    });
    watcher->setFuture(QtConcurrent::run([imagePath, target, cancel, guard]() -> QString {
        Progress progress;
        progress.cancel = cancel.get();
        progress.report = [guard](double f, const std::string&) {
            QMetaObject::invokeMethod(qApp, [guard, f] {
                if (guard) guard->setValue(static_cast<int>(std::lround(f * 1000)));
            }, Qt::QueuedConnection);
        };
        PyramidConversion conv;
        conv.tiff.description = "HEScape Studio pyramid of " + imagePath.toStdString();
        try {
            convertToPyramidTiff(imagePath.toStdString(), target.toStdString(), conv, progress);
            return {};
        } catch (const CancelledError&) {
            return QStringLiteral("cancelled");
        } catch (const std::exception& e) {
            return QString::fromStdString(e.what());
        }
    }));
}

void MainWindow::exportAnnData(const QString& path) {
    if (!dataset_) return;
    auto dataset = dataset_;
    auto run = run_;
    const auto rows = runRows_;
    auto* watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, path] {
        const QString error = watcher->result();
        watcher->deleteLater();
        statusBar()->showMessage(error.isEmpty() ? tr("Exported %1").arg(path) : error, 8000);
        if (!error.isEmpty()) lastError_ = error;
        Q_EMIT annDataExported(path, error);
    });
    statusBar()->showMessage(tr("Exporting %1\u2026").arg(path));
    watcher->setFuture(QtConcurrent::run([dataset, run, rows, file = path.toStdString()]() -> QString {
        try {
            AnnDataExportExtras extras;
            extras.run = run.get();
            extras.rows = rows;
            writeAnnDataExport(file, *dataset, extras);
            return {};
        } catch (const std::exception& e) {
            return QString::fromStdString(e.what());
        }
    }));
}

bool MainWindow::exportView(const QString& path, int scale) {
    if (path.endsWith(QStringLiteral(".svg"), Qt::CaseInsensitive)) return exportViewSvg(path, scale);
    // 1x: grab() composites the GL tiles with the overlay child (minimap,
    // scale bar, legend); larger: the view drawn again at that resolution.
    QImage image;
    if (scale <= 1) {
        image = view_->grab().toImage();
    } else {
        QProgressDialog wait(tr("Rendering the view at %1×…").arg(scale), QString(), 0, 0, this);
        wait.setWindowModality(Qt::WindowModal);
        wait.setMinimumDuration(500);
        image = view_->renderFigure(scale);
    }
    QSaveFile file(path);  // temp file + rename: never a half-written PNG
    if (image.isNull() || !file.open(QIODevice::WriteOnly) || !image.save(&file, "PNG") || !file.commit()) {
        reportError(path, tr("%1: could not write the image (%2)").arg(path, file.errorString()));
        return false;
    }
    statusBar()->showMessage(tr("Exported %1 (%2 \u00D7 %3 px)").arg(path).arg(image.width()).arg(image.height()), 6000);
    return true;
}

bool MainWindow::exportViewSvg(const QString& path, int scale) {
    QByteArray svg;
    {
        QProgressDialog wait(tr("Rendering the view at %1×…").arg(scale), QString(), 0, 0, this);
        wait.setWindowModality(Qt::WindowModal);
        wait.setMinimumDuration(500);
        svg = view_->renderFigureSvg(std::max(1, scale));
    }
    QSaveFile file(path);  // temp file + rename: never a half-written figure
    if (svg.isEmpty() || !file.open(QIODevice::WriteOnly) || file.write(svg) != svg.size() || !file.commit()) {
        reportError(path, tr("%1: could not write the figure (%2)").arg(path, svg.isEmpty() ? tr("no slide open, or the SVG could not be made") : file.errorString()));
        return false;
    }
    statusBar()->showMessage(tr("Exported %1 (SVG: the view at %2 × %3 px, scale bar and legend as vector graphics)")
                                 .arg(path)
                                 .arg(view_->width() * std::max(1, scale))
                                 .arg(view_->height() * std::max(1, scale)),
                             6000);
    return true;
}

void MainWindow::showExportDialog() {
    if (!view_->slide()) return;
    QSettings s;
    const QString suggested = s.value("lastExportDir").toString() + QLatin1Char('/') +
                              QFileInfo(currentPath_).completeBaseName() + QStringLiteral("-view.png");
    const QString path = QFileDialog::getSaveFileName(this, tr("Export view"), suggested,
                                                      tr("PNG images (*.png);;SVG figures, scale bar and legend as vectors (*.svg)"));
    if (path.isEmpty()) return;
    s.setValue("lastExportDir", QFileInfo(path).absolutePath());
    QStringList sizes;
    for (int k = 1; k <= 4; ++k) sizes << tr("%1×: %2 × %3 px").arg(k).arg(view_->width() * k).arg(view_->height() * k);
    bool ok = false;
    const QString size = QInputDialog::getItem(this, tr("Export view"), tr("Resolution"), sizes, s.value("exportScale", 0).toInt(), false, &ok);
    if (!ok) return;
    s.setValue("exportScale", sizes.indexOf(size));
    exportView(path, sizes.indexOf(size) + 1);
}

void MainWindow::askMicronsPerPixel() {
    Slide* slide = currentSlide_.get();
    if (!slide) return;
    const auto current = slide->micronsPerPixel();
    bool ok = false;
    const double v = QInputDialog::getDouble(this, tr("Microns per pixel"),
                                             tr("Microns per level-0 pixel (e.g. 0.25 at 40\u00D7, 0.5 at 20\u00D7):"),
                                             current ? current->x : 0.5, 0.001, 1000.0, 4, &ok);
    if (!ok) return;
    slide->setMicronsPerPixel(MicronsPerPixel{v, v});
    panel_->refreshSummary();
    view_->update();
}

void MainWindow::updateZoomLabel() {
    const Slide* slide = view_->slide();
    if (!slide) return zoomLabel_->clear();
    const double zoom = 1.0 / view_->downsample();
    QString text = tr("zoom %1% \u00B7 level %2").arg(zoom * 100.0, 0, 'f', zoom < 0.1 ? 2 : 1).arg(view_->targetLevel());
    if (const auto p = slide->objectivePower()) text += tr(" \u00B7 %1\u00D7").arg(*p * zoom, 0, 'f', 1);
    zoomLabel_->setText(text);
}

void MainWindow::showCursor(QPointF p, bool inside) {
    if (!inside) return positionLabel_->setText(tr("outside the slide"));
    QString text = tr("x %1, y %2 px").arg(std::floor(p.x()), 0, 'f', 0).arg(std::floor(p.y()), 0, 'f', 0);
    if (const auto mpp = view_->slide()->micronsPerPixel()) {
        text += tr("  \u00B7  %1, %2 \u00B5m").arg(p.x() * mpp->x, 0, 'f', 1).arg(p.y() * mpp->y, 0, 'f', 1);
    }
    positionLabel_->setText(text);
}

namespace {
const std::array<std::pair<SimilarityMapMode, const char*>, 5> kMapModes{{{SimilarityMapMode::Off, "off"},
                                                                          {SimilarityMapMode::Alignment, "alignment"},
                                                                          {SimilarityMapMode::QueryImageToGene, "image-to-gene"},
                                                                          {SimilarityMapMode::QueryGeneToImage, "gene-to-image"},
                                                                          {SimilarityMapMode::GeneDirection, "gene-direction"}}};
}  // namespace

Session MainWindow::captureSession() const {
    Session s;
    s.slide = currentPath_;
    if (dataset_) s.dataset = datasetPath_;
    if (run_) s.run = runPath_;
    s.registration = registration_;
    const SpotColoring c = coloringPanel_->coloring();
    s.coloring.source = c.source == SpotColoring::Source::Annotation ? QStringLiteral("annotation") : QStringLiteral("gene");
    s.coloring.genes = c.genes;
    s.coloring.annotation = c.annotation;
    s.coloring.normalisation = QString::fromStdString(normalisationName(c.normalisation));
    s.coloring.colormap = QString::fromStdString(colormapName(c.colormap));
    s.coloring.autoRange = c.autoRange;
    s.coloring.vmin = c.vmin;
    s.coloring.vmax = c.vmax;
    s.coloring.outline = c.outline;
    s.slideLayer = {layers_->isLayerVisible(slideLayer_), layers_->layerOpacity(slideLayer_)};
    s.spotsLayer = {layers_->isLayerVisible(spotsLayer_), layers_->layerOpacity(spotsLayer_)};
    for (const auto& [mode, name] : kMapModes)
        if (maps_->mode() == mode) s.similarityMap = QLatin1String(name);
    s.similarityGene = maps_->gene();
    s.queryObservation = queryObs_;
    s.selection.assign(view_->selectedSpots().begin(), view_->selectedSpots().end());
    s.viewCenter = view_->center();
    s.viewDownsample = view_->downsample();
    s.minimap = minimapAction_->isChecked();
    s.scaleBar = scaleBarAction_->isChecked();
    if (const auto channels = currentSlide_ ? currentSlide_->channelDisplay() : nullptr) s.channels = channels->settings();
    const EmbeddingLayoutSettings e = explorer_->settings();
    s.embedding.method = e.method == EmbeddingLayoutMethod::Pca ? QStringLiteral("pca") : QStringLiteral("umap");
    s.embedding.points = e.points == EmbeddingPoints::Gene         ? QStringLiteral("gene")
                         : e.points == EmbeddingPoints::Joint      ? QStringLiteral("joint")
                         : e.points == EmbeddingPoints::SideBySide ? QStringLiteral("side-by-side")
                                                                   : QStringLiteral("image");
    s.embedding.dims = e.dims;
    s.embedding.seed = e.seed;
    s.embedding.colorBy = explorer_->colourBy();
    return s;
}

bool MainWindow::saveSession(const QString& path) {
    if (currentPath_.isEmpty()) {
        lastError_ = tr("Open a slide first: a session starts from a slide.");
        statusBar()->showMessage(lastError_, 6000);
        return false;
    }
    try {
        writeSession(path, captureSession());
    } catch (const std::exception& e) {
        lastError_ = QString::fromStdString(e.what());
        showWarning(tr("Could not save the session"), lastError_);
        return false;
    }
    sessionPath_ = path;
    recentSessions_->add(path);
    statusBar()->showMessage(tr("Saved session %1").arg(path), 6000);
    return true;
}

void MainWindow::showSaveSessionDialog() {
    QSettings s;
    const QString start = sessionPath_.isEmpty() ? QFileInfo(currentPath_).absolutePath() + QStringLiteral("/session.hescape") : sessionPath_;
    QString path = QFileDialog::getSaveFileName(this, tr("Save session"), start, tr("HEScape sessions (*.hescape)"));
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".hescape");
    saveSession(path);
}

void MainWindow::openSession(const QString& path) {
    if (pendingSession_) {
        statusBar()->showMessage(tr("Still restoring %1").arg(pendingSessionPath_), 6000);
        return;
    }
    try {
        pendingSession_ = readSession(path);
    } catch (const std::exception& e) {
        lastError_ = QString::fromStdString(e.what());
        statusBar()->showMessage(lastError_, 8000);
        showWarning(tr("Could not open the session"), lastError_);
        Q_EMIT sessionFailed(path, lastError_);
        return;
    }
    pendingSessionPath_ = path;
    statusBar()->showMessage(tr("Restoring session %1\u2026").arg(QFileInfo(path).fileName()));
    if (pendingSession_->slide == currentPath_ && currentSlide_) {
        // The slide is already open: go on with its data set.
        if (!pendingSession_->dataset.isEmpty()) openDataset(pendingSession_->dataset);
        else finishSession();
    } else {
        openFile(pendingSession_->slide);
    }
}

void MainWindow::connectExplorer() {
    connect(second_, &SecondSectionView::rowsSelected, this, [this](const QList<qint64>& rows) {
        // Selection on the second tissue -> the embedding and the main slide.
        const std::vector<std::int64_t> r(rows.begin(), rows.end());
        explorer_->setSelectedRows(r);
        showRowsOnSlide(rows);
    });
    connect(explorer_, &EmbeddingExplorer::rowsSelected, this, [this](const QList<qint64>& rows) {
        second_->setSelectedRows(std::vector<std::int64_t>(rows.begin(), rows.end()));
        showRowsOnSlide(rows);
    });
    connect(explorer_, &EmbeddingExplorer::rowHovered, this, [this](qint64 row) {
        if (!run_ || row < 0 || row >= run_->rows()) return;
        const auto r = static_cast<std::size_t>(row);
        double cosine = 0;
        for (std::int64_t k = 0; k < run_->dim; ++k) cosine += run_->image[r * static_cast<std::size_t>(run_->dim) + static_cast<std::size_t>(k)] *
                                                              run_->gene[r * static_cast<std::size_t>(run_->dim) + static_cast<std::size_t>(k)];
        statusBar()->showMessage(tr("%1 · spot %2 · alignment %3 (double-click to centre the slide on it)")
                                     .arg(QString::fromStdString(run_->section[r]), QString::fromStdString(run_->obsName[r]))
                                     .arg(cosine, 0, 'f', 3));
    });
    connect(explorer_, &EmbeddingExplorer::rowActivated, this, [this](qint64 row) { centreOnRow(row); });
}

void MainWindow::showRowsOnSlide(const QList<qint64>& rows) {
    const std::vector<std::int64_t> obs = observationsOfRows(runRows_, std::vector<std::int64_t>(rows.begin(), rows.end()), run_ ? run_->rows() : 0);
    linkingSelection_ = true;
    view_->setSelectedSpots(obs);
    linkingSelection_ = false;
    statusBar()->showMessage(tr("%1 spots selected, %2 of them on this slide").arg(rows.size()).arg(obs.size()), 6000);
}

bool MainWindow::centreOnRow(qint64 row) {
    if (!run_ || row < 0 || row >= run_->rows()) return false;
    const auto it = std::find(runRows_.begin(), runRows_.end(), row);
    if (it == runRows_.end()) {
        statusBar()->showMessage(tr("Spot %1 is in section %2: open that section to see it on its slide.")
                                     .arg(QString::fromStdString(run_->obsName[static_cast<std::size_t>(row)]),
                                          QString::fromStdString(run_->section[static_cast<std::size_t>(row)])),
                                 8000);
        return false;
    }
    const auto obs = static_cast<std::size_t>(it - runRows_.begin());
    const auto& xy = view_->spots().positions();
    if (2 * obs + 1 >= xy.size()) return false;
    view_->centerOn(QPointF(xy[2 * obs], xy[2 * obs + 1]));
    view_->setSelectedSpots({static_cast<std::int64_t>(obs)});
    return true;
}

void MainWindow::showTrainingSnapshot(const TrainingSnapshot& shot) {
    run_ = shot.embeddings;
    runPath_.clear();  // a live run has no file; the finished run opens from its results
    maps_->setRunSummary(tr("Live training, step %1: %2 pairs, %3-d embeddings").arg(shot.step).arg(run_->rows()).arg(run_->dim));
    matchRunToDataset();
    explorer_->setRun(run_);
    second_->setRun(run_);
    if (maps_->mode() == SimilarityMapMode::Off) maps_->setMode(SimilarityMapMode::Alignment);
    else applyColoring();
    Q_EMIT liveRunUpdated(shot.step);
}

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

RunComparisonDialog* MainWindow::showRunComparison() {
    QStringList runs = RunComparisonDialog::savedRuns();
    if (!runPath_.isEmpty()) {
        runs.removeAll(QFileInfo(runPath_).absoluteFilePath());
        runs.prepend(QFileInfo(runPath_).absoluteFilePath());
    }
    auto* dialog = new RunComparisonDialog(runs, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
    return dialog;
}

void MainWindow::showWarning(const QString& title, const QString& text) {
    // Window-modal and opened asynchronously, like reportError's box.
    auto* box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::failSession(const QString& message) {
    const QString path = pendingSessionPath_;
    pendingSession_.reset();
    pendingSessionPath_.clear();
    lastError_ = tr("Session %1: %2").arg(QFileInfo(path).fileName(), message);
    statusBar()->showMessage(lastError_, 10000);
    Q_EMIT sessionFailed(path, lastError_);
}

void MainWindow::finishSession() {
    const Session s = *pendingSession_;
    const QString path = pendingSessionPath_;
    pendingSession_.reset();
    pendingSessionPath_.clear();
    busy_ = false;
    layers_->setLayerState(slideLayer_, s.slideLayer.visible, s.slideLayer.opacity);
    if (dataset_) layers_->setLayerState(spotsLayer_, s.spotsLayer.visible, s.spotsLayer.opacity);
    minimapAction_->setChecked(s.minimap);
    scaleBarAction_->setChecked(s.scaleBar);
    // Said with the "Restored" message below, which would hide a message of its own.
    QString note;
    if (!s.channels.empty()) {
        if (const QString why = channelsDock_->applySettings(s.channels); !why.isEmpty())
            note = tr(" (its channel settings were not applied: %1)").arg(why);
    }
    if (run_) {
        const std::int64_t n = dataset_ ? dataset_->observationCount() : 0;
        queryObs_ = s.queryObservation < n ? s.queryObservation : -1;
        maps_->setGene(s.similarityGene);
        for (const auto& [mode, name] : kMapModes)
            if (s.similarityMap == QLatin1String(name)) maps_->setMode(mode);
        applyColoring();
    }
    if (dataset_) {
        std::vector<std::int64_t> selection;
        for (const qint64 i : s.selection)
            if (i < dataset_->observationCount()) selection.push_back(i);
        if (selection.size() < s.selection.size())
            statusBar()->showMessage(tr("%1 selected spots of the session are not in the data set").arg(s.selection.size() - selection.size()), 8000);
        view_->setSelectedSpots(std::move(selection));
    }
    if (s.viewDownsample > 0) view_->setView(s.viewCenter, s.viewDownsample);
    if (!s.embedding.method.isEmpty()) {
        EmbeddingLayoutSettings e;
        e.method = s.embedding.method == QLatin1String("pca") ? EmbeddingLayoutMethod::Pca : EmbeddingLayoutMethod::Umap;
        e.points = s.embedding.points == QLatin1String("gene")           ? EmbeddingPoints::Gene
                   : s.embedding.points == QLatin1String("joint")        ? EmbeddingPoints::Joint
                   : s.embedding.points == QLatin1String("side-by-side") ? EmbeddingPoints::SideBySide
                                                                         : EmbeddingPoints::Image;
        e.dims = s.embedding.dims;
        e.seed = s.embedding.seed;
        explorer_->setColourBy(s.embedding.colorBy);
        explorer_->setSettings(e);  // lays the run out again with these settings
    }
    sessionPath_ = path;
    recentSessions_->add(path);
    setWindowTitle(QStringLiteral("%1 \u2014 HEScape Studio").arg(QFileInfo(path).fileName()));
    statusBar()->showMessage(tr("Restored session %1%2").arg(path, note), note.isEmpty() ? 6000 : 12000);
    Q_EMIT sessionRestored(path);
}

}  // namespace hescape
