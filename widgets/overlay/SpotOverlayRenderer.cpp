// SpotOverlayRenderer: buffers and the instanced draw. Attribute divisors make
// `center` and `value` advance per instance while `corner` walks the quad.
#include "widgets/overlay/SpotOverlayRenderer.h"

#include <QVector2D>

#include <cmath>
#include <limits>

namespace hescape {

void SpotOverlayRenderer::setPositions(std::vector<float> xy, float radius, bool square, float angle) {
    square_ = square;
    angle_ = angle;
    xy_ = std::move(xy);
    radius_ = radius;
    positionsDirty_ = true;
    if (values_.size() != count()) {
        values_.assign(count(), std::numeric_limits<float>::quiet_NaN());
        valuesDirty_ = true;
    }
}

void SpotOverlayRenderer::setValues(std::vector<float> values) {
    values_ = std::move(values);
    values_.resize(count(), std::numeric_limits<float>::quiet_NaN());
    valuesDirty_ = true;
}

void SpotOverlayRenderer::setStyle(const SpotStyle& style) {
    if (style.colormap != style_.colormap) colormapDirty_ = true;
    style_ = style;
}

bool SpotOverlayRenderer::initialize(QOpenGLExtraFunctions* gl) {
    release();
    const bool ok = program_.addShaderFromSourceFile(QOpenGLShader::Vertex, ":/shaders/spot.vert") &&
                    program_.addShaderFromSourceFile(QOpenGLShader::Fragment, ":/shaders/spot.frag") && program_.link();
    if (!ok) {
        qWarning("SpotOverlayRenderer: shaders failed: %s", qPrintable(program_.log()));
        return false;
    }
    vao_.create();
    vao_.bind();
    program_.bind();
    const GLfloat corners[] = {-1, -1, 1, -1, -1, 1, 1, 1};
    cornerBuffer_.create();
    cornerBuffer_.bind();
    cornerBuffer_.allocate(corners, sizeof corners);
    const int cornerLoc = program_.attributeLocation("corner");
    program_.enableAttributeArray(cornerLoc);
    program_.setAttributeBuffer(cornerLoc, GL_FLOAT, 0, 2);

    positionBuffer_.create();
    positionBuffer_.bind();
    const int centerLoc = program_.attributeLocation("center");
    program_.enableAttributeArray(centerLoc);
    program_.setAttributeBuffer(centerLoc, GL_FLOAT, 0, 2);
    gl->glVertexAttribDivisor(static_cast<GLuint>(centerLoc), 1);

    valueBuffer_.create();
    valueBuffer_.bind();
    const int valueLoc = program_.attributeLocation("value");
    program_.enableAttributeArray(valueLoc);
    program_.setAttributeBuffer(valueLoc, GL_FLOAT, 0, 1);
    gl->glVertexAttribDivisor(static_cast<GLuint>(valueLoc), 1);
    program_.release();
    vao_.release();

    gl->glGenTextures(1, &colormapTexture_);
    positionsDirty_ = valuesDirty_ = colormapDirty_ = true;
    ready_ = true;
    return true;
}

void SpotOverlayRenderer::release() {
    if (!ready_) return;
    if (auto* ctx = QOpenGLContext::currentContext()) ctx->extraFunctions()->glDeleteTextures(1, &colormapTexture_);
    colormapTexture_ = 0;
    cornerBuffer_.destroy();
    positionBuffer_.destroy();
    valueBuffer_.destroy();
    vao_.destroy();
    program_.removeAllShaders();
    ready_ = false;
}

void SpotOverlayRenderer::paint(QOpenGLExtraFunctions* gl, QSizeF viewport, QPointF viewCenter, double downsample) {
    if (!ready_ || !style_.visible || count() == 0) return;
    if (positionsDirty_) {
        positionBuffer_.bind();
        positionBuffer_.allocate(xy_.data(), static_cast<int>(xy_.size() * sizeof(float)));
        positionsDirty_ = false;
    }
    if (valuesDirty_) {
        valueBuffer_.bind();
        valueBuffer_.allocate(values_.data(), static_cast<int>(values_.size() * sizeof(float)));
        valuesDirty_ = false;
    }
    gl->glActiveTexture(GL_TEXTURE1);
    gl->glBindTexture(GL_TEXTURE_2D, colormapTexture_);
    if (colormapDirty_) {
        const auto table = colormapTable(style_.colormap);
        gl->glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, 256, 1, 0, GL_RGBA, GL_UNSIGNED_BYTE, table.data());
        const GLint filter = style_.colormap == ColormapId::Categorical ? GL_NEAREST : GL_LINEAR;
        gl->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, filter);
        gl->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, filter);
        gl->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        gl->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
        colormapDirty_ = false;
    }
    gl->glEnable(GL_BLEND);
    gl->glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
    program_.bind();
    program_.setUniformValue("colormap", 1);
    program_.setUniformValue("viewCenter", QVector2D(viewCenter));
    program_.setUniformValue("downsample", static_cast<float>(downsample));
    program_.setUniformValue("viewportSize", QVector2D(static_cast<float>(viewport.width()), static_cast<float>(viewport.height())));
    program_.setUniformValue("radius", radius_);
    program_.setUniformValue("square", square_ ? 1 : 0);
    program_.setUniformValue("angle", angle_);
    program_.setUniformValue("vmin", style_.vmin);
    program_.setUniformValue("vmax", style_.vmax);
    program_.setUniformValue("opacity", style_.opacity);
    program_.setUniformValue("outline", style_.outline ? 1 : 0);
    program_.setUniformValue("categorical", style_.colormap == ColormapId::Categorical ? 1 : 0);
    vao_.bind();
    gl->glDrawArraysInstanced(GL_TRIANGLE_STRIP, 0, 4, static_cast<GLsizei>(count()));
    vao_.release();
    program_.release();
    gl->glBindTexture(GL_TEXTURE_2D, 0);
    gl->glActiveTexture(GL_TEXTURE0);
    gl->glDisable(GL_BLEND);
}

}  // namespace hescape
