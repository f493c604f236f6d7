// File ▸ Save Session (to the file last saved or opened; the first time it
// asks like Save As) and Save Session As. Enabled while a slide is open: a
// session starts from a slide.
#pragma once

#include "app/studio/actions/StudioAction.h"

class QWidget;

namespace hescape {

class SessionController;
class StudioDocument;

class SaveSessionAction final : public StudioAction {
    Q_OBJECT

public:
    enum class Mode { Save, SaveAs };
    SaveSessionAction(Mode mode, QWidget* dialogParent, StudioDocument* document, SessionController* sessions);

protected:
    void trigger() override;

private:
    Mode mode_;
    QWidget* dialogParent_;
    StudioDocument* document_;
    SessionController* sessions_;
};

}  // namespace hescape
