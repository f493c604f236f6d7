// The menu bar of the studio, built from the action classes
// (app/studio/actions): File, View, Slide and Help. Returns the actions and
// lists whose signals the window answers (errors, status messages, recent
// files); every other action does its work on its own.
#pragma once

#include <vector>

class QAction;
class QMainWindow;

namespace hescape {

class CompareRunsAction;
class DocumentLoader;
class ExportAnnDataAction;
class ExportViewAction;
class OpenRunAction;
class RecentFiles;
class RegisterLandmarksAction;
class SessionController;
class SectionGridAction;
class SetMicronsPerPixelAction;
class SlideView;
class StudioDocument;
class TaskService;

struct StudioServices {
    StudioDocument* document = nullptr;
    DocumentLoader* loader = nullptr;
    SessionController* sessions = nullptr;
    TaskService* tasks = nullptr;
    SlideView* view = nullptr;
};

struct StudioActions {
    OpenRunAction* openRun = nullptr;
    CompareRunsAction* compareRuns = nullptr;
    ExportViewAction* exportView = nullptr;
    ExportAnnDataAction* exportData = nullptr;
    SectionGridAction* sectionGrid = nullptr;
    SetMicronsPerPixelAction* setMicronsPerPixel = nullptr;
    RegisterLandmarksAction* registerLandmarks = nullptr;
    RecentFiles* recentSlides = nullptr;
    RecentFiles* recentSessions = nullptr;
};

// `dockToggles`: the docks' show/hide actions for the View menu.
StudioActions buildStudioMenus(QMainWindow& window, const StudioServices& services, const std::vector<QAction*>& dockToggles);

}  // namespace hescape
