// ViewActions: navigation goes straight to the view; overlays through the document.
#include "app/studio/actions/ViewActions.h"

#include "app/studio/model/StudioDocument.h"
#include "widgets/slideview/SlideView.h"

#include <QAction>
#include <QKeySequence>

namespace hescape {

ViewNavigationAction::ViewNavigationAction(const QString& text, const QKeySequence& shortcut, StudioDocument* document,
                                           SlideView* view, std::function<void(SlideView&)> apply, QObject* parent)
    : StudioAction(text, shortcut, parent), view_(view), apply_(std::move(apply)) {
    enableWhile(document, Needs::Slide);
}

void ViewNavigationAction::trigger() { apply_(*view_); }

OverlayToggleAction::OverlayToggleAction(Overlay overlay, StudioDocument* document, SlideView* view, QObject* parent)
    : StudioAction(overlay == Overlay::Minimap ? tr("Show &Minimap") : tr("Show &Scale Bar"),
                   QKeySequence(overlay == Overlay::Minimap ? Qt::Key_M : Qt::Key_B), parent),
      overlay_(overlay),
      document_(document),
      view_(view) {
    action()->setCheckable(true);
    connect(document_, &StudioDocument::overlaysChanged, this, &OverlayToggleAction::follow);
    follow();
}

void OverlayToggleAction::trigger() {
    const bool on = action()->isChecked();  // already toggled by the click
    const ViewState& v = document_->view();
    document_->setOverlays(overlay_ == Overlay::Minimap ? on : v.minimap, overlay_ == Overlay::ScaleBar ? on : v.scaleBar);
}

void OverlayToggleAction::follow() {
    const bool on = overlay_ == Overlay::Minimap ? document_->view().minimap : document_->view().scaleBar;
    action()->setChecked(on);
    if (overlay_ == Overlay::Minimap) view_->setMinimapVisible(on);
    else view_->setScaleBarVisible(on);
}

}  // namespace hescape
