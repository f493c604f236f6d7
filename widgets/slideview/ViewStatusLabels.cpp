// ViewStatusLabels: follows the view's cursor and view signals.
#include "widgets/slideview/ViewStatusLabels.h"

#include "core/slide/Slide.h"
#include "widgets/slideview/SlideView.h"

#include <QLabel>

#include <cmath>

namespace hescape {

ViewStatusLabels::ViewStatusLabels(SlideView* view, QObject* parent)
    : QObject(parent), view_(view), position_(new QLabel), zoom_(new QLabel) {
    position_->setMinimumWidth(360);
    connect(view_, &SlideView::cursorMoved, this, &ViewStatusLabels::showCursor);
    connect(view_, &SlideView::cursorLeft, position_, &QLabel::clear);
    connect(view_, &SlideView::viewChanged, this, &ViewStatusLabels::updateZoom);
}

void ViewStatusLabels::updateZoom() {
    const Slide* slide = view_->slide();
    if (!slide) return zoom_->clear();
    const double zoom = 1.0 / view_->downsample();
    QString text = tr("zoom %1% \u00B7 level %2").arg(zoom * 100.0, 0, 'f', zoom < 0.1 ? 2 : 1).arg(view_->targetLevel());
    if (const auto p = slide->objectivePower()) text += tr(" \u00B7 %1\u00D7").arg(*p * zoom, 0, 'f', 1);
    zoom_->setText(text);
}

void ViewStatusLabels::showCursor(QPointF p, bool inside) {
    if (!inside) return position_->setText(tr("outside the slide"));
    QString text = tr("x %1, y %2 px").arg(std::floor(p.x()), 0, 'f', 0).arg(std::floor(p.y()), 0, 'f', 0);
    if (const auto mpp = view_->slide()->micronsPerPixel())
        text += tr("  \u00B7  %1, %2 \u00B5m").arg(p.x() * mpp->x, 0, 'f', 1).arg(p.y() * mpp->y, 0, 'f', 1);
    position_->setText(text);
}

}  // namespace hescape
