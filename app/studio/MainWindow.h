// The HEScape Studio main window: slide view in the centre, slide properties
// in a dock, menus for opening, exporting and navigating, a status bar with
// the cursor position, and settings remembered between sessions.
#pragma once

#include "app/studio/SlideLoadTask.h"

#include <QMainWindow>
#include <QPointer>

#include <atomic>
#include <memory>

class QAction;
class QDockWidget;
class QLabel;
class QProgressDialog;

namespace hescape {

class RecentFiles;
class SlidePropertiesPanel;
class SlideView;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens `path` in the background; the current slide stays until it succeeds.
    void openFile(const QString& path);
    bool exportView(const QString& path);

    SlideView* slideView() const { return view_; }
    SlidePropertiesPanel* propertiesPanel() const { return panel_; }
    QString currentPath() const { return currentPath_; }
    QString lastError() const { return lastError_; }
    bool isBusy() const { return busy_; }
    RecentFiles* recentFiles() const { return recent_; }

Q_SIGNALS:
    void slideLoaded(const QString& path);
    void loadFailed(const QString& path, const QString& message);

protected:
    void closeEvent(QCloseEvent* e) override;
    void dragEnterEvent(QDragEnterEvent* e) override;
    void dropEvent(QDropEvent* e) override;

private:
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

    SlideView* view_;
    SlidePropertiesPanel* panel_;
    QDockWidget* dock_;
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
};

}  // namespace hescape
