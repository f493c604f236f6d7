// Slide ▸ Data Set Images: the images of the open Visium or Visium HD data set
// that can be its slide (tissue hires and lowres images, and the CytAssist
// image where its map is known: visiumSlideImages), one entry each; picking
// one opens it as the slide, and the data set follows as its companion. An
// image the spots cannot be placed on is listed disabled, with the reason as
// its tooltip. Enabled while the open data set has such images.
#pragma once

#include "app/studio/actions/StudioAction.h"

class QMenu;
class QWidget;

namespace hescape {

class DocumentLoader;

class DatasetImagesAction final : public StudioAction {
    Q_OBJECT

public:
    DatasetImagesAction(QWidget* parent, StudioDocument* document, DocumentLoader* loader);
    QMenu* menu() const { return menu_; }

protected:
    void trigger() override {}  // a submenu: its entries do the work

private:
    void rebuild();

    StudioDocument* document_;
    DocumentLoader* loader_;
    QMenu* menu_;
};

}  // namespace hescape
