// A transparent raster child widget that paints on top of a GL view (legends,
// scale bars, lassos, hover rings) through a callback. QWidget::grab() of a
// QOpenGLWidget in Qt 6.4 drops QPainter drawing done inside paintGL, so
// overlays drawn there vanish from exported images and screenshots; a child
// widget is composited on screen and in grabs. It lets mouse events through.
#pragma once

#include <QPainter>
#include <QWidget>

#include <functional>
#include <utility>

namespace hescape {

class PaintOverlay : public QWidget {
public:
    PaintOverlay(QWidget* view, std::function<void(QPainter&)> paint) : QWidget(view), paint_(std::move(paint)) {
        setAttribute(Qt::WA_TransparentForMouseEvents);
        setAttribute(Qt::WA_NoSystemBackground);
        setAttribute(Qt::WA_TranslucentBackground);
    }

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing);
        paint_(p);
    }

private:
    std::function<void(QPainter&)> paint_;
};

}  // namespace hescape
