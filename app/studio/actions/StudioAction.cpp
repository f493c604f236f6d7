// StudioAction: wires the QAction's triggered signal to trigger().
#include "app/studio/actions/StudioAction.h"

#include "app/studio/model/StudioDocument.h"

#include <QAction>
#include <QKeySequence>

namespace hescape {

StudioAction::StudioAction(const QString& text, const QKeySequence& shortcut, QObject* parent)
    : QObject(parent), action_(new QAction(text, this)) {
    action_->setShortcut(shortcut);
    connect(action_, &QAction::triggered, this, [this] { trigger(); });
}

void StudioAction::setEnabled(bool enabled) { action_->setEnabled(enabled); }

void StudioAction::enableWhile(const StudioDocument* document, Needs needs) {
    const auto update = [this, document, needs] {
        setEnabled(needs == Needs::Slide ? document->slide() != nullptr : document->dataset() != nullptr);
    };
    // A new slide closes the data set: both signals matter for both needs.
    connect(document, &StudioDocument::slideChanged, this, update);
    connect(document, &StudioDocument::datasetChanged, this, update);
    update();
}

}  // namespace hescape
