// EmbeddingScatterView: VTK scene (one vtkPolyData of vertex cells for all
// visible points, a second renderer layer for selection and links), colour
// computation on the CPU from core/render/Colormap, screen-space hit tests
// through a cached projection, and a raster overlay for legend, lasso and hover.
#include "widgets/embedding/EmbeddingScatterView.h"

#include "widgets/common/PaintOverlay.h"

#include "core/render/Colormap.h"

#include <QFontMetricsF>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QWheelEvent>

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkFloatArray.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkIdTypeArray.h>
#include <vtkMatrix4x4.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkUnsignedCharArray.h>

#include <algorithm>
#include <cmath>

namespace hescape {

namespace {

constexpr std::uint8_t kNanGrey = 153;  // same grey as the slide overlay uses for NaN
constexpr std::uint8_t kOtherGrey = 170;  // codes outside the named categories
constexpr double kDimKeep = 0.3;  // share of its own colour an unselected point keeps
constexpr double kClickSlop = 3.0;  // pixels a press may move and still be a click
constexpr std::size_t kOutlinedSelectionMax = 2000;  // larger selections get no outlines

vtkSmartPointer<vtkCellArray> cellsOf(const std::vector<vtkIdType>& ids, vtkIdType cellSize) {
    vtkNew<vtkIdTypeArray> connectivity;
    connectivity->SetNumberOfValues(static_cast<vtkIdType>(ids.size()));
    std::copy(ids.begin(), ids.end(), connectivity->GetPointer(0));
    auto cells = vtkSmartPointer<vtkCellArray>::New();
    cells->SetData(cellSize, connectivity);
    return cells;
}

void setupMapper(vtkPolyDataMapper* mapper, vtkPolyData* data, bool colored) {
    mapper->SetInputData(data);
    mapper->SetScalarVisibility(colored);
    mapper->SetColorModeToDirectScalars();
    mapper->SetScalarModeToUsePointData();
}

}  // namespace

// Legend, lasso and hover ring are painted by a PaintOverlay child (as SlideView's).
EmbeddingScatterView::EmbeddingScatterView(QWidget* parent)
    : VtkGLWidget(parent), overlay_(new PaintOverlay(this, [this](QPainter& p) { paintOverlay(p); })) {
    setMinimumSize(200, 150);
    renderer_->SetLayer(0);
    renderer_->SetBackground(background_.redF(), background_.greenF(), background_.blueF());
    highlight_->SetLayer(1);  // keeps layer 0's colours, clears depth: drawn on top
    highlight_->SetActiveCamera(renderer_->GetActiveCamera());
    highlight_->InteractiveOff();
    renderWindow()->SetNumberOfLayers(2);
    renderWindow()->AddRenderer(renderer_);
    renderWindow()->AddRenderer(highlight_);

    points_->SetDataTypeToFloat();
    colors_->SetNumberOfComponents(3);
    colors_->SetName("rgb");

    cloud_->SetPoints(points_);
    cloud_->GetPointData()->SetScalars(colors_);
    cloud_->SetVerts(vtkNew<vtkCellArray>());
    setupMapper(cloudMapper_, cloud_, true);
    cloudActor_->SetMapper(cloudMapper_);
    cloudActor_->GetProperty()->LightingOff();
    renderer_->AddActor(cloudActor_);

    // Selection and links share the cloud's points and colours; only their
    // cells differ, so a new selection uploads no coordinates of its own.
    selected_->SetPoints(points_);
    selected_->GetPointData()->SetScalars(colors_);
    selected_->SetVerts(vtkNew<vtkCellArray>());
    setupMapper(selectedMapper_, selected_, true);
    selectedActor_->SetMapper(selectedMapper_);
    selectedActor_->GetProperty()->LightingOff();
    setupMapper(outlineMapper_, selected_, false);
    outlineActor_->SetMapper(outlineMapper_);
    outlineActor_->GetProperty()->LightingOff();
    outlineActor_->GetProperty()->SetColor(0.1, 0.1, 0.12);

    linksData_->SetPoints(points_);
    linksData_->SetLines(vtkNew<vtkCellArray>());
    setupMapper(linksMapper_, linksData_, false);
    linksActor_->SetMapper(linksMapper_);
    linksActor_->GetProperty()->LightingOff();
    linksActor_->GetProperty()->SetColor(0.35, 0.35, 0.4);
    linksActor_->GetProperty()->SetLineWidth(1.5f);

    // Draw order inside the layer: links under the outlines under the fills.
    highlight_->AddActor(linksActor_);
    highlight_->AddActor(outlineActor_);
    highlight_->AddActor(selectedActor_);
    setPointSize(pointSize_);
    resetCamera();
}

EmbeddingScatterView::~EmbeddingScatterView() = default;

bool EmbeddingScatterView::setPoints(std::vector<float> xyz, int dims) {
    if ((dims != 2 && dims != 3) || xyz.size() % static_cast<std::size_t>(dims) != 0) return false;
    const auto n = static_cast<std::int64_t>(xyz.size() / static_cast<std::size_t>(dims));
    vtkNew<vtkFloatArray> coords;
    coords->SetNumberOfComponents(3);
    coords->SetNumberOfTuples(n);
    float* out = coords->GetPointer(0);
    finite_.assign(static_cast<std::size_t>(n), 0);
    std::array<double, 6> b{1, -1, 1, -1, 0, 0};
    bool any = false;
    for (std::int64_t i = 0; i < n; ++i) {
        const float* p = xyz.data() + i * dims;
        const float z = dims == 3 ? p[2] : 0.0f;
        out[3 * i] = p[0];
        out[3 * i + 1] = p[1];
        out[3 * i + 2] = z;
        if (!std::isfinite(p[0]) || !std::isfinite(p[1]) || !std::isfinite(z)) continue;
        finite_[static_cast<std::size_t>(i)] = 1;
        if (!any) {
            b = {p[0], p[0], p[1], p[1], z, z};
            any = true;
        }
        b[0] = std::min<double>(b[0], p[0]);
        b[1] = std::max<double>(b[1], p[0]);
        b[2] = std::min<double>(b[2], p[1]);
        b[3] = std::max<double>(b[3], p[1]);
        b[4] = std::min<double>(b[4], z);
        b[5] = std::max<double>(b[5], z);
    }
    bounds_ = any ? b : std::array<double, 6>{-1, 1, -1, 1, 0, 0};
    points_->SetData(coords);
    count_ = n;
    dims_ = dims;

    colorMode_ = ColorMode::Uniform;
    codes_.clear();
    categoryNames_.clear();
    categoryVisible_.clear();
    legendTitle_.clear();
    const bool hadSelection = !selection_.empty();
    selection_.clear();
    updateSelectionStyle();
    links_.clear();
    setHovered(-1);
    setUniformColor(uniform_);
    rebuildVisibleCells();
    rebuildSelectionCells();
    rebuildLinkCells();
    resetCamera();
    sceneChanged();
    if (hadSelection) Q_EMIT selectionChanged();
    return true;
}

bool EmbeddingScatterView::setValues(std::vector<float> values, const QString& colormap, double lo, double hi,
                                     const QString& title) {
    const auto id = colormapFromName(colormap.toStdString());
    if (!id || *id == ColormapId::Categorical || static_cast<std::int64_t>(values.size()) != count_) return false;
    const bool hadCategories = colorMode_ == ColorMode::Categories;
    colorMode_ = ColorMode::Values;
    colormap_ = colormap;
    lo_ = lo;
    hi_ = hi;
    legendTitle_ = title;
    const double span = hi > lo ? hi - lo : 1.0;
    baseRgb_.resize(static_cast<std::size_t>(count_) * 3);
    for (std::size_t i = 0; i < values.size(); ++i) {
        std::array<std::uint8_t, 4> c{kNanGrey, kNanGrey, kNanGrey, 255};
        if (std::isfinite(values[i])) c = colormapColor(*id, (values[i] - lo) / span);
        std::copy_n(c.begin(), 3, baseRgb_.begin() + static_cast<std::ptrdiff_t>(3 * i));
    }
    if (hadCategories) {  // hidden categories no longer apply
        rebuildVisibleCells();
        rebuildSelectionCells();
        rebuildLinkCells();
    }
    rebuildColors();
    sceneChanged();
    return true;
}

bool EmbeddingScatterView::setCategories(std::vector<int> codes, QStringList names, const QString& title) {
    if (static_cast<std::int64_t>(codes.size()) != count_) return false;
    colorMode_ = ColorMode::Categories;
    codes_ = std::move(codes);
    categoryNames_ = std::move(names);
    categoryVisible_.assign(static_cast<std::size_t>(categoryNames_.size()), 1);
    legendTitle_ = title;
    const auto named = static_cast<int>(categoryNames_.size());
    baseRgb_.resize(static_cast<std::size_t>(count_) * 3);
    for (std::size_t i = 0; i < codes_.size(); ++i) {
        const int code = codes_[i];
        std::array<std::uint8_t, 4> c{kOtherGrey, kOtherGrey, kOtherGrey, 255};
        if (code >= 0 && code < named) c = categoryColor(code);
        std::copy_n(c.begin(), 3, baseRgb_.begin() + static_cast<std::ptrdiff_t>(3 * i));
    }
    rebuildVisibleCells();
    rebuildSelectionCells();
    rebuildLinkCells();
    rebuildColors();
    sceneChanged();
    return true;
}

void EmbeddingScatterView::setUniformColor(QColor color) {
    const bool hadCategories = colorMode_ == ColorMode::Categories;
    colorMode_ = ColorMode::Uniform;
    uniform_ = color;
    legendTitle_.clear();
    baseRgb_.resize(static_cast<std::size_t>(count_) * 3);
    for (std::size_t i = 0; i < baseRgb_.size(); i += 3) {
        baseRgb_[i] = static_cast<std::uint8_t>(color.red());
        baseRgb_[i + 1] = static_cast<std::uint8_t>(color.green());
        baseRgb_[i + 2] = static_cast<std::uint8_t>(color.blue());
    }
    if (hadCategories) {
        rebuildVisibleCells();
        rebuildSelectionCells();
        rebuildLinkCells();
    }
    rebuildColors();
    sceneChanged();
}

void EmbeddingScatterView::setCategoryVisible(int category, bool visible) {
    if (colorMode_ != ColorMode::Categories || category < 0 || category >= static_cast<int>(categoryVisible_.size()))
        return;
    auto& flag = categoryVisible_[static_cast<std::size_t>(category)];
    if (static_cast<bool>(flag) == visible) return;
    flag = visible ? 1 : 0;
    if (hovered_ >= 0 && !isPointVisible(hovered_)) setHovered(-1);
    rebuildVisibleCells();
    rebuildSelectionCells();
    rebuildLinkCells();
    sceneChanged();
    Q_EMIT categoryVisibilityChanged(category, visible);
}

bool EmbeddingScatterView::isCategoryVisible(int category) const {
    if (category < 0 || category >= static_cast<int>(categoryVisible_.size())) return true;
    return categoryVisible_[static_cast<std::size_t>(category)] != 0;
}

bool EmbeddingScatterView::isPointVisible(std::int64_t index) const {
    if (index < 0 || index >= count_ || !finite_[static_cast<std::size_t>(index)]) return false;
    if (colorMode_ != ColorMode::Categories) return true;
    return isCategoryVisible(codes_[static_cast<std::size_t>(index)]);
}

void EmbeddingScatterView::setSelection(std::vector<std::int64_t> indices) {
    std::erase_if(indices, [this](std::int64_t i) { return i < 0 || i >= count_; });
    std::sort(indices.begin(), indices.end());
    indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
    if (indices == selection_) return;
    selection_ = std::move(indices);
    updateSelectionStyle();
    rebuildSelectionCells();
    rebuildColors();
    sceneChanged();
    Q_EMIT selectionChanged();
}

void EmbeddingScatterView::clearSelection() { setSelection({}); }

void EmbeddingScatterView::selectInPolygon(const QPolygonF& widgetPolygon) {
    std::vector<std::int64_t> hits;
    if (widgetPolygon.size() >= 3) {
        const Projection& proj = projection();
        const QRectF box = widgetPolygon.boundingRect();
        for (const std::int64_t k : proj.grid.inRect(box.left(), box.top(), box.right(), box.bottom())) {
            const auto j = static_cast<std::size_t>(k);
            if (widgetPolygon.containsPoint(QPointF(proj.xy[2 * j], proj.xy[2 * j + 1]), Qt::OddEvenFill))
                hits.push_back(proj.ids[j]);
        }
    }
    // Always announce the lasso's result, even when it selects what was selected.
    const bool same = [&] {
        auto sorted = hits;
        std::sort(sorted.begin(), sorted.end());
        return sorted == selection_;
    }();
    setSelection(std::move(hits));
    if (same) Q_EMIT selectionChanged();
}

void EmbeddingScatterView::setLinks(std::vector<std::pair<std::int64_t, std::int64_t>> pairs) {
    std::erase_if(pairs, [this](const auto& p) { return p.first < 0 || p.first >= count_ || p.second < 0 || p.second >= count_; });
    links_ = std::move(pairs);
    rebuildLinkCells();
    sceneChanged();
}

void EmbeddingScatterView::clearLinks() { setLinks({}); }

void EmbeddingScatterView::setPointSize(float pixels) {
    pointSize_ = std::max(1.0f, pixels);
    cloudActor_->GetProperty()->SetPointSize(pointSize_);
    updateSelectionStyle();
    requestRender();
}

void EmbeddingScatterView::updateSelectionStyle() {
    // A few selected points stand out enlarged with an outline; a lasso over
    // thousands would merge into one dark blob, so those rely on the dimming
    // of the others and are only slightly enlarged.
    const bool few = selection_.size() <= kOutlinedSelectionMax;
    selectedActor_->GetProperty()->SetPointSize(pointSize_ + (few ? 3 : 1));
    outlineActor_->GetProperty()->SetPointSize(pointSize_ + 8);
    outlineActor_->SetVisibility(few);
}

void EmbeddingScatterView::setBackgroundColor(QColor color) {
    background_ = color;
    renderer_->SetBackground(color.redF(), color.greenF(), color.blueF());
    rebuildColors();  // dimming blends towards the background
    sceneChanged();
}

void EmbeddingScatterView::setLegendVisible(bool on) {
    legendVisible_ = on;
    overlay_->update();
}

void EmbeddingScatterView::resetCamera() {
    vtkCamera* camera = renderer_->GetActiveCamera();
    const double cx = 0.5 * (bounds_[0] + bounds_[1]), cy = 0.5 * (bounds_[2] + bounds_[3]),
                 cz = 0.5 * (bounds_[4] + bounds_[5]);
    camera->SetFocalPoint(cx, cy, cz);
    camera->SetPosition(cx, cy, cz + 1.0);
    camera->SetViewUp(0, 1, 0);
    camera->SetParallelProjection(dims_ == 2);
    // A degenerate extent (one point, a line) still gets a sensible frame.
    std::array<double, 6> b = bounds_;
    for (int a = 0; a < 3; ++a) {
        if (b[2 * a + 1] - b[2 * a] < 1e-9) {
            b[2 * a] -= 0.5;
            b[2 * a + 1] += 0.5;
        }
    }
    renderer_->ResetCamera(b.data());
    if (dims_ == 2) {
        // Fit both extents with a 5% margin; ParallelScale is half the view height.
        const double aspect = height() > 0 ? static_cast<double>(width()) / height() : 1.0;
        const double halfH = 0.5 * (b[3] - b[2]), halfW = 0.5 * (b[1] - b[0]);
        camera->SetParallelScale(1.05 * std::max(halfH, halfW / std::max(aspect, 1e-6)));
    }
    userCamera_ = false;
    requestRender();
    overlay_->update();
}

std::optional<QPointF> EmbeddingScatterView::projectedPosition(std::int64_t index) const {
    if (index < 0 || index >= count_ || !finite_[static_cast<std::size_t>(index)] || width() <= 0 || height() <= 0)
        return std::nullopt;
    vtkCamera* camera = renderer_->GetActiveCamera();
    const double aspect = static_cast<double>(width()) / height();
    const double* m = camera->GetCompositeProjectionTransformMatrix(aspect, -1, 1)->GetData();
    const float* coords = static_cast<vtkFloatArray*>(points_->GetData())->GetPointer(3 * index);
    QPointF out;
    if (!projectPoint(m, coords, out)) return std::nullopt;
    return out;
}

// World -> normalized device coordinates through VTK's own camera matrix,
// then NDC -> widget pixels. VTK's display coordinates are device pixels with
// a bottom-left origin: x_d = (ndc_x + 1) / 2 * width * dpr and
// y_d = (ndc_y + 1) / 2 * height * dpr; dividing by the device pixel ratio
// and flipping y (y_qt = height - y_d / dpr) gives the expressions below.
bool EmbeddingScatterView::projectPoint(const double* m, const float* p, QPointF& out) const {
    const double x = p[0], y = p[1], z = p[2];
    const double w = m[12] * x + m[13] * y + m[14] * z + m[15];
    if (!(w > 0)) return false;  // behind the camera
    const double nx = (m[0] * x + m[1] * y + m[2] * z + m[3]) / w;
    const double ny = (m[4] * x + m[5] * y + m[6] * z + m[7]) / w;
    out = QPointF((nx + 1.0) * 0.5 * width(), (1.0 - ny) * 0.5 * height());
    return true;
}

const EmbeddingScatterView::Projection& EmbeddingScatterView::projection() const {
    vtkCamera* camera = renderer_->GetActiveCamera();
    const QSize size = this->size();
    if (size.isEmpty()) {
        projection_ = Projection{};
        return projection_;
    }
    const double aspect = static_cast<double>(size.width()) / size.height();
    double m[16];
    std::copy_n(camera->GetCompositeProjectionTransformMatrix(aspect, -1, 1)->GetData(), 16, m);
    const unsigned long mtime = camera->GetMTime();  // read after the call above, which may touch it
    if (projection_.valid && projection_.cameraMTime == mtime && projection_.size == size &&
        projection_.generation == generation_)
        return projection_;

    Projection proj;
    proj.cameraMTime = mtime;
    proj.size = size;
    proj.generation = generation_;
    proj.valid = true;
    proj.xy.reserve(static_cast<std::size_t>(count_) * 2);
    proj.ids.reserve(static_cast<std::size_t>(count_));
    const float* coords = static_cast<vtkFloatArray*>(points_->GetData())->GetPointer(0);
    QPointF q;
    for (std::int64_t i = 0; i < count_; ++i) {
        if (!isPointVisible(i) || !projectPoint(m, coords + 3 * i, q)) continue;
        proj.xy.push_back(static_cast<float>(q.x()));
        proj.xy.push_back(static_cast<float>(q.y()));
        proj.ids.push_back(i);
    }
    proj.grid = PointGridIndex(proj.xy);
    projection_ = std::move(proj);
    return projection_;
}

std::optional<std::int64_t> EmbeddingScatterView::pointAt(QPointF widgetPos, double maxDistance) const {
    const Projection& proj = projection();
    const auto k = proj.grid.nearest(widgetPos.x(), widgetPos.y(), maxDistance);
    if (!k) return std::nullopt;
    return proj.ids[static_cast<std::size_t>(*k)];
}

QColor EmbeddingScatterView::pointColor(std::int64_t index) const {
    if (index < 0 || index >= count_) return {};
    const auto i = static_cast<std::size_t>(3 * index);
    return QColor(baseRgb_[i], baseRgb_[i + 1], baseRgb_[i + 2]);
}

void EmbeddingScatterView::rebuildColors() {
    colors_->SetNumberOfTuples(count_);
    std::uint8_t* out = colors_->GetPointer(0);
    std::copy(baseRgb_.begin(), baseRgb_.end(), out);
    if (!selection_.empty()) {
        // Dim everything, then restore the selected points' own colours.
        const int bg[3] = {background_.red(), background_.green(), background_.blue()};
        for (std::size_t i = 0; i < baseRgb_.size(); ++i)
            out[i] = static_cast<std::uint8_t>(std::lround(bg[i % 3] + kDimKeep * (baseRgb_[i] - bg[i % 3])));
        for (const std::int64_t s : selection_)
            std::copy_n(baseRgb_.begin() + 3 * s, 3, out + 3 * s);
    }
    colors_->Modified();
}

void EmbeddingScatterView::rebuildVisibleCells() {
    std::vector<vtkIdType> ids;
    ids.reserve(static_cast<std::size_t>(count_));
    for (std::int64_t i = 0; i < count_; ++i)
        if (isPointVisible(i)) ids.push_back(static_cast<vtkIdType>(i));
    cloud_->SetVerts(cellsOf(ids, 1));
    ++generation_;
}

void EmbeddingScatterView::rebuildSelectionCells() {
    std::vector<vtkIdType> ids;
    ids.reserve(selection_.size());
    for (const std::int64_t s : selection_)
        if (isPointVisible(s)) ids.push_back(static_cast<vtkIdType>(s));
    selected_->SetVerts(cellsOf(ids, 1));
}

void EmbeddingScatterView::rebuildLinkCells() {
    std::vector<vtkIdType> ids;
    ids.reserve(2 * links_.size());
    for (const auto& [a, b] : links_) {
        if (!isPointVisible(a) || !isPointVisible(b)) continue;
        ids.push_back(static_cast<vtkIdType>(a));
        ids.push_back(static_cast<vtkIdType>(b));
    }
    linksData_->SetLines(cellsOf(ids, 2));
}

void EmbeddingScatterView::sceneChanged() {
    requestRender();
    overlay_->update();
}

// ---- overlay: legend, lasso, hover ring ----

EmbeddingScatterView::LegendLayout EmbeddingScatterView::legendLayout() const {
    LegendLayout out;
    if (!legendVisible_ || count_ == 0 || colorMode_ == ColorMode::Uniform) return out;
    const QFontMetricsF fm(font());
    const double pad = 8, row = std::max(16.0, fm.height() + 2), swatch = 11, margin = 8;
    const double titleH = legendTitle_.isEmpty() ? 0 : row;
    QFont bold = font();
    bold.setBold(true);  // the title is drawn bold (paintOverlay)
    double textW = legendTitle_.isEmpty() ? 0 : QFontMetricsF(bold).horizontalAdvance(legendTitle_);
    if (colorMode_ == ColorMode::Categories) {
        // As many rows as fit in the widget; the rest are summarised in a last row.
        const int fit = std::max(1, static_cast<int>((height() - 2 * margin - 2 * pad - titleH) / row));
        const int total = static_cast<int>(categoryNames_.size());
        const int shown = total <= fit ? total : fit - 1;
        for (int c = 0; c < shown; ++c) textW = std::max(textW, swatch + 6 + fm.horizontalAdvance(categoryNames_[c]));
        const int rows = shown + (shown < total ? 1 : 0);
        const double w = textW + 2 * pad, h = titleH + rows * row + 2 * pad;
        out.frame = QRectF(width() - margin - w, margin, w, h);
        for (int c = 0; c < shown; ++c)
            out.entries.emplace_back(c, QRectF(out.frame.left() + pad, out.frame.top() + pad + titleH + c * row,
                                               textW, row));
        if (shown < total)
            out.entries.emplace_back(-1, QRectF(out.frame.left() + pad, out.frame.top() + pad + titleH + shown * row,
                                                textW, row));
    } else {
        const double barH = std::clamp(height() - 2 * margin - 2 * pad - titleH, 40.0, 160.0), barW = 14;
        const QString hiText = QString::number(hi_, 'g', 4), loText = QString::number(lo_, 'g', 4);
        textW = std::max(textW, barW + 6 + std::max(fm.horizontalAdvance(hiText), fm.horizontalAdvance(loText)));
        const double w = textW + 2 * pad, h = titleH + barH + 2 * pad;
        out.frame = QRectF(width() - margin - w, margin, w, h);
        out.colorBar = QRectF(out.frame.left() + pad, out.frame.top() + pad + titleH, barW, barH);
    }
    return out;
}

QRectF EmbeddingScatterView::legendRect() const { return legendLayout().frame; }

QRectF EmbeddingScatterView::legendEntryRect(int category) const {
    if (category < 0) return {};
    for (const auto& [c, rect] : legendLayout().entries)
        if (c == category) return rect;
    return {};
}

void EmbeddingScatterView::paintOverlay(QPainter& p) const {
    // Hover ring first so that the legend stays readable above it.
    if (hovered_ >= 0) {
        if (const auto pos = projectedPosition(hovered_)) {
            p.setPen(QPen(QColor(20, 20, 24), 1.5));
            p.setBrush(Qt::NoBrush);
            p.drawEllipse(*pos, pointSize_ + 4, pointSize_ + 4);
        }
    }
    if (lasso_.size() > 1) {
        p.setPen(QPen(QColor(20, 20, 24), 1.2, Qt::DashLine));
        p.setBrush(QColor(40, 90, 200, 40));
        p.drawPolygon(lasso_);
    }
    const LegendLayout layout = legendLayout();
    if (layout.frame.isEmpty()) return;
    const QFontMetricsF fm(font());
    p.setPen(QPen(QColor(180, 180, 186), 1));
    p.setBrush(QColor(255, 255, 255, 225));
    p.drawRoundedRect(layout.frame, 4, 4);
    const double pad = 8;
    double y = layout.frame.top() + pad;
    if (!legendTitle_.isEmpty()) {
        const double row = std::max(16.0, fm.height() + 2);
        QFont bold = font();
        bold.setBold(true);
        p.setFont(bold);
        p.setPen(QColor(30, 30, 34));
        p.drawText(QRectF(layout.frame.left() + pad, y, layout.frame.width() - 2 * pad, row),
                   Qt::AlignLeft | Qt::AlignVCenter, legendTitle_);
        p.setFont(font());
    }
    for (const auto& [category, rect] : layout.entries) {
        if (category < 0) {
            const int more = static_cast<int>(categoryNames_.size() - (layout.entries.size() - 1));
            p.setPen(QColor(90, 90, 96));
            p.drawText(rect, Qt::AlignLeft | Qt::AlignVCenter, tr("+ %1 more").arg(more));
            continue;
        }
        const bool shown = isCategoryVisible(category);
        const auto c = categoryColor(category);
        const QRectF sw(rect.left(), rect.center().y() - 5.5, 11, 11);
        // A hidden category keeps its colour as an outline so it can be found again.
        p.setPen(QPen(QColor(c[0], c[1], c[2]), shown ? 1 : 2));
        p.setBrush(shown ? QBrush(QColor(c[0], c[1], c[2])) : QBrush(Qt::NoBrush));
        p.drawRect(sw);
        p.setPen(shown ? QColor(30, 30, 34) : QColor(150, 150, 156));
        p.drawText(QRectF(sw.right() + 6, rect.top(), rect.width() - sw.width() - 6, rect.height()),
                   Qt::AlignLeft | Qt::AlignVCenter, categoryNames_[category]);
    }
    if (!layout.colorBar.isEmpty()) {
        const auto id = colormapFromName(colormap_.toStdString()).value_or(ColormapId::Viridis);
        QLinearGradient g(layout.colorBar.bottomLeft(), layout.colorBar.topLeft());
        for (int i = 0; i <= 16; ++i) {
            const auto c = colormapColor(id, i / 16.0);
            g.setColorAt(i / 16.0, QColor(c[0], c[1], c[2]));
        }
        p.setPen(QPen(QColor(120, 120, 126), 1));
        p.setBrush(g);
        p.drawRect(layout.colorBar);
        p.setPen(QColor(30, 30, 34));
        const double tx = layout.colorBar.right() + 6, tw = layout.frame.right() - pad - tx;
        p.drawText(QRectF(tx, layout.colorBar.top() - 2, tw, fm.height()), Qt::AlignLeft | Qt::AlignTop,
                   QString::number(hi_, 'g', 4));
        p.drawText(QRectF(tx, layout.colorBar.bottom() - fm.height() + 2, tw, fm.height()),
                   Qt::AlignLeft | Qt::AlignBottom, QString::number(lo_, 'g', 4));
    }
}

// ---- interaction ----

void EmbeddingScatterView::showHovered(std::int64_t index) {
    const std::int64_t i = index >= 0 && index < count_ && isPointVisible(index) ? index : -1;
    if (i == hovered_) return;
    hovered_ = i;
    overlay_->update();
}

void EmbeddingScatterView::setHovered(std::int64_t index) {
    if (index == hovered_) return;
    hovered_ = index;
    overlay_->update();
    Q_EMIT pointHovered(index);
}

void EmbeddingScatterView::pan2d(QPointF delta) {
    vtkCamera* camera = renderer_->GetActiveCamera();
    const double s = 2.0 * camera->GetParallelScale() / std::max(1, height());  // world units per pixel
    double f[3], p[3];
    camera->GetFocalPoint(f);
    camera->GetPosition(p);
    const double dx = -delta.x() * s, dy = delta.y() * s;
    camera->SetFocalPoint(f[0] + dx, f[1] + dy, f[2]);
    camera->SetPosition(p[0] + dx, p[1] + dy, p[2]);
    userCamera_ = true;
    requestRender();
    overlay_->update();
}

void EmbeddingScatterView::zoom2d(double factor, QPointF anchor) {
    // Keeps the world point under `anchor` where it is.
    vtkCamera* camera = renderer_->GetActiveCamera();
    const double h = std::max(1, height());
    const double s0 = 2.0 * camera->GetParallelScale() / h;
    const double s1 = s0 / factor;
    const double ax = anchor.x() - 0.5 * width(), ay = 0.5 * h - anchor.y();
    double f[3], p[3];
    camera->GetFocalPoint(f);
    camera->GetPosition(p);
    const double dx = ax * (s0 - s1), dy = ay * (s0 - s1);
    camera->SetParallelScale(camera->GetParallelScale() / factor);
    camera->SetFocalPoint(f[0] + dx, f[1] + dy, f[2]);
    camera->SetPosition(p[0] + dx, p[1] + dy, p[2]);
    userCamera_ = true;
    requestRender();
    overlay_->update();
}

void EmbeddingScatterView::resizeEvent(QResizeEvent* e) {
    VtkGLWidget::resizeEvent(e);
    overlay_->setGeometry(rect());
    if (!userCamera_) resetCamera();  // keep the data fitted until the user moves the camera
}

void EmbeddingScatterView::mousePressEvent(QMouseEvent* e) {
    pressPos_ = lastMouse_ = e->position();
    moved_ = false;
    setHovered(-1);
    if (e->button() == Qt::LeftButton && (e->modifiers() & Qt::ShiftModifier)) {
        drag_ = Drag::Lasso;
        lasso_ = QPolygonF{e->position()};
        overlay_->update();
        return;
    }
    if (e->button() == Qt::LeftButton && colorMode_ == ColorMode::Categories) {
        for (const auto& [category, rect] : legendLayout().entries) {
            if (category >= 0 && rect.contains(e->position())) {
                setCategoryVisible(category, !isCategoryVisible(category));
                drag_ = Drag::None;
                return;
            }
        }
    }
    if (dims_ == 2) {
        drag_ = e->button() == Qt::RightButton ? Drag::Zoom : Drag::Pan;
        return;
    }
    drag_ = Drag::Vtk;
    userCamera_ = true;
    VtkGLWidget::mousePressEvent(e);
}

void EmbeddingScatterView::mouseMoveEvent(QMouseEvent* e) {
    const QPointF pos = e->position();
    if (QLineF(pos, pressPos_).length() > kClickSlop) moved_ = true;
    switch (drag_) {
        case Drag::Lasso:
            lasso_ << pos;
            overlay_->update();
            break;
        case Drag::Pan:
            pan2d(pos - lastMouse_);
            break;
        case Drag::Zoom:
            zoom2d(std::pow(1.01, lastMouse_.y() - pos.y()), pressPos_);
            break;
        case Drag::Vtk:
            VtkGLWidget::mouseMoveEvent(e);
            overlay_->update();
            break;
        case Drag::None:
            setHovered(pointAt(pos).value_or(-1));
            break;
    }
    lastMouse_ = pos;
}

void EmbeddingScatterView::mouseReleaseEvent(QMouseEvent* e) {
    const Drag drag = drag_;
    drag_ = Drag::None;
    if (drag == Drag::Lasso) {
        lasso_ << e->position();
        const QPolygonF polygon = lasso_;
        lasso_.clear();
        overlay_->update();
        selectInPolygon(polygon);
        return;
    }
    if (drag == Drag::Vtk) VtkGLWidget::mouseReleaseEvent(e);
    // A click (no drag) on a point selects that point alone.
    if (!moved_ && e->button() == Qt::LeftButton && drag != Drag::None) {
        if (const auto hit = pointAt(e->position())) setSelection({*hit});
    }
}

void EmbeddingScatterView::mouseDoubleClickEvent(QMouseEvent* e) {
    if (e->button() != Qt::LeftButton) return;
    if (const auto hit = pointAt(e->position())) Q_EMIT pointActivated(*hit);
}

void EmbeddingScatterView::wheelEvent(QWheelEvent* e) {
    if (dims_ == 2) {
        zoom2d(std::pow(1.2, e->angleDelta().y() / 120.0), e->position());
        e->accept();
        return;
    }
    userCamera_ = true;
    VtkGLWidget::wheelEvent(e);
    overlay_->update();
}

void EmbeddingScatterView::keyPressEvent(QKeyEvent* e) {
    switch (e->key()) {
        case Qt::Key_Escape: clearSelection(); break;
        case Qt::Key_R: resetCamera(); break;
        default: VtkGLWidget::keyPressEvent(e); break;
    }
}

void EmbeddingScatterView::leaveEvent(QEvent* e) {
    setHovered(-1);
    VtkGLWidget::leaveEvent(e);
}

}  // namespace hescape
