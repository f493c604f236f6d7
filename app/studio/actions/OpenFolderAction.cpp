// OpenFolderAction: a folder dialog starting where the last slide was opened.
#include "app/studio/actions/OpenFolderAction.h"

#include <QFileDialog>
#include <QKeySequence>
#include <QSettings>
#include <QWidget>

namespace hescape {

OpenFolderAction::OpenFolderAction(QWidget* dialogParent, std::function<void(const QString&)> open)
    : StudioAction(tr("Open &Folder (Xenium, OME-Zarr)\u2026"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_X), dialogParent),
      dialogParent_(dialogParent),
      open_(std::move(open)) {
    action()->setToolTip(tr("Open a Xenium output folder or an OME-Zarr image folder"));
}

void OpenFolderAction::trigger() {
    QSettings s;
    const QString dir = QFileDialog::getExistingDirectory(dialogParent_, tr("Open a Xenium output folder or an OME-Zarr image"),
                                                          s.value("lastOpenDir").toString());
    if (dir.isEmpty()) return;
    s.setValue("lastOpenDir", dir);
    open_(dir);
}

}  // namespace hescape
