// Draws spots or cells on the slide with instanced quads: one GPU buffer for
// positions (uploaded when the data set or transform changes), one for values
// (uploaded when the gene changes), and the colormap as a 256-texel texture
// (style changes re-upload nothing but uniforms). Works for a million points.
#pragma once

#include "core/render/Colormap.h"

#include <QOpenGLBuffer>
#include <QOpenGLExtraFunctions>
#include <QOpenGLShaderProgram>
#include <QOpenGLVertexArrayObject>
#include <QPointF>
#include <QSizeF>

#include <vector>

namespace hescape {

struct SpotStyle {
    ColormapId colormap = ColormapId::Viridis;
    float vmin = 0.0f;
    float vmax = 1.0f;
    float opacity = 0.85f;
    bool outline = false;
    bool visible = true;
};

class SpotOverlayRenderer {
public:
    // xy: level-0 slide pixels, interleaved; radius in level-0 px.
    // `square`: square bins of side 2 x radius, their columns at `angle`
    // radians from the x axis (Visium HD); else discs.
    void setPositions(std::vector<float> xy, float radius, bool square = false, float angle = 0.0f);
    void setValues(std::vector<float> values);
    void setStyle(const SpotStyle& style);
    const SpotStyle& style() const { return style_; }
    std::size_t count() const { return xy_.size() / 2; }
    float radius() const { return radius_; }
    bool square() const { return square_; }
    float angle() const { return angle_; }
    const std::vector<float>& positions() const { return xy_; }
    const std::vector<float>& values() const { return values_; }

    // Needs the widget's context current.
    bool initialize(QOpenGLExtraFunctions* gl);
    void paint(QOpenGLExtraFunctions* gl, QSizeF viewport, QPointF viewCenter, double downsample);
    void release();

private:
    std::vector<float> xy_;
    std::vector<float> values_;
    float radius_ = 1.0f;
    bool square_ = false;
    float angle_ = 0.0f;
    SpotStyle style_;
    bool positionsDirty_ = true;
    bool valuesDirty_ = true;
    bool colormapDirty_ = true;

    QOpenGLShaderProgram program_;
    QOpenGLVertexArrayObject vao_;
    QOpenGLBuffer cornerBuffer_{QOpenGLBuffer::VertexBuffer};
    QOpenGLBuffer positionBuffer_{QOpenGLBuffer::VertexBuffer};
    QOpenGLBuffer valueBuffer_{QOpenGLBuffer::VertexBuffer};
    GLuint colormapTexture_ = 0;
    bool ready_ = false;
};

}  // namespace hescape
