// File ▸ Export Data as .h5ad: asks where to write the open data set with the
// studio's additions (the run's embeddings and its alignment) and writes it
// in the background (a TaskService job). Enabled only while a data set is open.
#pragma once

#include "app/studio/actions/StudioAction.h"

class QWidget;

namespace hescape {

class StudioDocument;
class TaskService;

class ExportAnnDataAction final : public StudioAction {
    Q_OBJECT

public:
    ExportAnnDataAction(QWidget* dialogParent, StudioDocument* document, TaskService* tasks);
    // Writes the open data set to `path`; emits exported (error empty on success).
    void exportTo(const QString& path);

Q_SIGNALS:
    void exported(const QString& path, const QString& error);

protected:
    void trigger() override;

private:
    QWidget* dialogParent_;
    StudioDocument* document_;
    TaskService* tasks_;
};

}  // namespace hescape
