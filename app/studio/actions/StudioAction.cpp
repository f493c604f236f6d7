// StudioAction: wires the QAction's triggered signal to trigger().
#include "app/studio/actions/StudioAction.h"

#include <QAction>
#include <QKeySequence>

StudioAction::StudioAction(const QString& text, const QKeySequence& shortcut, QObject* parent)
    : QObject(parent), action_(new QAction(text, this)) {
    action_->setShortcut(shortcut);
    connect(action_, &QAction::triggered, this, [this] { trigger(); });
}

void StudioAction::setEnabled(bool enabled) { action_->setEnabled(enabled); }
