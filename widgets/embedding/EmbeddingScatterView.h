// EmbeddingScatterView: the embedding explorer's point cloud (2-D layouts
// such as UMAP, or 3-D) drawn by VTK, up to ~1M points. Colours by value
// through a core/render colormap or by category, hides categories, shows a
// legend, and selects points by lasso or programmatically. Hover and lasso
// work on the points' projected screen positions, computed once per camera
// change and kept in a grid index, so a mouse move costs no scan of 1M points.
// Joint views (image and gene embedding of the same spots as one point set
// of 2n points) can draw lines between linked points.
#pragma once

#include "core/spatial/PointGridIndex.h"
#include "widgets/vtk/VtkGLWidget.h"

#include <QByteArray>
#include <QColor>
#include <QPointF>
#include <QPolygonF>
#include <QRectF>
#include <QString>
#include <QStringList>

#include <vtkNew.h>

#include <array>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

class QXmlStreamWriter;
class vtkActor;
class vtkCellArray;
class vtkFloatArray;
class vtkPoints;
class vtkPolyData;
class vtkPolyDataMapper;
class vtkRenderer;
class vtkUnsignedCharArray;

namespace hescape {

class PaintOverlay;

class EmbeddingScatterView : public VtkGLWidget {
    Q_OBJECT
public:
    explicit EmbeddingScatterView(QWidget* parent = nullptr);
    ~EmbeddingScatterView() override;

    // xyz holds n * dims coordinates (dims 2 or 3), interleaved. Replaces the
    // points and resets colouring (uniform), categories, selection and links;
    // fits the camera. Points with non-finite coordinates are not drawn.
    // Returns false (and changes nothing) when the sizes do not match.
    bool setPoints(std::vector<float> xyz, int dims);
    std::int64_t pointCount() const { return count_; }
    int dims() const { return dims_; }

    // Colour by value through a core/render colormap ("viridis", "magma",
    // "inferno", "cividis", "coolwarm"); lo/hi map to the ends, NaN is grey.
    // The legend becomes a colour bar titled `title`. False for an unknown
    // colormap or a size other than pointCount().
    bool setValues(std::vector<float> values, const QString& colormap, double lo, double hi,
                   const QString& title = {});
    // Colour by category: codes[i] in [0, names.size()) uses the categorical
    // palette of core/render/Colormap; other codes are drawn grey ("other").
    // The legend lists the categories; a click on an entry shows/hides it.
    bool setCategories(std::vector<int> codes, QStringList names, const QString& title = {});
    // One colour for every point, no legend.
    void setUniformColor(QColor color);

    // Hidden categories are not drawn, hovered, activated or lasso-selected.
    void setCategoryVisible(int category, bool visible);
    bool isCategoryVisible(int category) const;
    QStringList categoryNames() const { return categoryNames_; }
    // True when the point is drawn (finite and its category shown).
    bool isPointVisible(std::int64_t index) const;

    // Selected points are drawn larger (up to 2000 of them with an outline);
    // the others are dimmed.
    // Indices are sorted and de-duplicated; out-of-range ones are dropped.
    void setSelection(std::vector<std::int64_t> indices);
    const std::vector<std::int64_t>& selection() const { return selection_; }
    void clearSelection();
    // Selects the visible points whose projected position (widget pixels,
    // top-left origin, as in mouse events) lies inside the polygon, replacing
    // the selection, and emits selectionChanged().
    void selectInPolygon(const QPolygonF& widgetPolygon);

    // Lines between pairs of points, e.g. a spot's image embedding (i) and its
    // gene embedding (n + i) in a joint view. Pairs out of range are dropped.
    // Rings a point as if hovered (another view's hover), without pointHovered; -1: none.
    void showHovered(std::int64_t index);
    std::int64_t hoveredPoint() const { return hovered_; }
    void setLinks(std::vector<std::pair<std::int64_t, std::int64_t>> pairs);
    void clearLinks();
    std::size_t linkCount() const { return links_.size(); }

    void setPointSize(float pixels);
    float pointSize() const { return pointSize_; }
    void setBackgroundColor(QColor color);
    QColor backgroundColor() const { return background_; }
    void setLegendVisible(bool on);
    bool isLegendVisible() const { return legendVisible_; }
    // Fits the camera to the visible points (2-D: no rotation, parallel projection).
    void resetCamera();

    // Where a point is drawn, in widget pixels (top-left origin); nullopt
    // when it is behind the camera or not finite.
    std::optional<QPointF> projectedPosition(std::int64_t index) const;
    // The visible point nearest to a widget position within maxDistance pixels.
    std::optional<std::int64_t> pointAt(QPointF widgetPos, double maxDistance = 6.0) const;
    // The legend's frame in widget pixels (empty when none is shown).
    QRectF legendRect() const;
    // The legend row of a category (empty when it is not listed); clicking it
    // shows/hides the category.
    QRectF legendEntryRect(int category) const;
    // The colour a point is given before selection dimming.
    QColor pointColor(std::int64_t index) const;

    // The view as vector graphics (EmbeddingScatterSvg.cpp): every point drawn
    // inside the view as a circle at its projected position in its colour on
    // screen (dimmed when others are selected; selected points on top,
    // outlined), the joint view's links, and the legend, clipped to the view.
    // Coordinates are widget pixels. Empty when more than kMaxSvgPoints points
    // are in view (a file of millions of circles helps nobody: export PNG).
    static constexpr std::int64_t kMaxSvgPoints = 300000;
    QByteArray toSvg() const;
    // Several views side by side, left to right, in one SVG; each view's
    // content is a group with the given id. Empty when any view is refused.
    static QByteArray svgOfViews(const std::vector<std::pair<const EmbeddingScatterView*, QString>>& views);

Q_SIGNALS:
    void selectionChanged();
    void pointHovered(qint64 index);  // -1: none
    void pointActivated(qint64 index);  // double-click on a point
    void categoryVisibilityChanged(int category, bool visible);

protected:
    void resizeEvent(QResizeEvent* e) override;
    void mousePressEvent(QMouseEvent* e) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void mouseReleaseEvent(QMouseEvent* e) override;
    void mouseDoubleClickEvent(QMouseEvent* e) override;
    void wheelEvent(QWheelEvent* e) override;
    void keyPressEvent(QKeyEvent* e) override;
    void leaveEvent(QEvent* e) override;

private:
    enum class ColorMode { Uniform, Values, Categories };
    struct LegendLayout {
        QRectF frame;
        std::vector<std::pair<int, QRectF>> entries;  // category, row rect
        QRectF colorBar;
    };
    // Screen positions of the visible points for one camera and size.
    struct Projection {
        unsigned long cameraMTime = 0;
        QSize size;
        std::uint64_t generation = 0;
        bool valid = false;
        std::vector<float> xy;  // widget pixels, interleaved
        std::vector<std::int64_t> ids;  // point index of each entry
        PointGridIndex grid;
    };


    void rebuildColors();
    void rebuildVisibleCells();
    void rebuildSelectionCells();
    void rebuildLinkCells();
    void updateSelectionStyle();
    void sceneChanged();
    const Projection& projection() const;
    bool projectPoint(const double* worldToNdc, const float* p, QPointF& out) const;
    LegendLayout legendLayout() const;
    // One view's content as a <g> with that id; false (nothing useful written)
    // above kMaxSvgPoints points in view.
    bool writeSvgGroup(QXmlStreamWriter& w, const QString& id) const;
    void paintOverlay(QPainter& p) const;
    void setHovered(std::int64_t index);
    void zoom2d(double factor, QPointF anchor);
    void pan2d(QPointF delta);

    PaintOverlay* overlay_;  // child widget, owned by Qt

    vtkNew<vtkRenderer> renderer_;  // layer 0: all visible points
    vtkNew<vtkRenderer> highlight_;  // layer 1, same camera: selection and links on top
    vtkNew<vtkPoints> points_;
    vtkNew<vtkUnsignedCharArray> colors_;  // displayed RGB (dimmed when a selection exists)
    vtkNew<vtkPolyData> cloud_;
    vtkNew<vtkPolyDataMapper> cloudMapper_;
    vtkNew<vtkActor> cloudActor_;
    vtkNew<vtkPolyData> selected_;
    vtkNew<vtkPolyDataMapper> selectedMapper_;
    vtkNew<vtkActor> selectedActor_;
    vtkNew<vtkPolyDataMapper> outlineMapper_;
    vtkNew<vtkActor> outlineActor_;
    vtkNew<vtkPolyData> linksData_;
    vtkNew<vtkPolyDataMapper> linksMapper_;
    vtkNew<vtkActor> linksActor_;

    std::int64_t count_ = 0;
    int dims_ = 2;
    std::array<double, 6> bounds_{-1, 1, -1, 1, 0, 0};  // of the finite points
    bool userCamera_ = false;  // the user moved the camera: no refit on resize
    std::vector<std::uint8_t> finite_;  // 1 when the point's coordinates are finite
    std::vector<std::uint8_t> baseRgb_;  // 3 per point, before dimming
    ColorMode colorMode_ = ColorMode::Uniform;
    QColor uniform_{60, 110, 180};
    std::vector<int> codes_;
    QStringList categoryNames_;
    std::vector<std::uint8_t> categoryVisible_;  // per category
    QString legendTitle_;
    QString colormap_;
    double lo_ = 0, hi_ = 1;
    std::vector<std::int64_t> selection_;
    std::vector<std::pair<std::int64_t, std::int64_t>> links_;
    float pointSize_ = 3.0f;
    QColor background_{252, 252, 253};
    bool legendVisible_ = true;

    std::uint64_t generation_ = 0;  // bumps when which points are visible changes
    mutable Projection projection_;

    std::int64_t hovered_ = -1;
    enum class Drag { None, Lasso, Pan, Zoom, Vtk };
    Drag drag_ = Drag::None;
    QPointF pressPos_;
    QPointF lastMouse_;
    bool moved_ = false;  // the press became a drag (more than a few pixels)
    QPolygonF lasso_;
};

}  // namespace hescape
