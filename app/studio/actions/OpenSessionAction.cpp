// OpenSessionAction: remembers the folder in the settings ("lastSessionDir").
#include "app/studio/actions/OpenSessionAction.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QKeySequence>
#include <QSettings>
#include <QWidget>

namespace hescape {

OpenSessionAction::OpenSessionAction(QWidget* dialogParent, std::function<void(const QString&)> open)
    : StudioAction(tr("Open Sess&ion\u2026"), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_S), dialogParent),
      dialogParent_(dialogParent),
      open_(std::move(open)) {}

void OpenSessionAction::trigger() {
    QSettings s;
    const QString path = QFileDialog::getOpenFileName(dialogParent_, tr("Open session"), s.value("lastSessionDir").toString(),
                                                      tr("HEScape sessions (*.hescape);;All files (*)"));
    if (path.isEmpty()) return;
    s.setValue("lastSessionDir", QFileInfo(path).absolutePath());
    open_(path);
}

}  // namespace hescape
