// VtkGLWidget: the QOpenGLWidget <-> vtkGenericOpenGLRenderWindow adapter.
// The three details that make it work (each found the hard way, docs/stack.md
// §5.1): the context switch VTK asks for must not go through
// QOpenGLWidget::makeCurrent(); VTK's GL state cache is reset before each
// render; the picture is blitted from VTK's display framebuffer.
#include "widgets/vtk/VtkGLWidget.h"

#include <QMouseEvent>
#include <QOpenGLContext>
#include <QOpenGLExtraFunctions>
#include <QWheelEvent>

// vtk_glew.h must not be included here: Qt's qopengl.h has already pulled in
// GL/gl.h and GLEW would #error. These three headers do not pull GLEW in.
#include <vtkCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkNew.h>
#include <vtkOpenGLFramebufferObject.h>
#include <vtkOpenGLState.h>

namespace hescape {

VtkGLWidget::VtkGLWidget(QWidget* parent)
    : QOpenGLWidget(parent),
      renderWindow_(vtkSmartPointer<vtkGenericOpenGLRenderWindow>::New()),
      interactor_(vtkSmartPointer<vtkGenericRenderWindowInteractor>::New()) {
    setFocusPolicy(Qt::StrongFocus);
    setUpdateBehavior(QOpenGLWidget::NoPartialUpdate);
    setMouseTracking(true);

    // Qt owns the context; VTK renders only into its own FBOs and we blit.
    renderWindow_->SetReadyForRendering(false);
    renderWindow_->SetFrameBlitModeToNoBlit();
    // VTK's default is 8x MSAA on its own framebuffers (4x on Mesa llvmpipe).
    // Under software GL that multiplies every frame's cost (see bench/README.md);
    // subclasses that want smoothing can raise it.
    renderWindow_->SetMultiSamples(0);
    renderWindow_->AddObserver(vtkCommand::WindowMakeCurrentEvent, this, &VtkGLWidget::onRenderWindowEvent);
    renderWindow_->AddObserver(vtkCommand::WindowIsCurrentEvent, this, &VtkGLWidget::onRenderWindowEvent);
    renderWindow_->AddObserver(vtkCommand::WindowFrameEvent, this, &VtkGLWidget::onRenderWindowEvent);

    // The interactor never renders by itself: it asks Qt for a repaint.
    interactor_->SetRenderWindow(renderWindow_);
    interactor_->EnableRenderOff();
    interactor_->AddObserver(vtkCommand::RenderEvent, this, &VtkGLWidget::onInteractorRender);
    vtkNew<vtkInteractorStyleTrackballCamera> style;
    interactor_->SetInteractorStyle(style);
    interactor_->Initialize();
}

VtkGLWidget::~VtkGLWidget() {
    // QOpenGLWidget's destructor destroys the context after this one has run;
    // its aboutToBeDestroyed must not reach a half-destroyed VtkGLWidget.
    disconnect(contextConnection_);
    if (glInitialized_) {
        makeCurrent();
        cleanupContext();
        doneCurrent();
    }
    // The observers hold a raw `this`; the window and interactor may outlive
    // us if someone else still references them.
    renderWindow_->RemoveAllObservers();
    interactor_->RemoveAllObservers();
}

vtkGenericOpenGLRenderWindow* VtkGLWidget::renderWindow() const { return renderWindow_; }
vtkGenericRenderWindowInteractor* VtkGLWidget::interactor() const { return interactor_; }

void VtkGLWidget::requestRender() {
    needRender_ = true;
    update();
}

void VtkGLWidget::onRenderWindowEvent(vtkObject*, unsigned long eventId, void* callData) {
    switch (eventId) {
        case vtkCommand::WindowMakeCurrentEvent:
            // Not QOpenGLWidget::makeCurrent(): that re-binds the widget's FBO
            // behind vtkOpenGLState's cache, VTK then attaches its textures to
            // Qt's FBO and the widget stays blank (docs/stack.md §5.1).
            if (context_ && QOpenGLContext::currentContext() != context_) context_->makeCurrent(surface_);
            break;
        case vtkCommand::WindowIsCurrentEvent:
            *static_cast<bool*>(callData) =
                context_ && QOpenGLContext::currentContext() == context_ && context_->surface() == surface_;
            break;
        case vtkCommand::WindowFrameEvent:
            // Someone called Render() outside paintGL: the frame sits in VTK's
            // display FBO already, so only a blit is needed.
            if (!inPaint_) {
                needRender_ = false;
                update();
            }
            break;
        default:
            break;
    }
}

void VtkGLWidget::onInteractorRender(vtkObject*, unsigned long, void*) { requestRender(); }

void VtkGLWidget::initializeGL() {
    // A new context (first show, or re-created after reparenting): VTK's GL
    // objects belonged to the old one.
    disconnect(contextConnection_);
    contextConnection_ = connect(context(), &QOpenGLContext::aboutToBeDestroyed, this, [this] {
        makeCurrent();
        cleanupContext();
        doneCurrent();
    });
    context_ = context();
    surface_ = context()->surface();
    renderWindow_->SetOwnContext(0);
    renderWindow_->SetForceMaximumHardwareLineWidth(1);
    renderWindow_->SetReadyForRendering(true);
    renderWindow_->OpenGLInitContext();  // glewInit and VTK's state setup on Qt's current context
    glInitialized_ = true;
    needRender_ = true;
}

void VtkGLWidget::resizeGL(int w, int h) {
    const qreal dpr = devicePixelRatioF();
    const int dw = qRound(w * dpr), dh = qRound(h * dpr);
    interactor_->UpdateSize(dw, dh);  // also resizes the render window
    renderWindow_->SetSize(dw, dh);
    needRender_ = true;
}

void VtkGLWidget::paintGL() {
    if (!glInitialized_) return;
    vtkOpenGLState* state = renderWindow_->GetState();
    // Qt changes GL state behind VTK's back: resync VTK's cache first.
    state->Reset();
    state->Push();
    state->vtkglDepthFunc(GL_LEQUAL);  // Qt leaves GL_LESS; VTK expects GL_LEQUAL

    if (needRender_) {
        inPaint_ = true;
        renderWindow_->Render();  // into VTK's own render/display FBOs
        inPaint_ = false;
        needRender_ = false;
    }

    makeCurrent();  // Render() may have switched contexts (other VTK widgets)
    QOpenGLExtraFunctions* f = context()->extraFunctions();
    const QSize deviceSize = size() * devicePixelRatioF();

    f->glBindFramebuffer(GL_DRAW_FRAMEBUFFER, defaultFramebufferObject());
    const GLenum buffers[1] = {GL_COLOR_ATTACHMENT0};
    f->glDrawBuffers(1, buffers);
    const GLboolean scissor = f->glIsEnabled(GL_SCISSOR_TEST);
    if (scissor) {
        state->vtkglDisable(GL_SCISSOR_TEST);
        f->glDisable(GL_SCISSOR_TEST);
    }
    const int* renderSize = renderWindow_->GetRenderFramebuffer()->GetLastSize();
    renderWindow_->BlitDisplayFramebuffer(0, 0, 0, renderSize[0], renderSize[1], 0, 0, deviceSize.width(),
                                          deviceSize.height(), GL_COLOR_BUFFER_BIT, GL_LINEAR);

    // Alpha to 1: otherwise the compositor blends the widget with what is behind it.
    GLboolean mask[4];
    f->glGetBooleanv(GL_COLOR_WRITEMASK, mask);
    f->glColorMask(GL_FALSE, GL_FALSE, GL_FALSE, GL_TRUE);
    GLfloat clear[4];
    f->glGetFloatv(GL_COLOR_CLEAR_VALUE, clear);
    f->glClearColor(0.f, 0.f, 0.f, 1.f);
    f->glClear(GL_COLOR_BUFFER_BIT);
    f->glColorMask(mask[0], mask[1], mask[2], mask[3]);
    f->glClearColor(clear[0], clear[1], clear[2], clear[3]);

    if (scissor) {
        state->vtkglEnable(GL_SCISSOR_TEST);
        f->glEnable(GL_SCISSOR_TEST);
    }
    state->Pop();
}

void VtkGLWidget::cleanupContext() {
    if (!glInitialized_) return;
    renderWindow_->ReleaseGraphicsResources(renderWindow_);  // while the context is current
    renderWindow_->Finalize();
    renderWindow_->SetReadyForRendering(false);
    glInitialized_ = false;
    context_ = nullptr;
    surface_ = nullptr;
}

// Minimal forwarding (QVTKInteractorAdapter does more: keys, enter/leave).
void VtkGLWidget::forwardMouse(QMouseEvent* e, unsigned long vtkEvent) {
    const qreal dpr = devicePixelRatioF();
    const QPointF p = e->position();
    interactor_->SetEventInformationFlipY(qRound(p.x() * dpr), qRound(p.y() * dpr),
                                          (e->modifiers() & Qt::ControlModifier) ? 1 : 0,
                                          (e->modifiers() & Qt::ShiftModifier) ? 1 : 0);
    interactor_->InvokeEvent(vtkEvent, e);
}

void VtkGLWidget::mousePressEvent(QMouseEvent* e) {
    switch (e->button()) {
        case Qt::LeftButton: forwardMouse(e, vtkCommand::LeftButtonPressEvent); break;
        case Qt::MiddleButton: forwardMouse(e, vtkCommand::MiddleButtonPressEvent); break;
        case Qt::RightButton: forwardMouse(e, vtkCommand::RightButtonPressEvent); break;
        default: break;
    }
}

void VtkGLWidget::mouseReleaseEvent(QMouseEvent* e) {
    switch (e->button()) {
        case Qt::LeftButton: forwardMouse(e, vtkCommand::LeftButtonReleaseEvent); break;
        case Qt::MiddleButton: forwardMouse(e, vtkCommand::MiddleButtonReleaseEvent); break;
        case Qt::RightButton: forwardMouse(e, vtkCommand::RightButtonReleaseEvent); break;
        default: break;
    }
}

void VtkGLWidget::mouseMoveEvent(QMouseEvent* e) { forwardMouse(e, vtkCommand::MouseMoveEvent); }

void VtkGLWidget::wheelEvent(QWheelEvent* e) {
    const qreal dpr = devicePixelRatioF();
    const QPointF p = e->position();
    interactor_->SetEventInformationFlipY(qRound(p.x() * dpr), qRound(p.y() * dpr));
    interactor_->InvokeEvent(
        e->angleDelta().y() > 0 ? vtkCommand::MouseWheelForwardEvent : vtkCommand::MouseWheelBackwardEvent, e);
}

}  // namespace hescape
