// SectionGridView: one geometry (core/spatial/SectionGrid's layout at the
// largest scale that fits beside the legend) serves painting, hit tests and
// the exported figure, so a click, the screen and the figure always agree.
#include "widgets/spatial/SectionGridView.h"

#include "core/spatial/SectionGrid.h"
#include "widgets/slideview/FigureSvg.h"

#include <QBuffer>
#include <QFontMetricsF>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QSaveFile>

#include <algorithm>
#include <cmath>

namespace hescape {

namespace {
constexpr double kMargin = 8, kTitleHeight = 18, kLegendStrip = 170, kScaleBarStrip = 52;
constexpr double kMinHitPx = 5;
const QColor kMissing(170, 170, 176);
}  // namespace

SectionGridView::SectionGridView(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setMinimumSize(320, 240);
    setAutoFillBackground(false);
}

void SectionGridView::setPanels(std::vector<SectionPanel> panels, bool micrometres) {
    panels_ = std::move(panels);
    micrometres_ = micrometres;
    index_.clear();
    for (const auto& p : panels_) index_.emplace_back(p.xy);
    values_.clear();
    selection_.assign(panels_.size(), {});
    highlighted_ = hovered_ = {-1, -1};
    update();
}

void SectionGridView::setTitles(const QStringList& titles) {
    for (qsizetype i = 0; i < titles.size() && static_cast<std::size_t>(i) < panels_.size(); ++i) panels_[static_cast<std::size_t>(i)].title = titles[i];
    update();
}

void SectionGridView::setValues(std::vector<std::vector<float>> values, ColormapId colormap, double lo, double hi,
                                const QString& legendTitle) {
    values_ = std::move(values);
    colormap_ = colormap;
    lo_ = lo;
    hi_ = hi > lo ? hi : lo + 1;
    legendTitle_ = legendTitle;
    update();
}

QColor SectionGridView::colourOf(float value) const {
    if (!std::isfinite(value)) return kMissing;
    const auto c = colormapColor(colormap_, (value - lo_) / (hi_ - lo_));
    return QColor(c[0], c[1], c[2]);
}

void SectionGridView::setSelection(std::vector<std::vector<std::int64_t>> selection) {
    selection.resize(panels_.size());
    for (auto& s : selection) {
        std::sort(s.begin(), s.end());
        s.erase(std::unique(s.begin(), s.end()), s.end());
    }
    selection_ = std::move(selection);
    update();
}

void SectionGridView::setHighlighted(int panel, std::int64_t spot) {
    highlighted_ = {panel, spot};
    update();
}

SectionGridView::Geometry SectionGridView::geometry(QSizeF size) const {
    Geometry g;
    const double w = size.width() - 2 * kMargin - kLegendStrip, h = size.height() - 2 * kMargin - kScaleBarStrip;
    std::vector<SectionExtent> extents;
    for (const auto& p : panels_) extents.push_back({p.width, p.height});
    const SectionGridLayout layout = layoutSectionGrid(extents, w / std::max(1.0, h));
    if (layout.columns == 0 || w <= 0 || h <= layout.rows * kTitleHeight) return g;
    g.scale = std::min(w / layout.width(), (h - layout.rows * kTitleHeight) / layout.height());
    for (std::size_t i = 0; i < panels_.size(); ++i) {
        const auto row = static_cast<double>(static_cast<int>(i) / layout.columns), col = static_cast<double>(static_cast<int>(i) % layout.columns);
        const double cellTop = kMargin + row * (layout.cellHeight * g.scale + kTitleHeight);
        g.titles.emplace_back(kMargin + col * layout.cellWidth * g.scale, cellTop, layout.cellWidth * g.scale, kTitleHeight);
        const double top = kMargin + (row + 1) * kTitleHeight + layout.y[i] * g.scale;
        const double extentW = panels_[i].width > 0 ? panels_[i].width : 1, extentH = panels_[i].height > 0 ? panels_[i].height : 1;
        g.panels.emplace_back(kMargin + layout.x[i] * g.scale, top, extentW * g.scale, extentH * g.scale);
    }
    return g;
}

QRectF SectionGridView::panelRect(int panel) const {
    const Geometry g = geometry(size());
    return panel >= 0 && static_cast<std::size_t>(panel) < g.panels.size() ? g.panels[static_cast<std::size_t>(panel)] : QRectF();
}

std::optional<QPointF> SectionGridView::spotPosition(int panel, std::int64_t spot) const {
    const Geometry g = geometry(size());
    if (panel < 0 || static_cast<std::size_t>(panel) >= g.panels.size() || spot < 0 || spot >= panels_[static_cast<std::size_t>(panel)].spots())
        return std::nullopt;
    const auto& xy = panels_[static_cast<std::size_t>(panel)].xy;
    return g.panels[static_cast<std::size_t>(panel)].topLeft() +
           QPointF(xy[2 * static_cast<std::size_t>(spot)], xy[2 * static_cast<std::size_t>(spot) + 1]) * g.scale;
}

std::optional<std::pair<int, std::int64_t>> SectionGridView::spotAt(QPointF pos) const {
    const Geometry g = geometry(size());
    for (std::size_t i = 0; i < g.panels.size(); ++i) {
        const double reach = std::max(panels_[i].radius, kMinHitPx / g.scale);
        const QRectF r = g.panels[i];
        const QPointF u = (pos - r.topLeft()) / g.scale;
        if (u.x() < -reach || u.y() < -reach || u.x() > r.width() / g.scale + reach || u.y() > r.height() / g.scale + reach) continue;
        if (const auto hit = index_[i].nearest(u.x(), u.y(), reach)) return std::make_pair(static_cast<int>(i), *hit);
    }
    return std::nullopt;
}

FigureDecorations SectionGridView::decorations(const QFontMetricsF& fm, QSizeF size, const Geometry& g) const {
    FigureDecorations d;
    if (g.scale <= 0) return d;
    if (!values_.empty()) {
        const QRectF box(size.width() - kLegendStrip + kMargin, kMargin, kLegendStrip - 2 * kMargin, 58);
        d.legend = colourBarLegend(fm, box, legendTitle_, colormap_, lo_, hi_);
    }
    ScaleBarLayout l;
    const double maxWidth = g.panels.empty() ? 100 : std::max_element(g.panels.begin(), g.panels.end(), [](const QRectF& a, const QRectF& b) {
                                                         return a.width() < b.width();
                                                     })->width();
    const double units = niceScaleLength(maxWidth / g.scale / 3);
    l.lengthPx = units * g.scale;
    l.label = micrometres_ ? micrometreLabel(units) : tr("%1 px (no pixel size)").arg(units);
    l.box = QRectF(12, size.height() - 12 - 34, std::max(l.lengthPx, fm.horizontalAdvance(l.label)) + 16, 34);
    l.start = QPointF(l.box.left() + 8, l.box.bottom() - 9);
    l.labelRect = QRectF(l.start.x(), l.box.top() + 3, l.box.width() - 16, 16);
    d.scaleBar = l;
    return d;
}

void SectionGridView::paintPanel(QPainter& p, int i, const QRectF& rect, double scale, bool figure) const {
    const auto k = static_cast<std::size_t>(i);
    const SectionPanel& panel = panels_[k];
    p.setPen(QPen(QColor(200, 200, 206), 1));
    p.setBrush(QColor(250, 250, 252));
    p.drawRect(rect);
    if (!panel.image.isNull()) p.drawImage(rect, panel.image);
    const bool coloured = k < values_.size() && static_cast<std::int64_t>(values_[k].size()) == panel.spots();
    const double r = std::max(panel.radius * scale, 1.2);
    p.setRenderHint(QPainter::Antialiasing, panel.spots() < 50000);
    p.setPen(Qt::NoPen);
    for (std::int64_t s = 0; s < panel.spots(); ++s) {
        const QPointF c = rect.topLeft() + QPointF(panel.xy[2 * static_cast<std::size_t>(s)], panel.xy[2 * static_cast<std::size_t>(s) + 1]) * scale;
        p.setBrush(coloured ? colourOf(values_[k][static_cast<std::size_t>(s)]) : kMissing);
        if (panel.square) p.drawRect(QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r));
        else p.drawEllipse(c, r, r);
    }
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(QColor(15, 15, 20), 1.6));
    if (k < selection_.size())
        for (const std::int64_t s : selection_[k]) {
            if (s < 0 || s >= panel.spots()) continue;
            const QPointF c = rect.topLeft() + QPointF(panel.xy[2 * static_cast<std::size_t>(s)], panel.xy[2 * static_cast<std::size_t>(s) + 1]) * scale;
            p.drawEllipse(c, r + 1.2, r + 1.2);
        }
    if (figure) return;
    p.setPen(QPen(QColor(230, 30, 40), 2));
    for (const auto& [hp, hs] : {highlighted_, hovered_}) {
        if (hp != i || hs < 0 || hs >= panel.spots()) continue;
        const QPointF c = rect.topLeft() + QPointF(panel.xy[2 * static_cast<std::size_t>(hs)], panel.xy[2 * static_cast<std::size_t>(hs) + 1]) * scale;
        p.drawEllipse(c, r + 4, r + 4);
    }
}

void SectionGridView::paintGrid(QPainter& p, QSizeF size, bool withDecorations, bool figure) const {
    p.fillRect(QRectF(QPointF(0, 0), size), Qt::white);
    const Geometry g = geometry(size);
    if (g.scale <= 0) {
        p.setPen(QColor(90, 90, 100));
        p.drawText(QRectF(QPointF(0, 0), size), Qt::AlignCenter, panels_.empty() ? tr("No sections") : tr("Too small to show"));
        return;
    }
    const QFontMetricsF fm(p.font());
    for (std::size_t i = 0; i < g.panels.size(); ++i) {
        p.setPen(QColor(20, 20, 24));
        p.drawText(g.titles[i].adjusted(2, 0, -2, 0), Qt::AlignLeft | Qt::AlignVCenter,
                   fm.elidedText(panels_[i].title, Qt::ElideRight, g.titles[i].width() - 4));
        paintPanel(p, static_cast<int>(i), g.panels[i], g.scale, figure);
    }
    if (!band_.isNull() && !figure) {
        p.setPen(QPen(QColor(30, 30, 40), 1, Qt::DashLine));
        p.setBrush(QColor(60, 120, 220, 30));
        p.drawRect(band_);
    }
    if (!withDecorations) return;
    const FigureDecorations d = decorations(fm, size, g);
    if (d.scaleBar) paintScaleBarLayout(p, *d.scaleBar);
    if (d.legend) paintLegendLayout(p, *d.legend);
}

void SectionGridView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    paintGrid(p, size(), true, false);
}

QImage SectionGridView::renderFigure(double scale) const {
    QImage image((QSizeF(size()) * scale).toSize(), QImage::Format_RGB32);
    QPainter p(&image);
    p.setFont(font());
    p.scale(scale, scale);
    paintGrid(p, size(), true, true);
    return image;
}

QString SectionGridView::exportFigure(const QString& path) const {
    QByteArray bytes;
    if (path.endsWith(QStringLiteral(".svg"), Qt::CaseInsensitive)) {
        // The tissue and spots as one embedded image; legend and scale bar as vectors.
        QImage raster(size() * 2, QImage::Format_RGB32);
        QPainter p(&raster);
        p.setFont(font());
        p.scale(2, 2);
        paintGrid(p, size(), false, true);
        p.end();
        bytes = figureSvg(raster, size(), decorations(QFontMetricsF(font()), size(), geometry(size())), font());
    } else {
        const QImage image = renderFigure();
        QBuffer buffer(&bytes);
        buffer.open(QIODevice::WriteOnly);
        image.save(&buffer, "PNG");
    }
    QSaveFile file(path);
    if (bytes.isEmpty()) return tr("%1: the figure could not be encoded (the window may be too large)").arg(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return tr("%1: could not write the figure (%2)").arg(path, file.errorString());
    return {};
}

// ---- input -------------------------------------------------------------------

void SectionGridView::setHovered(int panel, std::int64_t spot) {
    if (hovered_ == std::make_pair(panel, spot)) return;
    hovered_ = {panel, spot};
    update();
    Q_EMIT spotHovered(panel, spot);
}

void SectionGridView::selectInRect(const QRectF& band, bool add) {
    const Geometry g = geometry(size());
    if (!add) selection_.assign(panels_.size(), {});
    for (std::size_t i = 0; i < g.panels.size(); ++i) {
        const QRectF hit = band.intersected(g.panels[i]);
        if (hit.isEmpty()) continue;
        const QPointF a = (hit.topLeft() - g.panels[i].topLeft()) / g.scale, b = (hit.bottomRight() - g.panels[i].topLeft()) / g.scale;
        const auto inside = index_[i].inRect(a.x(), a.y(), b.x(), b.y());
        selection_[i].insert(selection_[i].end(), inside.begin(), inside.end());
    }
    setSelection(std::move(selection_));
}

void SectionGridView::mousePressEvent(QMouseEvent* e) {
    if (e->button() != Qt::LeftButton) return QWidget::mousePressEvent(e);
    pressPos_ = e->position();
    band_ = {};
}

void SectionGridView::mouseMoveEvent(QMouseEvent* e) {
    if (pressPos_ && (e->buttons() & Qt::LeftButton)) {
        if ((e->position() - *pressPos_).manhattanLength() > 4) {
            band_ = QRectF(*pressPos_, e->position()).normalized();
            update();
        }
        return;
    }
    const auto hit = spotAt(e->position());
    setHovered(hit ? hit->first : -1, hit ? hit->second : -1);
}

void SectionGridView::mouseReleaseEvent(QMouseEvent* e) {
    if (e->button() != Qt::LeftButton || !pressPos_) return QWidget::mouseReleaseEvent(e);
    const bool add = e->modifiers() & Qt::ShiftModifier;
    if (!band_.isNull()) {
        selectInRect(band_, add);
    } else if (const auto hit = spotAt(e->position())) {
        auto selection = add ? selection_ : std::vector<std::vector<std::int64_t>>(panels_.size());
        auto& s = selection[static_cast<std::size_t>(hit->first)];
        if (const auto it = std::find(s.begin(), s.end(), hit->second); it != s.end()) s.erase(it);
        else s.push_back(hit->second);
        setSelection(std::move(selection));
    } else if (!add) {
        setSelection({});
    }
    pressPos_.reset();
    band_ = {};
    update();
    Q_EMIT selectionChanged();
}

void SectionGridView::mouseDoubleClickEvent(QMouseEvent* e) {
    if (const auto hit = spotAt(e->position())) Q_EMIT spotActivated(hit->first, hit->second);
}

void SectionGridView::leaveEvent(QEvent*) { setHovered(-1, -1); }

void SectionGridView::keyPressEvent(QKeyEvent* e) {
    if (e->key() != Qt::Key_Escape) return QWidget::keyPressEvent(e);
    setSelection({});
    Q_EMIT selectionChanged();
}

}  // namespace hescape
