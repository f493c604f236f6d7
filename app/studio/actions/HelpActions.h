// The Help menu's two commands: the keyboard shortcuts table and About
// (version, what it is built with). Both only show a message box.
#pragma once

#include "app/studio/actions/StudioAction.h"

class QWidget;

namespace hescape {

class ShortcutsAction final : public StudioAction {
    Q_OBJECT

public:
    explicit ShortcutsAction(QWidget* dialogParent);
    // The table the dialog shows (HTML).
    static QString shortcutsTable();

protected:
    void trigger() override;

private:
    QWidget* dialogParent_;
};

class AboutAction final : public StudioAction {
    Q_OBJECT

public:
    explicit AboutAction(QWidget* dialogParent);
    static QString aboutText();

protected:
    void trigger() override;

private:
    QWidget* dialogParent_;
};

}  // namespace hescape
