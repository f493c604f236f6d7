// The OpenGL surface every HEScape window uses: desktop GL 3.2 core (what
// VTK's Qt widgets ask for, docs/stack.md §5.14), no multisampling so that
// framebuffers can be read back. Call before QApplication is constructed.
#pragma once

#include <QSurfaceFormat>

namespace hescape {

inline void setDefaultGlSurfaceFormat() {
    QSurfaceFormat fmt;
    fmt.setRenderableType(QSurfaceFormat::OpenGL);
    fmt.setVersion(3, 2);
    fmt.setProfile(QSurfaceFormat::CoreProfile);
    fmt.setRedBufferSize(8);
    fmt.setGreenBufferSize(8);
    fmt.setBlueBufferSize(8);
    fmt.setAlphaBufferSize(8);
    fmt.setDepthBufferSize(24);
    fmt.setSamples(0);
    QSurfaceFormat::setDefaultFormat(fmt);
}

}  // namespace hescape
