// OpenActions: dialogs and remembered folders; the loading is DocumentLoader's.
#include "app/studio/actions/OpenActions.h"

#include "app/studio/DocumentLoader.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QKeySequence>
#include <QSettings>
#include <QWidget>

namespace hescape {

namespace {
// A file dialog starting in the folder remembered under `key`, which it updates.
QString pickFile(QWidget* parent, const QString& title, const QString& key, const QString& filter) {
    QSettings s;
    const QString path = QFileDialog::getOpenFileName(parent, title, s.value(key).toString(), filter);
    if (!path.isEmpty()) s.setValue(key, QFileInfo(path).absolutePath());
    return path;
}
}  // namespace

OpenSlideAction::OpenSlideAction(QWidget* dialogParent, DocumentLoader* loader)
    : StudioAction(tr("&Open Slide\u2026"), QKeySequence::Open, dialogParent), dialogParent_(dialogParent), loader_(loader) {
    action()->setToolTip(tr("Open a whole-slide image, an OME-TIFF or an OME-Zarr image"));
}

QString OpenSlideAction::fileFilter() {
    return tr("Slides and images (*.svs *.tif *.tiff *.ndpi *.vms *.vmu *.scn *.mrxs *.svslide *.bif *.png *.jpg *.jpeg);;"
              "OME-Zarr image (zarr.json .zattrs .zgroup);;"
              "All files (*)");
}

void OpenSlideAction::trigger() {
    const QString path = pickFile(dialogParent_, tr("Open slide"), QStringLiteral("lastOpenDir"), fileFilter());
    if (!path.isEmpty()) loader_->openSlide(path);
}

OpenDatasetAction::OpenDatasetAction(QWidget* dialogParent, DocumentLoader* loader)
    : StudioAction(tr("Open &Spatial Data\u2026"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), dialogParent),
      dialogParent_(dialogParent),
      loader_(loader) {
    action()->setToolTip(tr("Open spots or cells with their expression (AnnData, 10x Visium or Xenium, ST)"));
}

void OpenDatasetAction::trigger() {
    const QString path = pickFile(dialogParent_, tr("Open spatial data"), QStringLiteral("lastDatasetDir"),
                                  tr("Spatial data (*.h5ad *.h5 *_counts.tsv *_counts.tsv.gz);;All files (*)"));
    if (!path.isEmpty()) loader_->openDataset(path);
}

OpenRunAction::OpenRunAction(QWidget* dialogParent, DocumentLoader* loader)
    : StudioAction(tr("Open Run &Results\u2026"), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_O), dialogParent),
      dialogParent_(dialogParent),
      loader_(loader) {
    action()->setToolTip(tr("Open a training run's results (embeddings and metrics) for the similarity maps"));
}

void OpenRunAction::trigger() {
    const QString path = pickFile(dialogParent_, tr("Open run results"), QStringLiteral("lastRunDir"),
                                  tr("Run results (*.h5 *.hdf5);;All files (*)"));
    if (!path.isEmpty()) loader_->openRun(path);
}

}  // namespace hescape
