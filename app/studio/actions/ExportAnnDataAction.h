// File ▸ Export Data as .h5ad: asks where to write the open data set with the
// studio's additions (colouring, run embeddings) and hands the path on.
// Enabled only while a data set is open.
#pragma once

#include "app/studio/actions/StudioAction.h"

#include <functional>

class QWidget;

class ExportAnnDataAction final : public StudioAction {
    Q_OBJECT

public:
    // `datasetPath`: the open data set's path, empty when none is open.
    ExportAnnDataAction(QWidget* dialogParent, std::function<QString()> datasetPath, std::function<void(const QString&)> exportTo);

public Q_SLOTS:
    // Call when a data set opens or closes.
    void update();

protected:
    void trigger() override;

private:
    QWidget* dialogParent_;
    std::function<QString()> datasetPath_;
    std::function<void(const QString&)> exportTo_;
};
