// ExportAnnDataAction: the save dialog, named after the data set; the writing
// runs on a worker with the data set and run it was given (later changes to
// the document do not reach it).
#include "app/studio/actions/ExportAnnDataAction.h"

#include "app/studio/model/StudioDocument.h"
#include "app/studio/tasks/TaskService.h"
#include "core/eval/AnnDataExport.h"

#include <QAction>
#include <QFileDialog>
#include <QFileInfo>
#include <QKeySequence>
#include <QWidget>

namespace hescape {

ExportAnnDataAction::ExportAnnDataAction(QWidget* dialogParent, StudioDocument* document, TaskService* tasks)
    : StudioAction(tr("Export Data as .&h5ad\u2026"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E), dialogParent),
      dialogParent_(dialogParent),
      document_(document),
      tasks_(tasks) {
    action()->setToolTip(tr("Write the open data set, with its colouring and the run's embeddings, as AnnData"));
    enableWhile(document_, Needs::Dataset);
}

void ExportAnnDataAction::trigger() {
    if (!document_->dataset()) return;
    const QString path = QFileDialog::getSaveFileName(dialogParent_, tr("Export data as .h5ad"),
                                                      QFileInfo(document_->datasetPath()).completeBaseName() + QStringLiteral("-hescape.h5ad"),
                                                      tr("AnnData (*.h5ad)"));
    if (!path.isEmpty()) exportTo(path);
}

void ExportAnnDataAction::exportTo(const QString& path) {
    if (!document_->dataset()) return;
    tasks_->run<bool>(
        QStringLiteral("export-h5ad"), tr("Exporting %1").arg(QFileInfo(path).fileName()),
        [dataset = document_->sharedDataset(), run = document_->run(), rows = document_->runRows(), file = path.toStdString()](const Progress&) {
            AnnDataExportExtras extras;
            extras.run = run.get();
            extras.rows = rows;
            writeAnnDataExport(file, *dataset, extras);
            return true;
        },
        [this, path](TaskOutcome<bool> outcome) {
            Q_EMIT exported(path, outcome.ok() ? QString() : outcome.cancelled ? tr("%1: export cancelled").arg(path) : outcome.error);
        });
}

}  // namespace hescape
