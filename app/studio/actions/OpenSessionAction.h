// File ▸ Open Session: a file dialog for .hescape sessions, starting in the
// folder of the last one; the chosen file goes to `open`.
#pragma once

#include "app/studio/actions/StudioAction.h"

#include <functional>

class QWidget;

namespace hescape {

class OpenSessionAction final : public StudioAction {
    Q_OBJECT

public:
    OpenSessionAction(QWidget* dialogParent, std::function<void(const QString&)> open);

protected:
    void trigger() override;

private:
    QWidget* dialogParent_;
    std::function<void(const QString&)> open_;
};

}  // namespace hescape
