// SlideView implementation. Every frame draws, from the coarsest level down
// to the target level, whatever tiles are already on the GPU; uploads are
// capped per frame so a burst of decoded tiles never stalls painting.
#include "widgets/slideview/SlideView.h"

#include "widgets/slideview/FigureSvg.h"

#include "widgets/common/PaintOverlay.h"
#include "widgets/common/RgbaQImage.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QFutureWatcher>
#include <QTimer>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QPainter>
#include <QPainterPath>
#include <QPointer>
#include <QWheelEvent>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>

static void initShaderResources() { Q_INIT_RESOURCE(shaders); }

namespace hescape {

namespace {

constexpr double kMinDownsample = 1.0 / 16.0;  // at most 16 screen px per slide px
constexpr int kUploadsPerFrame = 24;
constexpr qint64 kThumbnailMaxPixels = qint64{16} << 20;

quint64 packKey(const TileKey& k) {
    return (static_cast<quint64>(k.level) << 56) | (static_cast<quint64>(k.row) << 28) | static_cast<quint64>(k.col);
}


}  // namespace

// Minimap, scale bar and hints are painted by a PaintOverlay child (see there why).
SlideView::SlideView(QWidget* parent)
    : QOpenGLWidget(parent),
      overlay_(new PaintOverlay(this, [this](QPainter& p) { paintOverlays(p); })),
      thumbnailRefresh_(new QTimer(this)) {
    initShaderResources();
    // While a slider is dragged the tiles follow at once; the minimap, a read
    // of a whole level, waits until the dragging pauses.
    thumbnailRefresh_->setSingleShot(true);
    thumbnailRefresh_->setInterval(250);
    connect(thumbnailRefresh_, &QTimer::timeout, this, [this] {
        if (slide_) loadThumbnail();
    });
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setMinimumSize(200, 150);
}

SlideView::~SlideView() {
    // QOpenGLWidget's destructor destroys the context after this one has run:
    // its aboutToBeDestroyed must not reach the half-destroyed SlideView.
    disconnect(contextConnection_);
    cache_.reset();  // joins the decoding threads before this object goes away
    if (glReady_) {
        makeCurrent();
        releaseTextures();
        spots_.release();
        vao_.destroy();
        quad_.destroy();
        doneCurrent();
    }
}

void SlideView::setSlide(std::shared_ptr<Slide> slide, SlideTileCache::Options cacheOptions) {
    cache_.reset();
    if (glReady_) {
        makeCurrent();
        releaseTextures();
        doneCurrent();
    }
    slide_ = std::move(slide);
    clearSpots();
    overlay_->update();
    thumbnail_ = QImage();
    thumbnailRefresh_->stop();
    reportedError_.clear();
    ++slideGeneration_;
    fullyLoaded_ = false;
    if (slide_) {
        cache_ = std::make_unique<SlideTileCache>(slide_, cacheOptions);
        QPointer<SlideView> self(this);
        cache_->setReadyCallback([self](const TileKey&) {
            if (self) QMetaObject::invokeMethod(self.data(), &SlideView::onTileReady, Qt::QueuedConnection);
        });
        fitPending_ = true;
        if (width() > 0 && height() > 0) fitToWindow();
        loadThumbnail();
    }
    update();
    Q_EMIT viewChanged();
}

void SlideView::loadThumbnail() {
    const auto slide = slide_;
    // Only the latest load lands: an earlier one may finish after it.
    const quint64 generation = ++slideGeneration_;
    auto* watcher = new QFutureWatcher<QImage>(this);
    connect(watcher, &QFutureWatcher<QImage>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation == slideGeneration_) {
            thumbnail_ = watcher->result();
            overlay_->update();
        }
    });
    watcher->setFuture(QtConcurrent::run([slide]() -> QImage {
        try {
            const int level = slide->levelCount() - 1;
            const auto& lv = slide->level(level);
            if (lv.width * lv.height > kThumbnailMaxPixels) return {};
            const QImage img = toQImage(slide->readRegion(level, 0, 0, static_cast<int>(lv.width), static_cast<int>(lv.height)));
            return img.scaled(220, 220, Qt::KeepAspectRatio, Qt::SmoothTransformation);
        } catch (const std::exception&) {
            return {};  // the view reports tile errors; the minimap just stays empty
        }
    }));
}

// ---- view geometry -----------------------------------------------------------

double SlideView::fitDownsample() const {
    if (!slide_ || width() <= 0 || height() <= 0) return 1.0;
    return std::max(static_cast<double>(slide_->width()) / width(), static_cast<double>(slide_->height()) / height()) *
           1.04;
}

void SlideView::clampView() {
    if (!slide_) return;
    const double maxDs = std::max(fitDownsample() * 4.0, 1.0);
    downsample_ = std::clamp(downsample_, kMinDownsample, maxDs);
    center_.setX(std::clamp(center_.x(), 0.0, static_cast<double>(slide_->width())));
    center_.setY(std::clamp(center_.y(), 0.0, static_cast<double>(slide_->height())));
}

void SlideView::setView(QPointF center, double downsample) {
    if (!std::isfinite(center.x()) || !std::isfinite(center.y()) || !(downsample > 0)) return;
    center_ = center;
    downsample_ = downsample;
    clampView();
    fitPending_ = false;
    requestTiles();
    update();
    overlay_->update();
    Q_EMIT viewChanged();
}

void SlideView::centerOn(QPointF level0) { setView(level0, downsample_); }

void SlideView::zoomBy(double factor, std::optional<QPointF> anchor) {
    if (!slide_ || !(factor > 0)) return;
    const QPointF a = anchor.value_or(QPointF(width() / 2.0, height() / 2.0));
    const QPointF before = widgetToSlide(a);
    downsample_ /= factor;
    clampView();
    // Keep the slide point under the anchor fixed.
    const QPointF offset = a - QPointF(width() / 2.0, height() / 2.0);
    setView(before - offset * downsample_, downsample_);
}

void SlideView::fitToWindow() {
    if (!slide_) return;
    setView(QPointF(slide_->width() / 2.0, slide_->height() / 2.0), fitDownsample());
}

void SlideView::zoomToActualPixels() { setView(center_, 1.0); }

void SlideView::panByWidgetPixels(QPointF delta) { setView(center_ - delta * downsample_, downsample_); }

QPointF SlideView::widgetToSlide(QPointF p) const {
    return center_ + (p - QPointF(width() / 2.0, height() / 2.0)) * downsample_;
}

QPointF SlideView::slideToWidget(QPointF s) const {
    return (s - center_) / downsample_ + QPointF(width() / 2.0, height() / 2.0);
}

QRectF SlideView::visibleSlideRect() const {
    return QRectF(widgetToSlide(QPointF(0, 0)), widgetToSlide(QPointF(width(), height())));
}

int SlideView::targetLevel() const { return slide_ ? slide_->bestLevelForDownsample(downsample_) : 0; }

QRect SlideView::visibleTileRange(int level) const {
    const auto& lv = slide_->level(level);
    const double ts = cache_->tileSize() * lv.downsample;  // one tile in level-0 px
    const QRectF r = visibleSlideRect();
    const int c0 = std::max(0, static_cast<int>(std::floor(r.left() / ts)));
    const int r0 = std::max(0, static_cast<int>(std::floor(r.top() / ts)));
    const int c1 = std::min(cache_->columns(level) - 1, static_cast<int>(std::floor(r.right() / ts)));
    const int r1 = std::min(cache_->rows(level) - 1, static_cast<int>(std::floor(r.bottom() / ts)));
    return QRect(QPoint(c0, r0), QPoint(c1, r1));
}

void SlideView::requestTiles() {
    if (!cache_ || width() <= 0) return;
    std::vector<TileKey> wanted;
    const int target = targetLevel();
    const int coarsest = slide_->levelCount() - 1;
    const QPointF c = center_;
    auto addRange = [&](int level, QRect range, bool sortByDistance) {
        std::vector<TileKey> keys;
        for (int row = range.top(); row <= range.bottom(); ++row)
            for (int col = range.left(); col <= range.right(); ++col) keys.push_back({level, col, row});
        if (sortByDistance) {
            const double ts = cache_->tileSize() * slide_->level(level).downsample;
            std::sort(keys.begin(), keys.end(), [&](const TileKey& a, const TileKey& b) {
                const auto d = [&](const TileKey& k) {
                    return std::hypot((k.col + 0.5) * ts - c.x(), (k.row + 0.5) * ts - c.y());
                };
                return d(a) < d(b);
            });
        }
        wanted.insert(wanted.end(), keys.begin(), keys.end());
    };
    // The coarsest level first when it is small: it is the fallback under everything.
    if (coarsest != target && cache_->columns(coarsest) * cache_->rows(coarsest) <= 16) {
        addRange(coarsest, QRect(0, 0, cache_->columns(coarsest), cache_->rows(coarsest)), false);
    }
    addRange(target, visibleTileRange(target), true);
    if (target + 1 <= coarsest) addRange(target + 1, visibleTileRange(target + 1), true);
    // Prefetch ring around the viewport at the target level.
    const QRect vis = visibleTileRange(target);
    const QRect ring = vis.adjusted(-1, -1, 1, 1).intersected(QRect(0, 0, cache_->columns(target), cache_->rows(target)));
    std::vector<TileKey> ringKeys;
    for (int row = ring.top(); row <= ring.bottom(); ++row)
        for (int col = ring.left(); col <= ring.right(); ++col)
            if (!vis.contains(col, row)) ringKeys.push_back({target, col, row});
    wanted.insert(wanted.end(), ringKeys.begin(), ringKeys.end());
    cache_->request(wanted);
}

// ---- GL ----------------------------------------------------------------------

void SlideView::initializeGL() {
    initializeOpenGLFunctions();
    // A new context (first show, or re-parenting to another window) must not
    // inherit texture names from the old one.
    textures_.clear();
    disconnect(contextConnection_);
    contextConnection_ = connect(context(), &QOpenGLContext::aboutToBeDestroyed, this, [this] {
        makeCurrent();
        releaseTextures();
        spots_.release();
        doneCurrent();
    });
    program_.removeAllShaders();
    const bool ok = program_.addShaderFromSourceFile(QOpenGLShader::Vertex, ":/shaders/tile.vert") &&
                    program_.addShaderFromSourceFile(QOpenGLShader::Fragment, ":/shaders/tile.frag") &&
                    program_.link();
    if (!ok) {
        qWarning("SlideView: tile shaders failed: %s", qPrintable(program_.log()));
        return;
    }
    const GLfloat corners[] = {0, 0, 1, 0, 0, 1, 1, 1};
    if (!vao_.isCreated()) vao_.create();
    vao_.bind();
    if (!quad_.isCreated()) quad_.create();
    quad_.bind();
    quad_.allocate(corners, sizeof corners);
    program_.bind();
    const int loc = program_.attributeLocation("corner");
    program_.enableAttributeArray(loc);
    program_.setAttributeBuffer(loc, GL_FLOAT, 0, 2);
    program_.release();
    quad_.release();
    vao_.release();
    spots_.initialize(this);
    glReady_ = true;
}

void SlideView::resizeEvent(QResizeEvent* e) {
    overlay_->setGeometry(rect());
    QOpenGLWidget::resizeEvent(e);
}

void SlideView::resizeGL(int, int) {
    if (fitPending_ && slide_) fitToWindow();
    else {
        clampView();
        requestTiles();
    }
}

void SlideView::releaseTextures() {
    for (auto& t : textures_) glDeleteTextures(1, &t.texture);
    textures_.clear();
}

void SlideView::evictTextures() {
    if (textures_.size() <= textureBudget_) return;
    std::vector<std::pair<quint64, quint64>> byAge;  // (lastUsedFrame, key)
    for (auto it = textures_.cbegin(); it != textures_.cend(); ++it) byAge.emplace_back(it->lastUsedFrame, it.key());
    std::sort(byAge.begin(), byAge.end());
    const std::size_t excess = static_cast<std::size_t>(textures_.size() - textureBudget_);
    for (std::size_t i = 0; i < excess && byAge[i].first < frame_; ++i) {
        auto it = textures_.find(byAge[i].second);
        glDeleteTextures(1, &it->texture);
        textures_.erase(it);
    }
}

void SlideView::uploadTile(GpuTile& t, const std::shared_ptr<const RgbaImage>& image) {
    t.width = image->width;
    t.height = image->height;
    t.source = image;
    if (t.texture == 0) glGenTextures(1, &t.texture);
    glBindTexture(GL_TEXTURE_2D, t.texture);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, t.width, t.height, 0, GL_RGBA, GL_UNSIGNED_BYTE, image->pixels.data());
    // Mipmaps keep zoomed-out views between pyramid levels free of aliasing.
    glGenerateMipmap(GL_TEXTURE_2D);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR_MIPMAP_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
}

bool SlideView::drawTile(const TileKey& key, int& uploadsLeft) {
    const quint64 packed = packKey(key);
    auto it = textures_.find(packed);
    if (it == textures_.end()) {
        if (uploadsLeft <= 0) return false;
        bool stale = false;
        const auto image = cache_->cached(key, &stale);
        if (!image) return false;
        --uploadsLeft;
        GpuTile t;
        uploadTile(t, image);
        t.stale = stale;
        it = textures_.insert(packed, t);
    } else if (it->stale && uploadsLeft > 0) {
        // Swap in the new rendering once the cache has it; until then the old one is drawn.
        bool stale = true;
        const auto image = cache_->cached(key, &stale);
        const bool shown = image && !it->source.owner_before(image) && !image.owner_before(it->source);
        if (image && !shown) {
            --uploadsLeft;
            uploadTile(*it, image);
        }
        it->stale = !image || stale;
    }
    it->lastUsedFrame = frame_;
    const double ds = slide_->level(key.level).downsample;
    const double ts = cache_->tileSize();
    const QPointF tl = slideToWidget(QPointF(key.col * ts * ds, key.row * ts * ds));
    const QPointF br = slideToWidget(QPointF((key.col * ts + it->width) * ds, (key.row * ts + it->height) * ds));
    const float w = static_cast<float>(width()), h = static_cast<float>(height());
    program_.setUniformValue("rect", QVector4D(static_cast<float>(tl.x()) / w * 2 - 1, 1 - static_cast<float>(tl.y()) / h * 2,
                                                static_cast<float>(br.x()) / w * 2 - 1, 1 - static_cast<float>(br.y()) / h * 2));
    program_.setUniformValue("texRect", QVector4D(0, 0, 1, 1));
    glBindTexture(GL_TEXTURE_2D, it->texture);
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
    return !it->stale;
}

void SlideView::paintGL() {
    ++frame_;
    glClearColor(background_.redF(), background_.greenF(), background_.blueF(), 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    bool allTarget = true;
    if (slide_ && glReady_) {
        glEnable(GL_BLEND);
        glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
        program_.bind();
        program_.setUniformValue("tile", 0);
        program_.setUniformValue("opacity", slideVisible_ ? slideOpacity_ : 0.0f);
        glActiveTexture(GL_TEXTURE0);
        vao_.bind();
        int uploadsLeft = kUploadsPerFrame;
        const int target = targetLevel();
        // Coarse to fine: finer tiles cover coarser ones wherever they have arrived.
        for (int level = slide_->levelCount() - 1; level >= target; --level) {
            const QRect range = visibleTileRange(level);
            for (int row = range.top(); row <= range.bottom(); ++row) {
                for (int col = range.left(); col <= range.right(); ++col) {
                    const bool drawn = drawTile({level, col, row}, uploadsLeft);
                    if (level == target && !drawn) allTarget = false;
                }
            }
        }
        vao_.release();
        program_.release();
        glBindTexture(GL_TEXTURE_2D, 0);
        glDisable(GL_BLEND);
        spots_.paint(this, QSizeF(width(), height()), center_, downsample_);
        evictTextures();
        // More decoded tiles than one frame may upload: come back next frame.
        if (uploadsLeft <= 0) update();
    }
    fullyLoaded_ = slide_ && allTarget;
}

void SlideView::refreshTiles() {
    if (!cache_) return;
    cache_->refresh();
    for (auto& t : textures_) t.stale = true;
    fullyLoaded_ = false;
    requestTiles();
    update();
    overlay_->update();  // the channel legend
    thumbnailRefresh_->start();
}

void SlideView::onTileReady() {
    if (cache_) {
        // Report each distinct read failure once, not once per failed tile.
        const QString msg = QString::fromStdString(cache_->lastError());
        if (!msg.isEmpty() && msg != reportedError_) {
            reportedError_ = msg;
            Q_EMIT tileReadFailed(msg);
        }
    }
    update();
}

// ---- overlays ----------------------------------------------------------------

void SlideView::paintOverlays(QPainter& p) {
    if (!slide_) {
        p.setPen(QColor(90, 90, 100));
        QFont f = p.font();
        f.setPointSizeF(f.pointSizeF() * 1.3);
        p.setFont(f);
        p.drawText(rect(), Qt::AlignCenter,
                   placeholder_.isEmpty() ? tr("Open a slide: File \u25B8 Open, or drop a file here") : placeholder_);
        return;
    }
    paintSelection(p);
    if (minimapVisible_) paintMinimap(p);
    paintScaleBar(p);
    paintLegend(p);
}

QImage SlideView::renderFigure(int scale, int timeoutMs, bool withDecorations) {
    if (!slide_ || scale < 1 || width() < 1 || height() < 1) return {};
    const QPointF centre = center_;
    const double downsample = downsample_;
    const double tileW = width() * downsample / scale, tileH = height() * downsample / scale;  // level-0 px per tile
    const QPointF origin(centre.x() - width() * downsample / 2, centre.y() - height() * downsample / 2);
    QImage figure;
    QElapsedTimer clock;
    clock.start();
    for (int j = 0; j < scale; ++j) {
        for (int i = 0; i < scale; ++i) {
            // Set directly, not through setView: its clamping would shift tiles
            // that show background beyond the slide's edge.
            center_ = QPointF(origin.x() + (i + 0.5) * tileW, origin.y() + (j + 0.5) * tileH);
            downsample_ = downsample / scale;
            requestTiles();
            QImage tile = grabFramebuffer();
            while (!fullyLoaded_ && clock.elapsed() < timeoutMs) {
                QEventLoop wait;
                QTimer::singleShot(30, &wait, &QEventLoop::quit);
                wait.exec();
                tile = grabFramebuffer();
            }
            if (figure.isNull()) {
                figure = QImage(tile.width() * scale, tile.height() * scale, QImage::Format_RGB32);
                figure.fill(Qt::white);
            }
            QPainter p(&figure);
            p.drawImage(i * tile.width(), j * tile.height(), tile);
        }
    }
    center_ = centre;
    downsample_ = downsample;
    requestTiles();
    update();
    // Decorations at the window's geometry, scaled up with the figure.
    QPainter p(&figure);
    p.setRenderHint(QPainter::Antialiasing);
    p.scale(static_cast<double>(figure.width()) / width(), static_cast<double>(figure.height()) / height());
    paintSelection(p);
    if (withDecorations) {
        paintScaleBar(p);
        paintLegend(p);
    }
    return figure;
}

QByteArray SlideView::renderFigureSvg(int scale, int timeoutMs) {
    const QImage raster = renderFigure(scale, timeoutMs, false);
    if (raster.isNull()) return {};
    return figureSvg(raster, size(), figureDecorations(QFontMetricsF(font())), font());
}

void SlideView::setSelectedSpots(std::vector<std::int64_t> indices) {
    std::sort(indices.begin(), indices.end());
    indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
    selected_ = std::move(indices);
    overlay_->update();
    Q_EMIT selectionChanged();
}

void SlideView::selectSpotsInPolygon(const QPolygonF& poly) {
    const QRectF box = poly.boundingRect();
    std::vector<std::int64_t> inside;
    const auto& xy = spots_.positions();
    for (const auto i : spotIndex_.inRect(box.left(), box.top(), box.right(), box.bottom())) {
        if (poly.containsPoint(QPointF(xy[2 * i], xy[2 * i + 1]), Qt::OddEvenFill)) inside.push_back(i);
    }
    setSelectedSpots(std::move(inside));
}

void SlideView::paintSelection(QPainter& p) {
    if (!selected_.empty() && spots_.style().visible) {
        // Rings around selected spots; a million would be slow in QPainter, so cap what is drawn.
        p.setBrush(Qt::NoBrush);
        const double r = std::max(spots_.radius() / downsample_, 1.5) + 2.0;
        const auto& xy = spots_.positions();
        const QRectF visible = rect();
        std::size_t drawn = 0;
        for (const auto i : selected_) {
            const QPointF c = slideToWidget(QPointF(xy[2 * i], xy[2 * i + 1]));
            if (!visible.adjusted(-r, -r, r, r).contains(c)) continue;
            // Square bins get square rings, turned with their grid.
            const auto ring = [&](double radius) {
                if (!spots_.square()) return p.drawEllipse(c, radius, radius);
                p.save();
                p.translate(c);
                p.rotate(spots_.angle() * 180.0 / M_PI);
                p.drawRect(QRectF(-radius, -radius, 2 * radius, 2 * radius));
                p.restore();
            };
            p.setPen(QPen(QColor(0, 0, 0, 220), 4.0));
            ring(r);
            p.setPen(QPen(QColor(255, 255, 255), 1.5));
            ring(r - 0.5);
            if (++drawn > 20000) break;
        }
    }
    if (selectionPath_.size() > 1) {
        p.setPen(QPen(QColor(255, 255, 255), 1.5, Qt::DashLine));
        p.setBrush(QColor(255, 255, 255, 40));
        p.drawPolygon(selectionPath_);
    }
}

// ---- spots -------------------------------------------------------------------

void SlideView::setSpots(std::vector<float> level0xy, float radius, bool square, float angle) {
    if (!selected_.empty()) setSelectedSpots({});
    spotIndex_ = PointGridIndex(level0xy);
    spots_.setPositions(std::move(level0xy), radius, square, angle);
    hoveredSpot_ = -1;
    update();
    overlay_->update();
}

void SlideView::setSpotValues(std::vector<float> values, const SpotStyle& style, const SpotLegend& legend) {
    spots_.setValues(std::move(values));
    spots_.setStyle(style);
    legend_ = legend;
    update();
    overlay_->update();
}

void SlideView::setSpotStyle(const SpotStyle& style) {
    spots_.setStyle(style);
    update();
    overlay_->update();
}

void SlideView::clearSpots() {
    setSpots({}, 1.0f);
    legend_ = {};
}

std::optional<std::int64_t> SlideView::spotAt(QPointF widgetPos) const {
    if (spots_.count() == 0 || !spots_.style().visible) return std::nullopt;
    const QPointF s = widgetToSlide(widgetPos);
    const double reach = std::max<double>(spots_.radius(), 6.0 * downsample_);
    return spotIndex_.nearest(s.x(), s.y(), reach);
}

QRectF SlideView::legendRect() const {
    if (spots_.count() == 0 || !spots_.style().visible || legend_.title.isEmpty()) return {};
    const int rows = legend_.categories.isEmpty() ? 0 : std::min<int>(static_cast<int>(legend_.categories.size()), 20);
    const double h = legend_.categories.isEmpty() ? 58.0 : 26.0 + rows * 17.0;
    // Bottom right; in a view too narrow for it beside the scale bar (bottom
    // left), above the scale bar instead.
    const double w = 190, x = std::max(12.0, width() - 12 - w);
    const auto bar = scaleBarLayout(QFontMetricsF(font()));
    const bool stacked = bar && x < bar->box.right() + 12;
    const double bottom = stacked ? bar->box.top() - 8 : height() - 12;
    return QRectF(x, bottom - h, w, h);
}

std::optional<LegendLayout> SlideView::channelLegendLayout(const QFontMetricsF& fm) const {
    const auto state = slide_ ? slide_->channelDisplay() : nullptr;
    if (!state || !scaleBarVisible_) return std::nullopt;
    const auto settings = state->settings();
    LegendLayout l;
    l.title = tr("Channels");
    const double w = 230;
    int row = 0;
    for (std::size_t c = 0; c < settings.size() && row < 12; ++c) {
        if (!settings[c].visible) continue;
        LegendLayout::Entry e;
        e.swatch = QRectF(20, 12 + 24 + row * 17, 12, 12);
        e.color = QColor(settings[c].colour[0], settings[c].colour[1], settings[c].colour[2]);
        e.labelRect = QRectF(e.swatch.right() + 6, e.swatch.top() - 2, w - 40, 16);
        const QString label = QStringLiteral("%1  %2\u2013%3")
                                  .arg(QString::fromStdString(state->channels()[c].name))
                                  .arg(settings[c].low, 0, 'g', 5)
                                  .arg(settings[c].high, 0, 'g', 5);
        e.label = fm.elidedText(label, Qt::ElideMiddle, w - 40);
        l.entries.push_back(e);
        ++row;
    }
    if (row == 0) l.title = tr("Channels: none shown");
    l.box = QRectF(12, 12, w, 26.0 + row * 17.0);
    l.titleRect = QRectF(l.box.left() + 8, l.box.top() + 4, l.box.width() - 16, 16);
    l.title = fm.elidedText(l.title, Qt::ElideRight, w - 16);
    return l;
}

std::optional<LegendLayout> SlideView::legendLayout(const QFontMetricsF& fm) const {
    const QRectF box = legendRect();
    if (box.isEmpty()) return std::nullopt;
    const SpotStyle& st = spots_.style();
    if (legend_.categories.isEmpty()) return colourBarLegend(fm, box, legend_.title, st.colormap, st.vmin, st.vmax);
    LegendLayout l;
    l.box = box;
    l.titleRect = QRectF(box.left() + 8, box.top() + 4, box.width() - 16, 16);
    l.title = fm.elidedText(legend_.title, Qt::ElideRight, box.width() - 16);
    {
        for (int i = 0; i < std::min<int>(static_cast<int>(legend_.categories.size()), 20); ++i) {
            const auto c = categoryColor(i);
            LegendLayout::Entry e;
            e.swatch = QRectF(box.left() + 8, box.top() + 24 + i * 17, 12, 12);
            e.color = QColor(c[0], c[1], c[2]);
            e.labelRect = QRectF(e.swatch.right() + 6, e.swatch.top() - 2, box.width() - 40, 16);
            e.label = fm.elidedText(legend_.categories[i], Qt::ElideRight, box.width() - 40);
            l.entries.push_back(e);
        }
    }
    return l;
}

void SlideView::paintLegend(QPainter& p) {
    const QFontMetricsF fm(p.font());
    if (const auto l = legendLayout(fm)) paintLegendLayout(p, *l);
    if (const auto c = channelLegendLayout(fm)) paintLegendLayout(p, *c);
}

QRectF SlideView::minimapRect() const {
    if (!slide_ || !minimapVisible_) return {};
    const double maxSide = std::min(200.0, std::min(width(), height()) * 0.3);
    const double aspect = static_cast<double>(slide_->width()) / slide_->height();
    const QSizeF size = aspect >= 1 ? QSizeF(maxSide, maxSide / aspect) : QSizeF(maxSide * aspect, maxSide);
    return QRectF(QPointF(width() - size.width() - 12, 12), size);
}

void SlideView::paintMinimap(QPainter& p) {
    const QRectF frame = minimapRect();
    p.setPen(QPen(QColor(40, 40, 48), 1));
    p.setBrush(QColor(255, 255, 255, 230));
    p.drawRect(frame.adjusted(-2, -2, 2, 2));
    if (!thumbnail_.isNull()) p.drawImage(frame, thumbnail_);
    // The viewport, clipped to the minimap.
    const double sx = frame.width() / slide_->width(), sy = frame.height() / slide_->height();
    const QRectF vis = visibleSlideRect();
    QRectF r(frame.left() + vis.left() * sx, frame.top() + vis.top() * sy, vis.width() * sx, vis.height() * sy);
    r = r.intersected(frame);
    p.setBrush(QColor(230, 30, 40, 24));
    p.setPen(QPen(QColor(230, 30, 40), 1.5));
    if (r.width() < 3 || r.height() < 3) r = QRectF(r.center() - QPointF(2, 2), QSizeF(4, 4));
    p.drawRect(r);
}

std::optional<SlideView::ScaleBar> SlideView::scaleBar() const {
    if (!slide_) return std::nullopt;
    const auto mpp = slide_->micronsPerPixel();
    if (!mpp) return std::nullopt;
    const double umPerWidgetPx = mpp->x * downsample_;
    const double um = niceScaleLength(umPerWidgetPx * 150.0);
    ScaleBar bar;
    bar.micrometres = um;
    bar.pixels = um / umPerWidgetPx;
    bar.label = micrometreLabel(um);
    return bar;
}

std::optional<ScaleBarLayout> SlideView::scaleBarLayout(const QFontMetricsF& fm) const {
    if (!slide_ || !scaleBarVisible_) return std::nullopt;
    ScaleBarLayout l;
    if (const auto bar = scaleBar()) {
        l.lengthPx = bar->pixels;
        l.label = bar->label;
    } else {
        const double px = niceScaleLength(downsample_ * 150.0);
        l.lengthPx = px / downsample_;
        l.label = tr("%1 px (scale unknown: set microns per pixel)").arg(px);
    }
    const double textW = fm.horizontalAdvance(l.label);
    l.box = QRectF(12, height() - 12 - 34, std::max(l.lengthPx, textW) + 16, 34);
    l.start = QPointF(l.box.left() + 8, l.box.bottom() - 9);
    l.labelRect = QRectF(l.start.x(), l.box.top() + 3, l.box.width() - 16, 16);
    return l;
}

FigureDecorations SlideView::figureDecorations(const QFontMetricsF& fm) const {
    return {scaleBarLayout(fm), legendLayout(fm), channelLegendLayout(fm)};
}

void SlideView::paintScaleBar(QPainter& p) {
    if (const auto l = scaleBarLayout(QFontMetricsF(p.font()))) paintScaleBarLayout(p, *l);
}

void SlideView::setPlaceholderText(const QString& text) {
    placeholder_ = text;
    overlay_->update();
}

void SlideView::setMinimapVisible(bool on) {
    minimapVisible_ = on;
    overlay_->update();
}

void SlideView::setScaleBarVisible(bool on) {
    scaleBarVisible_ = on;
    overlay_->update();
}

void SlideView::setSlideVisible(bool on) {
    slideVisible_ = on;
    update();
}

void SlideView::setSlideOpacity(float opacity) {
    slideOpacity_ = std::clamp(opacity, 0.0f, 1.0f);
    update();
}

void SlideView::setBackgroundColor(QColor c) {
    background_ = c;
    update();
}

// ---- input -------------------------------------------------------------------

void SlideView::navigateMinimap(QPointF pos) {
    const QRectF frame = minimapRect();
    const double fx = std::clamp((pos.x() - frame.left()) / frame.width(), 0.0, 1.0);
    const double fy = std::clamp((pos.y() - frame.top()) / frame.height(), 0.0, 1.0);
    centerOn(QPointF(fx * slide_->width(), fy * slide_->height()));
}

void SlideView::wheelEvent(QWheelEvent* e) {
    const double steps = e->angleDelta().y() / 120.0;
    if (steps != 0) zoomBy(std::pow(1.25, steps), e->position());
    e->accept();
}

void SlideView::mousePressEvent(QMouseEvent* e) {
    if (!slide_ || e->button() != Qt::LeftButton) return QOpenGLWidget::mousePressEvent(e);
    lastMouse_ = e->position();
    pressPos_ = e->position();
    if (spots_.count() > 0 && (e->modifiers() & (Qt::ShiftModifier | Qt::ControlModifier))) {
        drag_ = (e->modifiers() & Qt::ShiftModifier) ? Drag::Lasso : Drag::Rectangle;
        selectionPath_ = QPolygonF({e->position()});
        setCursor(Qt::CrossCursor);
        return;
    }
    if (minimapRect().adjusted(-2, -2, 2, 2).contains(e->position())) {
        drag_ = Drag::Minimap;
        navigateMinimap(e->position());
    } else {
        drag_ = Drag::Pan;
        setCursor(Qt::ClosedHandCursor);
    }
}

void SlideView::mouseMoveEvent(QMouseEvent* e) {
    if (!slide_) return;
    if (drag_ == Drag::Pan) {
        panByWidgetPixels(e->position() - lastMouse_);
        lastMouse_ = e->position();
    } else if (drag_ == Drag::Minimap) {
        navigateMinimap(e->position());
    } else if (drag_ == Drag::Lasso) {
        selectionPath_ << e->position();
        overlay_->update();
    } else if (drag_ == Drag::Rectangle) {
        selectionPath_ = QPolygonF(QRectF(pressPos_, e->position()).normalized());
        overlay_->update();
    }
    const QPointF s = widgetToSlide(e->position());
    const bool inside = s.x() >= 0 && s.y() >= 0 && s.x() < slide_->width() && s.y() < slide_->height();
    Q_EMIT cursorMoved(s, inside);
    const qint64 hovered = spotAt(e->position()).value_or(-1);
    if (hovered != hoveredSpot_) {
        hoveredSpot_ = hovered;
        Q_EMIT spotHovered(hovered);
    }
}

void SlideView::mouseReleaseEvent(QMouseEvent* e) {
    // A click (press and release without a drag) on a spot selects it.
    if (e->button() == Qt::LeftButton && drag_ == Drag::Pan && QLineF(e->position(), pressPos_).length() < 3) {
        if (const auto spot = spotAt(e->position())) {
            setSelectedSpots({*spot});
            Q_EMIT spotClicked(*spot);
        }
        Q_EMIT slideClicked(widgetToSlide(e->position()));
    }
    if (e->button() == Qt::LeftButton && (drag_ == Drag::Lasso || drag_ == Drag::Rectangle)) {
        QPolygonF level0;
        for (const QPointF& q : selectionPath_) level0 << widgetToSlide(q);
        selectionPath_.clear();
        if (level0.size() >= 3) selectSpotsInPolygon(level0);
        overlay_->update();
    }
    if (e->button() == Qt::LeftButton && drag_ != Drag::None) {
        drag_ = Drag::None;
        unsetCursor();
    }
}

void SlideView::mouseDoubleClickEvent(QMouseEvent* e) {
    if (slide_ && e->button() == Qt::LeftButton && !minimapRect().contains(e->position())) zoomBy(2.0, e->position());
}

void SlideView::keyPressEvent(QKeyEvent* e) {
    if (!slide_) return QOpenGLWidget::keyPressEvent(e);
    const double step = std::min(width(), height()) / 6.0;
    switch (e->key()) {
        case Qt::Key_Left: panByWidgetPixels(QPointF(step, 0)); break;
        case Qt::Key_Right: panByWidgetPixels(QPointF(-step, 0)); break;
        case Qt::Key_Up: panByWidgetPixels(QPointF(0, step)); break;
        case Qt::Key_Down: panByWidgetPixels(QPointF(0, -step)); break;
        case Qt::Key_Plus:
        case Qt::Key_Equal: zoomBy(1.5); break;
        case Qt::Key_Minus: zoomBy(1 / 1.5); break;
        case Qt::Key_F:
        case Qt::Key_Home: fitToWindow(); break;
        case Qt::Key_1: zoomToActualPixels(); break;
        case Qt::Key_Escape: setSelectedSpots({}); break;
        default: QOpenGLWidget::keyPressEvent(e); return;
    }
    e->accept();
}

void SlideView::leaveEvent(QEvent* e) {
    Q_EMIT cursorLeft();
    QOpenGLWidget::leaveEvent(e);
}

}  // namespace hescape
