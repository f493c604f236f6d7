// The Slide menu: Set Microns per Pixel (for slides whose files do not say;
// enabled while a slide is open) and Register Data Set by Landmarks (the
// RegistrationDialog; enabled while a data set is open).
#pragma once

#include "app/studio/actions/StudioAction.h"

class QWidget;

namespace hescape {

class SlideView;
class StudioDocument;

class SetMicronsPerPixelAction final : public StudioAction {
    Q_OBJECT

public:
    SetMicronsPerPixelAction(QWidget* dialogParent, StudioDocument* document);

protected:
    void trigger() override;

private:
    QWidget* dialogParent_;
    StudioDocument* document_;
};

class RegisterLandmarksAction final : public StudioAction {
    Q_OBJECT

public:
    RegisterLandmarksAction(QWidget* dialogParent, StudioDocument* document, SlideView* view);

Q_SIGNALS:
    void registered(const QString& summary);

protected:
    void trigger() override;

private:
    QWidget* dialogParent_;
    StudioDocument* document_;
    SlideView* view_;
};

}  // namespace hescape
