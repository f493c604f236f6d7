// SlideView: the whole-slide image on screen. Draws the pyramid as textured
// tiles (coarser levels underneath while finer tiles load), zooms about the
// cursor, pans by dragging or keys, and paints a minimap and a scale bar.
// Tiles come from a SlideTileCache; the GUI thread only uploads textures.
#pragma once

#include "core/slide/Slide.h"
#include "core/slide/SlideTileCache.h"
#include "core/spatial/PointGridIndex.h"
#include "widgets/overlay/SpotOverlayRenderer.h"
#include "widgets/slideview/FigureDecorations.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QFontMetricsF>
#include <QHash>
#include <QImage>
#include <QOpenGLBuffer>
#include <QOpenGLExtraFunctions>
#include <QOpenGLShaderProgram>
#include <QOpenGLVertexArrayObject>
#include <QOpenGLWidget>
#include <QPointF>
#include <QPolygonF>
#include <QRectF>
#include <QStringList>

#include <memory>
#include <optional>

class QTimer;

namespace hescape {

class PaintOverlay;

class SlideView : public QOpenGLWidget, protected QOpenGLExtraFunctions {
    Q_OBJECT
public:
    explicit SlideView(QWidget* parent = nullptr);
    ~SlideView() override;

    // Shows `slide` fitted to the window; nullptr clears the view.
    void setSlide(std::shared_ptr<Slide> slide, SlideTileCache::Options cacheOptions = {});
    const Slide* slide() const { return slide_.get(); }
    const SlideTileCache* tileCache() const { return cache_.get(); }

    // View state: the level-0 point at the centre of the widget, and how many
    // level-0 pixels one widget pixel spans.
    QPointF center() const { return center_; }
    double downsample() const { return downsample_; }
    void setView(QPointF center, double downsample);
    void centerOn(QPointF level0);
    void zoomBy(double factor, std::optional<QPointF> anchorWidgetPos = std::nullopt);
    void fitToWindow();
    void zoomToActualPixels();
    void panByWidgetPixels(QPointF delta);

    QPointF widgetToSlide(QPointF widgetPos) const;
    QPointF slideToWidget(QPointF level0) const;
    QRectF visibleSlideRect() const;
    // The level drawn at full detail for the current zoom.
    int targetLevel() const;
    // True when every visible tile of the target level is on the GPU.
    bool isFullyLoaded() const { return fullyLoaded_; }

    // The view as a figure `scale` times the window's resolution: the same
    // region of the slide drawn at `scale` times the zoom in scale x scale
    // tiles (each waited for until fully loaded, up to timeoutMs in all),
    // then the selection, scale bar and legend drawn on top at the figure's
    // scale (the minimap is left out). Runs the event loop while it waits;
    // the view is restored afterwards. Null when no slide is open.
    // withDecorations false: the selection only, no scale bar or legend.
    QImage renderFigure(int scale, int timeoutMs = 60000, bool withDecorations = true);
    // The same as an SVG figure (FigureSvg): that image, with the scale bar
    // and legend as vector shapes and text. Empty when no slide is open.
    QByteArray renderFigureSvg(int scale, int timeoutMs = 60000);
    // Where the scale bar (when shown) and the legend (when there is one) go,
    // for text measured with `fm`: what the view, PNG and SVG figures draw.
    FigureDecorations figureDecorations(const QFontMetricsF& fm) const;

    // What the view says while no slide is open (empty: how to open one).
    void setPlaceholderText(const QString& text);
    void setMinimapVisible(bool on);
    bool isMinimapVisible() const { return minimapVisible_; }
    void setScaleBarVisible(bool on);
    bool isScaleBarVisible() const { return scaleBarVisible_; }
    void setBackgroundColor(QColor c);
    // The slide as a layer under the overlays: hidden, or faded towards the background.
    void setSlideVisible(bool on);
    void setSlideOpacity(float opacity);
    bool isSlideVisible() const { return slideVisible_; }
    float slideOpacity() const { return slideOpacity_; }
    // The minimap's frame in widget coordinates (empty when hidden).
    QRectF minimapRect() const;

    // Length in micrometres and in widget pixels of the scale bar now shown,
    // or nullopt when the slide has no microns-per-pixel.
    struct ScaleBar {
        double micrometres = 0;
        double pixels = 0;
        QString label;
    };
    std::optional<ScaleBar> scaleBar() const;

    // ---- spot / cell overlay ----
    // What the legend shows for the current spot colouring.
    struct SpotLegend {
        QString title;
        QStringList categories;  // non-empty for categorical colouring
    };
    // Spot centres in level-0 slide pixels (interleaved x, y) and their
    // radius in level-0 pixels. Replaces any previous spots.
    // `square`: square bins (Visium HD) turned by `angle` radians, else discs.
    void setSpots(std::vector<float> level0xy, float radius, bool square = false, float angle = 0.0f);
    void setSpotValues(std::vector<float> values, const SpotStyle& style, const SpotLegend& legend);
    void setSpotStyle(const SpotStyle& style);
    void clearSpots();
    const SpotOverlayRenderer& spots() const { return spots_; }
    const SpotLegend& spotLegend() const { return legend_; }
    // The spot under a widget position (within its radius, or 6 px when tiny).
    std::optional<std::int64_t> spotAt(QPointF widgetPos) const;
    // The legend's frame in widget coordinates (empty when there is none).
    QRectF legendRect() const;

    // Selection: Shift+drag draws a lasso, Ctrl+drag a rectangle, a click on
    // a spot selects it alone, Esc clears. Indices are sorted.
    const std::vector<std::int64_t>& selectedSpots() const { return selected_; }
    void setSelectedSpots(std::vector<std::int64_t> indices);
    // Selects the spots inside a polygon given in level-0 slide pixels.
    void selectSpotsInPolygon(const QPolygonF& level0);

public Q_SLOTS:
    // The slide now renders differently (a fluorescence channel's window or
    // colour changed): every tile is decoded again, and the old ones stay on
    // screen until their replacements arrive, so nothing flickers.
    void refreshTiles();

Q_SIGNALS:
    void viewChanged();
    // Level-0 pixel under the cursor; `inside` is false off the slide.
    void cursorMoved(QPointF level0, bool inside);
    void cursorLeft();
    void spotHovered(qint64 index);  // -1: none
    void spotClicked(qint64 index);
    // A click (no drag) anywhere on the view, in level-0 slide pixels; after spotClicked when on a spot.
    void slideClicked(QPointF level0);
    void selectionChanged();
    void tileReadFailed(const QString& message);

protected:
    void initializeGL() override;
    void resizeGL(int w, int h) override;
    void resizeEvent(QResizeEvent* e) override;
    void paintGL() override;
    void wheelEvent(QWheelEvent* e) override;
    void mousePressEvent(QMouseEvent* e) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void mouseReleaseEvent(QMouseEvent* e) override;
    void mouseDoubleClickEvent(QMouseEvent* e) override;
    void keyPressEvent(QKeyEvent* e) override;
    void leaveEvent(QEvent* e) override;

private:
    struct GpuTile {
        GLuint texture = 0;
        int width = 0;
        int height = 0;
        quint64 lastUsedFrame = 0;
        // The cached image uploaded; stale while it predates refreshTiles().
        std::weak_ptr<const RgbaImage> source;
        bool stale = false;
    };

    void clampView();
    double fitDownsample() const;
    QRect visibleTileRange(int level) const;  // columns x rows, inclusive
    void requestTiles();
    // True when the tile was drawn with the slide's current rendering.
    bool drawTile(const TileKey& key, int& uploadsLeft);
    void uploadTile(GpuTile& t, const std::shared_ptr<const RgbaImage>& image);
    void evictTextures();
    void releaseTextures();
    void paintOverlays(QPainter& p);
    void paintMinimap(QPainter& p);
    std::optional<ScaleBarLayout> scaleBarLayout(const QFontMetricsF& fm) const;
    std::optional<LegendLayout> legendLayout(const QFontMetricsF& fm) const;
    std::optional<LegendLayout> channelLegendLayout(const QFontMetricsF& fm) const;
    void paintScaleBar(QPainter& p);
    void paintLegend(QPainter& p);
    void onTileReady();
    void loadThumbnail();
    void navigateMinimap(QPointF widgetPos);

    PaintOverlay* overlay_;  // child widget, owned by Qt
    std::shared_ptr<Slide> slide_;
    std::unique_ptr<SlideTileCache> cache_;
    QImage thumbnail_;
    quint64 slideGeneration_ = 0;  // bumped per slide and per thumbnail load
    QTimer* thumbnailRefresh_;      // reloads the minimap's picture after refreshTiles()

    QPointF center_;
    double downsample_ = 1.0;
    bool fitPending_ = false;

    QOpenGLShaderProgram program_;
    QOpenGLVertexArrayObject vao_;
    QOpenGLBuffer quad_{QOpenGLBuffer::VertexBuffer};
    bool glReady_ = false;
    QMetaObject::Connection contextConnection_;
    QHash<quint64, GpuTile> textures_;  // key: packed TileKey
    quint64 frame_ = 0;
    int textureBudget_ = 768;
    bool fullyLoaded_ = false;
    QString reportedError_;

    SpotOverlayRenderer spots_;
    PointGridIndex spotIndex_;
    SpotLegend legend_;
    QString placeholder_;
    qint64 hoveredSpot_ = -1;

    QColor background_{236, 236, 240};
    bool minimapVisible_ = true;
    bool slideVisible_ = true;
    float slideOpacity_ = 1.0f;
    bool scaleBarVisible_ = true;

    enum class Drag { None, Pan, Minimap, Lasso, Rectangle };
    void paintSelection(QPainter& p);
    Drag drag_ = Drag::None;
    QPointF lastMouse_;
    QPointF pressPos_;
    QPolygonF selectionPath_;  // widget px while a lasso/rectangle is drawn
    std::vector<std::int64_t> selected_;
};

}  // namespace hescape
