// VtkGLWidget: hosts a VTK 9.1 vtkGenericOpenGLRenderWindow in a Qt 6
// QOpenGLWidget. Debian's QVTKOpenGLNativeWidget is built against Qt 5, so
// this mirrors what it and QVTKRenderWindowAdapter do (docs/stack.md §5.1):
// Qt owns the context, VTK renders into its own framebuffers and the result
// is blitted into the widget's framebuffer in paintGL.
// Needs the surface format from hescape::setDefaultGlSurfaceFormat() (set
// before QApplication) and an X display with GLX (xcb; never "offscreen").
#pragma once

#include <QMetaObject>
#include <QOpenGLWidget>

#include <vtkSmartPointer.h>

class vtkGenericOpenGLRenderWindow;
class vtkGenericRenderWindowInteractor;
class vtkObject;
class QOpenGLContext;
class QSurface;

namespace hescape {

class VtkGLWidget : public QOpenGLWidget {
    Q_OBJECT
public:
    explicit VtkGLWidget(QWidget* parent = nullptr);
    ~VtkGLWidget() override;

    vtkGenericOpenGLRenderWindow* renderWindow() const;
    // Receives the Qt mouse events this widget forwards (see forwardMouse);
    // its interactor style decides what they do to the camera.
    vtkGenericRenderWindowInteractor* interactor() const;

    // Marks the VTK scene as changed and schedules a repaint; the render
    // happens in the next paintGL (never outside Qt's paint cycle).
    void requestRender();

protected:
    void initializeGL() override;
    void resizeGL(int w, int h) override;
    void paintGL() override;

    void mousePressEvent(QMouseEvent* e) override;
    void mouseReleaseEvent(QMouseEvent* e) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void wheelEvent(QWheelEvent* e) override;

    // Hands a Qt mouse event to the VTK interactor as `vtkEvent` (device
    // pixels, y flipped to VTK's bottom-left origin).
    void forwardMouse(QMouseEvent* e, unsigned long vtkEvent);

private:
    void cleanupContext();
    void onRenderWindowEvent(vtkObject* caller, unsigned long eventId, void* callData);
    void onInteractorRender(vtkObject* caller, unsigned long eventId, void* callData);

    vtkSmartPointer<vtkGenericOpenGLRenderWindow> renderWindow_;
    vtkSmartPointer<vtkGenericRenderWindowInteractor> interactor_;
    QOpenGLContext* context_ = nullptr;  // Qt's context, captured in initializeGL (owned by Qt)
    QSurface* surface_ = nullptr;
    QMetaObject::Connection contextConnection_;
    bool inPaint_ = false;
    bool needRender_ = true;
    bool glInitialized_ = false;
};

}  // namespace hescape
