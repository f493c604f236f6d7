// File ▸ Export View as PNG or SVG: asks for a file and a resolution (1-4x
// the window's), then writes the slide view as a PNG (1x: the view as on
// screen; larger: drawn again at that resolution) or, for a .svg name, an SVG
// figure (the view as an image, scale bar and legends as vector graphics).
// Written atomically. Enabled while a slide is open.
#pragma once

#include "app/studio/actions/StudioAction.h"

class QWidget;

namespace hescape {

class SlideView;
class StudioDocument;

class ExportViewAction final : public StudioAction {
    Q_OBJECT

public:
    ExportViewAction(QWidget* dialogParent, StudioDocument* document, SlideView* view);
    // Writes the view to `path` at `scale` x; false (and failed()) when it cannot.
    bool exportTo(const QString& path, int scale = 1);

Q_SIGNALS:
    void exported(const QString& message);
    void failed(const QString& path, const QString& message);

protected:
    void trigger() override;

private:
    bool exportSvg(const QString& path, int scale);

    QWidget* dialogParent_;
    StudioDocument* document_;
    SlideView* view_;
};

}  // namespace hescape
