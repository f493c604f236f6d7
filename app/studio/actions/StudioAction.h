// One user command as a class (after ParaView's pqReaction): it owns its
// QAction, does its work in trigger(), and keeps the action's enabled state
// in step with what the command needs. Menus only add action().
#pragma once

#include <QObject>

class QAction;
class QKeySequence;

namespace hescape {

class StudioDocument;

class StudioAction : public QObject {
    Q_OBJECT

public:
    StudioAction(const QString& text, const QKeySequence& shortcut, QObject* parent);
    QAction* action() const { return action_; }

protected:
    // What a command needs open in the document to run.
    enum class Needs { Slide, Dataset };

    virtual void trigger() = 0;
    void setEnabled(bool enabled);
    // Keeps the action enabled exactly while the document has what it needs.
    void enableWhile(const StudioDocument* document, Needs needs);

private:
    QAction* action_;
};

}  // namespace hescape
