// MainWindow: wires menus, the slide view, the properties dock and the
// background open/convert tasks together. Nothing here blocks on disk.
#include "app/studio/MainWindow.h"

#include "app/studio/RecentFiles.h"
#include "core/common/Version.h"
#include "core/slide/PyramidTiffConverter.h"
#include "widgets/slideview/SlidePropertiesPanel.h"
#include "widgets/slideview/SlideView.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
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

#include <cmath>

// The icon resources live in a static library: register them explicitly.
static void initStudioResources() { Q_INIT_RESOURCE(studio); }

namespace hescape {

namespace {
QString slideFileFilter() {
    return QObject::tr(
        "Slides and images (*.svs *.tif *.tiff *.ndpi *.vms *.vmu *.scn *.mrxs *.svslide *.bif *.png *.jpg *.jpeg);;"
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
    QMenu* recentMenu = file->addMenu(tr("Open &Recent"));
    recent_ = new RecentFiles(recentMenu, this);
    connect(recent_, &RecentFiles::openRequested, this, &MainWindow::openFile);
    file->addSeparator();
    file->addAction(tr("&Export View as PNG\u2026"), QKeySequence(Qt::CTRL | Qt::Key_E), this,
                    &MainWindow::showExportDialog);
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

    QMenu* slideMenu = menuBar()->addMenu(tr("&Slide"));
    slideMenu->addAction(tr("Set &Microns per Pixel\u2026"), this, &MainWindow::askMicronsPerPixel);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Keyboard Shortcuts"), QKeySequence::HelpContents, this, [this] {
        QMessageBox::information(this, tr("Keyboard shortcuts"),
                                 tr("<table>"
                                    "<tr><td>Wheel / + / \u2212</td><td>zoom about the cursor / centre</td></tr>"
                                    "<tr><td>Drag / arrow keys</td><td>pan</td></tr>"
                                    "<tr><td>Double-click</td><td>zoom in 2\u00D7 there</td></tr>"
                                    "<tr><td>F or Home, Ctrl+0</td><td>fit to window</td></tr>"
                                    "<tr><td>1, Ctrl+1</td><td>actual pixels (1:1)</td></tr>"
                                    "<tr><td>Click/drag minimap</td><td>jump there</td></tr>"
                                    "<tr><td>M / B</td><td>minimap / scale bar</td></tr>"
                                    "<tr><td>Ctrl+O, Ctrl+E, Ctrl+P</td><td>open, export view, properties</td></tr>"
                                    "</table>"));
    });
    help->addAction(tr("&About HEScape Studio"), this, [this] {
        QMessageBox::about(this, tr("About HEScape Studio"),
                           tr("<b>HEScape Studio %1</b><p>Whole-slide histology and spatial transcriptomics, "
                              "side by side, with the cross-modal models that link them.</p>"
                              "<p>Built with Qt %2, OpenSlide, LibTorch, VTK and HDF5.</p>")
                               .arg(QLatin1String(kVersion), QLatin1String(qVersion())));
    });
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

void MainWindow::openFile(const QString& path) {
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
    if (!r.slide) return reportError(r.path, r.error);
    currentPath_ = r.path;
    currentSlide_ = r.slide;
    lastError_.clear();
    view_->setSlide(r.slide);
    panel_->setSlide(r.slide.get(), r.associatedImages);
    recent_->add(r.path);
    setWindowTitle(QStringLiteral("%1 \u2014 HEScape Studio").arg(QFileInfo(r.path).fileName()));
    statusBar()->showMessage(tr("Opened %1 (%2 \u00D7 %3 px, %4 levels)")
                                 .arg(QFileInfo(r.path).fileName())
                                 .arg(r.slide->width())
                                 .arg(r.slide->height())
                                 .arg(r.slide->levelCount()),
                             8000);
    updateZoomLabel();
    Q_EMIT slideLoaded(r.path);
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
            return;
        }
        reportError(imagePath, error);
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

bool MainWindow::exportView(const QString& path) {
    // grab() composites the GL tiles with the overlay child (minimap, scale bar).
    const QImage image = view_->grab().toImage();
    QSaveFile file(path);  // temp file + rename: never a half-written PNG
    if (image.isNull() || !file.open(QIODevice::WriteOnly) || !image.save(&file, "PNG") || !file.commit()) {
        reportError(path, tr("%1: could not write the image (%2)").arg(path, file.errorString()));
        return false;
    }
    statusBar()->showMessage(tr("Exported %1 (%2 \u00D7 %3 px)").arg(path).arg(image.width()).arg(image.height()), 6000);
    return true;
}

void MainWindow::showExportDialog() {
    if (!view_->slide()) return;
    QSettings s;
    const QString suggested = s.value("lastExportDir").toString() + QLatin1Char('/') +
                              QFileInfo(currentPath_).completeBaseName() + QStringLiteral("-view.png");
    const QString path = QFileDialog::getSaveFileName(this, tr("Export view as PNG"), suggested, tr("PNG images (*.png)"));
    if (path.isEmpty()) return;
    s.setValue("lastExportDir", QFileInfo(path).absolutePath());
    exportView(path);
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

}  // namespace hescape
