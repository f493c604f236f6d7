// OpenFolderAction: a folder dialog starting where the last slide was opened.
#include "app/studio/actions/OpenFolderAction.h"

#include "core/spatial/HestSample.h"
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
    action()->setToolTip(tr("Open a Xenium, Visium, Visium HD or HEST-1k folder, or an OME-Zarr image folder"));
}

QString OpenFolderAction::chooseSample(const QString& dir) const {
    const auto ids = hestSampleIds(dir.toStdString());
    if (ids.size() < 2) return chooseBins(dir);
    QStringList items;
    for (const auto& id : ids) {
        const HestSample s = readHestSample(dir.toStdString(), id);
        items << tr("%1 (%2%3)").arg(QString::fromStdString(id), QString::fromStdString(s.technology.empty() ? "HEST" : s.technology),
                                     s.patient.empty() ? QString() : tr(", patient %1").arg(QString::fromStdString(s.patient)));
    }
    bool ok = false;
    const QString item = QInputDialog::getItem(dialogParent_, tr("HEST-1k sample"), tr("Sample to open:"), items, 0, false, &ok);
    if (!ok) return {};
    return QString::fromStdString(hestSampleFiles(dir.toStdString(), ids[static_cast<std::size_t>(items.indexOf(item))]).slide);
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
    const QString dir = QFileDialog::getExistingDirectory(dialogParent_, tr("Open a Xenium, Visium, Visium HD or HEST-1k folder, or an OME-Zarr image"),
                                                          s.value("lastOpenDir").toString());
    if (dir.isEmpty()) return;
    s.setValue("lastOpenDir", dir);
        try {
        if (const QString chosen = chooseSample(dir); !chosen.isEmpty()) open_(chosen);
    } catch (const std::exception&) {
        open_(dir);  // a malformed sample: the loader says what is wrong with it
    }
}

}  // namespace hescape
