// SaveSessionAction: the dialog suggests session.hescape beside the slide.
#include "app/studio/actions/SaveSessionActions.h"

#include "app/studio/SessionController.h"
#include "app/studio/model/StudioDocument.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QKeySequence>
#include <QWidget>

namespace hescape {

SaveSessionAction::SaveSessionAction(Mode mode, QWidget* dialogParent, StudioDocument* document, SessionController* sessions)
    : StudioAction(mode == Mode::Save ? tr("&Save Session") : tr("Save Session &As\u2026"),
                   mode == Mode::Save ? QKeySequence(QKeySequence::Save) : QKeySequence(QKeySequence::SaveAs), dialogParent),
      mode_(mode),
      dialogParent_(dialogParent),
      document_(document),
      sessions_(sessions) {
    action()->setToolTip(tr("Save the slide, data set, run, colouring and view as a .hescape session"));
    enableWhile(document_, Needs::Slide);
}

void SaveSessionAction::trigger() {
    if (!document_->slide()) return;
    if (mode_ == Mode::Save && !sessions_->path().isEmpty()) {
        sessions_->save(sessions_->path());
        return;
    }
    const QString start = sessions_->path().isEmpty()
                              ? QFileInfo(document_->slidePath()).absolutePath() + QStringLiteral("/session.hescape")
                              : sessions_->path();
    QString path = QFileDialog::getSaveFileName(dialogParent_, tr("Save session"), start, tr("HEScape sessions (*.hescape)"));
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".hescape");
    sessions_->save(path);
}

}  // namespace hescape
