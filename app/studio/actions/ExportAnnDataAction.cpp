// ExportAnnDataAction: the save dialog, named after the data set.
#include "app/studio/actions/ExportAnnDataAction.h"

#include <QAction>
#include <QFileDialog>
#include <QFileInfo>
#include <QKeySequence>
#include <QWidget>

ExportAnnDataAction::ExportAnnDataAction(QWidget* dialogParent, std::function<QString()> datasetPath,
                                         std::function<void(const QString&)> exportTo)
    : StudioAction(tr("Export Data as .&h5ad\u2026"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E), dialogParent),
      dialogParent_(dialogParent),
      datasetPath_(std::move(datasetPath)),
      exportTo_(std::move(exportTo)) {
    action()->setToolTip(tr("Write the open data set, with its colouring and the run's embeddings, as AnnData"));
    update();
}

void ExportAnnDataAction::update() { setEnabled(!datasetPath_().isEmpty()); }

void ExportAnnDataAction::trigger() {
    const QString dataset = datasetPath_();
    if (dataset.isEmpty()) return;
    const QString path = QFileDialog::getSaveFileName(dialogParent_, tr("Export data as .h5ad"),
                                                      QFileInfo(dataset).completeBaseName() + QStringLiteral("-hescape.h5ad"),
                                                      tr("AnnData (*.h5ad)"));
    if (!path.isEmpty()) exportTo_(path);
}
