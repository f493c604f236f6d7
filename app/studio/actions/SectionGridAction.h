// View > All Sections (Ctrl+Shift+G): the window with every section of the
// open data set's folder side by side (SectionGridWindow), made once and
// read again when the folder changed. Enabled while a data set is open.
#pragma once

#include "app/studio/actions/StudioAction.h"

#include <QPointer>

class QWidget;

namespace hescape {

class SectionGridWindow;
class StudioDocument;
class TaskService;

class SectionGridAction final : public StudioAction {
    Q_OBJECT

public:
    SectionGridAction(QWidget* windowParent, StudioDocument* document, TaskService* tasks);
    // Shows (and, for a new folder, loads) the window.
    SectionGridWindow* showWindow();
    SectionGridWindow* window() const;

protected:
    void trigger() override { showWindow(); }

private:
    QWidget* windowParent_;
    StudioDocument* document_;
    TaskService* tasks_;
    QPointer<SectionGridWindow> window_;
};

}  // namespace hescape
