// One user command as a class (after ParaView's pqReaction): it owns its
// QAction, does its work in trigger(), and keeps the action's enabled state
// in step with what the command needs. Menus only add action().
#pragma once

#include <QObject>

class QAction;
class QKeySequence;

class StudioAction : public QObject {
    Q_OBJECT

public:
    StudioAction(const QString& text, const QKeySequence& shortcut, QObject* parent);
    QAction* action() const { return action_; }

protected:
    virtual void trigger() = 0;
    void setEnabled(bool enabled);

private:
    QAction* action_;
};
