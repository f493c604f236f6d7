// CompareRunsAction: the dialog deletes itself when closed.
#include "app/studio/actions/CompareRunsAction.h"

#include "app/studio/RunComparisonDialog.h"
#include "app/studio/model/StudioDocument.h"

#include <QFileInfo>
#include <QKeySequence>
#include <QWidget>

namespace hescape {

CompareRunsAction::CompareRunsAction(QWidget* dialogParent, StudioDocument* document, TaskService* tasks)
    : StudioAction(tr("Com&pare Runs\u2026"), QKeySequence(), dialogParent), dialogParent_(dialogParent), document_(document), tasks_(tasks) {
    action()->setToolTip(tr("Two runs' metrics side by side, or several runs' methods as mean ± sd over seeds"));
}

RunComparisonDialog* CompareRunsAction::showDialog() {
    QStringList runs = RunComparisonDialog::savedRuns();
    if (!document_->runPath().isEmpty()) {
        const QString open = QFileInfo(document_->runPath()).absoluteFilePath();
        runs.removeAll(open);
        runs.prepend(open);
    }
    auto* dialog = new RunComparisonDialog(runs, tasks_, dialogParent_);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
    return dialog;
}

}  // namespace hescape
