// File ▸ Compare Runs: a non-modal dialog with two runs' metrics side by
// side; the open run first in its list of known runs.
#pragma once

#include "app/studio/actions/StudioAction.h"

class QWidget;

namespace hescape {

class RunComparisonDialog;
class StudioDocument;
class TaskService;

class CompareRunsAction final : public StudioAction {
    Q_OBJECT

public:
    CompareRunsAction(QWidget* dialogParent, StudioDocument* document, TaskService* tasks);
    RunComparisonDialog* showDialog();

protected:
    void trigger() override { showDialog(); }

private:
    QWidget* dialogParent_;
    StudioDocument* document_;
    TaskService* tasks_;
};

}  // namespace hescape
