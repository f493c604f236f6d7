// StudioMenus: menu order and separators; each entry is an action class.
#include "app/studio/StudioMenus.h"

#include "app/studio/DocumentLoader.h"
#include "app/studio/RecentFiles.h"
#include "app/studio/SessionController.h"
#include "app/studio/actions/CompareRunsAction.h"
#include "app/studio/actions/SectionGridAction.h"
#include "app/studio/actions/DatasetImagesAction.h"
#include "app/studio/actions/ExportAnnDataAction.h"
#include "app/studio/actions/ExportViewAction.h"
#include "app/studio/actions/HelpActions.h"
#include "app/studio/actions/OpenActions.h"
#include "app/studio/actions/OpenFolderAction.h"
#include "app/studio/actions/OpenSessionAction.h"
#include "app/studio/actions/SaveSessionActions.h"
#include "app/studio/actions/SlideActions.h"
#include "app/studio/actions/ViewActions.h"
#include "widgets/slideview/SlideView.h"

#include <QAction>
#include <QMainWindow>
#include <QMenuBar>

namespace hescape {

namespace {

void buildFileMenu(QMainWindow& w, const StudioServices& s, StudioActions& out) {
    QMenu* file = w.menuBar()->addMenu(QObject::tr("&File"));
    file->addAction((new OpenSlideAction(&w, s.loader))->action());
    file->addAction((new OpenDatasetAction(&w, s.loader))->action());
    file->addAction((new OpenFolderAction(&w, [loader = s.loader](const QString& dir) { loader->openSlide(dir); }))->action());
    out.openRun = new OpenRunAction(&w, s.loader);
    file->addAction(out.openRun->action());
    out.compareRuns = new CompareRunsAction(&w, s.document, s.tasks);
    file->addAction(out.compareRuns->action());
    out.recentSlides = new RecentFiles(file->addMenu(QObject::tr("Open &Recent")), &w);
    file->addSeparator();
    file->addAction((new OpenSessionAction(&w, [sessions = s.sessions](const QString& path) { sessions->open(path); }))->action());
    file->addAction((new SaveSessionAction(SaveSessionAction::Mode::Save, &w, s.document, s.sessions))->action());
    file->addAction((new SaveSessionAction(SaveSessionAction::Mode::SaveAs, &w, s.document, s.sessions))->action());
    out.recentSessions = new RecentFiles(file->addMenu(QObject::tr("Recent Sessio&ns")), &w, QStringLiteral("recentSessions"));
    file->addSeparator();
    out.exportView = new ExportViewAction(&w, s.document, s.view);
    file->addAction(out.exportView->action());
    out.exportData = new ExportAnnDataAction(&w, s.document, s.tasks);
    file->addAction(out.exportData->action());
    file->addSeparator();
    file->addAction(QObject::tr("&Quit"), QKeySequence::Quit, &w, &QWidget::close);
}

void buildViewMenu(QMainWindow& w, const StudioServices& s, const std::vector<QAction*>& dockToggles, StudioActions& out) {
    QMenu* view = w.menuBar()->addMenu(QObject::tr("&View"));
    const auto navigation = [&](const QString& text, const QKeySequence& key, std::function<void(SlideView&)> apply) {
        view->addAction((new ViewNavigationAction(text, key, s.document, s.view, std::move(apply), &w))->action());
    };
    navigation(QObject::tr("&Fit to Window"), QKeySequence(Qt::CTRL | Qt::Key_0), [](SlideView& v) { v.fitToWindow(); });
    navigation(QObject::tr("&Actual Pixels (1:1)"), QKeySequence(Qt::CTRL | Qt::Key_1), [](SlideView& v) { v.zoomToActualPixels(); });
    navigation(QObject::tr("Zoom &In"), QKeySequence::ZoomIn, [](SlideView& v) { v.zoomBy(1.5); });
    navigation(QObject::tr("Zoom &Out"), QKeySequence::ZoomOut, [](SlideView& v) { v.zoomBy(1 / 1.5); });
    view->addSeparator();
    view->addAction((new OverlayToggleAction(OverlayToggleAction::Overlay::Minimap, s.document, s.view, &w))->action());
    view->addAction((new OverlayToggleAction(OverlayToggleAction::Overlay::ScaleBar, s.document, s.view, &w))->action());
    view->addSeparator();
    out.sectionGrid = new SectionGridAction(&w, s.document, s.tasks);
    view->addAction(out.sectionGrid->action());
    for (QAction* toggle : dockToggles) view->addAction(toggle);
}

}  // namespace

StudioActions buildStudioMenus(QMainWindow& w, const StudioServices& s, const std::vector<QAction*>& dockToggles) {
    StudioActions out;
    buildFileMenu(w, s, out);
    buildViewMenu(w, s, dockToggles, out);
    QMenu* slide = w.menuBar()->addMenu(QObject::tr("&Slide"));
    out.setMicronsPerPixel = new SetMicronsPerPixelAction(&w, s.document);
    slide->addAction(out.setMicronsPerPixel->action());
    out.registerLandmarks = new RegisterLandmarksAction(&w, s.document, s.view);
    slide->addAction(out.registerLandmarks->action());
    slide->addSeparator();
    slide->addAction((new DatasetImagesAction(&w, s.document, s.loader))->action());
    QMenu* help = w.menuBar()->addMenu(QObject::tr("&Help"));
    help->addAction((new ShortcutsAction(&w))->action());
    help->addAction((new AboutAction(&w))->action());
    return out;
}

}  // namespace hescape
