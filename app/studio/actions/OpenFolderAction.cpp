// OpenFolderAction: a folder dialog starting where the last slide was opened.
#include "app/studio/actions/OpenFolderAction.h"

#include "core/spatial/VisiumFolder.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QKeySequence>
#include <QSettings>
#include <QWidget>

namespace hescape {

OpenFolderAction::OpenFolderAction(QWidget* dialogParent, std::function<void(const QString&)> open)
    : StudioAction(tr("Open &Folder (Xenium, OME-Zarr)\u2026"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_X), dialogParent),
      dialogParent_(dialogParent),
      open_(std::move(open)) {
    action()->setToolTip(tr("Open a Xenium, Visium or Visium HD output folder, or an OME-Zarr image folder"));
}

QString OpenFolderAction::chooseBins(const QString& dir) const {
    const auto bins = visiumHdBinFolders(dir.toStdString());
    if (bins.size() < 2) return dir;
    QStringList items;
    int preferred = 0;
    const std::string fallback = defaultVisiumHdBinFolder(dir.toStdString());
    for (std::size_t i = 0; i < bins.size(); ++i) {
        items << tr("%1 \u00B5m bins (%2)").arg(bins[i].binMicrons).arg(QFileInfo(QString::fromStdString(bins[i].folder)).fileName());
        if (bins[i].folder == fallback) preferred = static_cast<int>(i);
    }
    bool ok = false;
    const QString item = QInputDialog::getItem(dialogParent_, tr("Visium HD bin size"),
                                               tr("Bins to open (2 \u00B5m bins of a whole capture area are too many to hold):"),
                                               items, preferred, false, &ok);
    if (!ok) return {};
    return QString::fromStdString(bins[static_cast<std::size_t>(items.indexOf(item))].folder);
}

void OpenFolderAction::trigger() {
    QSettings s;
    const QString dir = QFileDialog::getExistingDirectory(dialogParent_, tr("Open a Xenium, Visium or Visium HD output folder, or an OME-Zarr image"),
                                                          s.value("lastOpenDir").toString());
    if (dir.isEmpty()) return;
    s.setValue("lastOpenDir", dir);
    if (const QString chosen = chooseBins(dir); !chosen.isEmpty()) open_(chosen);
}

}  // namespace hescape
