// The View menu's commands on the slide view: Fit to Window, Actual Pixels,
// Zoom In and Out (enabled while a slide is open), and the minimap and scale
// bar toggles, whose state is the document's (sessions restore it) and the
// view follows.
#pragma once

#include "app/studio/actions/StudioAction.h"

#include <functional>

class QKeySequence;

namespace hescape {

class SlideView;
class StudioDocument;

// One navigation command: `apply` on the view.
class ViewNavigationAction final : public StudioAction {
    Q_OBJECT

public:
    ViewNavigationAction(const QString& text, const QKeySequence& shortcut, StudioDocument* document, SlideView* view,
                         std::function<void(SlideView&)> apply, QObject* parent);

protected:
    void trigger() override;

private:
    SlideView* view_;
    std::function<void(SlideView&)> apply_;
};

// Show Minimap (M) or Show Scale Bar (B): checkable, in step with the document.
class OverlayToggleAction final : public StudioAction {
    Q_OBJECT

public:
    enum class Overlay { Minimap, ScaleBar };
    OverlayToggleAction(Overlay overlay, StudioDocument* document, SlideView* view, QObject* parent);

protected:
    void trigger() override;

private:
    void follow();

    Overlay overlay_;
    StudioDocument* document_;
    SlideView* view_;
};

}  // namespace hescape
