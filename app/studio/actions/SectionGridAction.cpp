// SectionGridAction: the window is a child of the main window (closed with
// it), so hiding it keeps its sections for the next time.
#include "app/studio/actions/SectionGridAction.h"

#include "app/studio/SectionGridWindow.h"
#include "app/studio/model/StudioDocument.h"

#include <QAction>
#include <QFileInfo>
#include <QKeySequence>

namespace hescape {

SectionGridAction::SectionGridAction(QWidget* windowParent, StudioDocument* document, TaskService* tasks)
    : StudioAction(tr("All &Sections\u2026"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_G), windowParent),
      windowParent_(windowParent),
      document_(document),
      tasks_(tasks) {
    action()->setToolTip(tr("Every section of this folder side by side at one scale, on one colour scale, linked to the other views"));
    enableWhile(document_, Needs::Dataset);
}

SectionGridWindow* SectionGridAction::window() const { return window_; }

SectionGridWindow* SectionGridAction::showWindow() {
    if (!window_) window_ = new SectionGridWindow(document_, tasks_, windowParent_);
    const QString folder = QFileInfo(document_->datasetPath()).absolutePath();
    if (!document_->datasetPath().isEmpty() && folder != window_->folder()) window_->load(folder);
    window_->show();
    window_->raise();
    window_->activateWindow();
    return window_;
}

}  // namespace hescape
