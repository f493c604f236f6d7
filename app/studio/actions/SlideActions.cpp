// SlideActions: the pixel size is the slide's; the registration the document's.
#include "app/studio/actions/SlideActions.h"

#include "app/studio/RegistrationDialog.h"
#include "app/studio/model/StudioDocument.h"
#include "core/slide/Slide.h"

#include <QInputDialog>
#include <QKeySequence>
#include <QWidget>

namespace hescape {

SetMicronsPerPixelAction::SetMicronsPerPixelAction(QWidget* dialogParent, StudioDocument* document)
    : StudioAction(tr("Set &Microns per Pixel\u2026"), QKeySequence(), dialogParent), dialogParent_(dialogParent), document_(document) {
    action()->setToolTip(tr("Set the slide's pixel size when its file does not record it"));
    enableWhile(document_, Needs::Slide);
}

void SetMicronsPerPixelAction::trigger() {
    Slide* slide = document_->slide().get();
    if (!slide) return;
    const auto current = slide->micronsPerPixel();
    bool ok = false;
    const double v = QInputDialog::getDouble(dialogParent_, tr("Microns per pixel"),
                                             tr("Microns per level-0 pixel (e.g. 0.25 at 40\u00D7, 0.5 at 20\u00D7):"),
                                             current ? current->x : 0.5, 0.001, 1000.0, 4, &ok);
    if (!ok) return;
    slide->setMicronsPerPixel(MicronsPerPixel{v, v});
    document_->notifySlideEdited();
}

RegisterLandmarksAction::RegisterLandmarksAction(QWidget* dialogParent, StudioDocument* document, SlideView* view)
    : StudioAction(tr("&Register Data Set by Landmarks\u2026"), QKeySequence(Qt::CTRL | Qt::Key_R), dialogParent),
      dialogParent_(dialogParent),
      document_(document),
      view_(view) {
    action()->setToolTip(tr("Place the data set on the slide by pairs of matching points"));
    enableWhile(document_, Needs::Dataset);
}

void RegisterLandmarksAction::trigger() {
    if (!document_->dataset()) return;
    auto* dialog = new RegistrationDialog(document_, view_, dialogParent_);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &RegistrationDialog::applied, this, &RegisterLandmarksAction::registered);
    dialog->show();
}

}  // namespace hescape
