// Every section of a study side by side at one scale: each panel shows its
// tissue and its spots coloured through one shared colormap and range, with
// one legend and one scale bar for the whole grid, so that the same colour
// means the same value on every tissue and a batch effect shows as panels
// that differ. Hover and selection are by (panel, spot) for the app to link
// to a run's rows; the grid exports as one figure (PNG; SVG with the legend
// and scale bar as vectors). Painted with QPainter: tens of panels of
// thousands of spots (a million-spot section belongs in SlideView).
#pragma once

#include "core/render/Colormap.h"
#include "core/spatial/PointGridIndex.h"
#include "widgets/slideview/FigureDecorations.h"

#include <QImage>
#include <QPointF>
#include <QRectF>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace hescape {

struct SectionPanel {
    QString title;
    QImage image;                  // the tissue, spanning the panel (may be null)
    double width = 0, height = 0;  // the panel's extent in the grid's unit (um, or pixels)
    std::vector<float> xy;         // spot centres from the panel's top-left in that unit, interleaved
    double radius = 0;             // in that unit (a square's half side)
    bool square = false;
    std::int64_t spots() const { return static_cast<std::int64_t>(xy.size() / 2); }
};

class SectionGridView : public QWidget {
    Q_OBJECT
public:
    explicit SectionGridView(QWidget* parent = nullptr);

    // `micrometres`: the panels' unit is um (the scale bar says so), else pixels.
    // Clears values, selection and highlight.
    void setPanels(std::vector<SectionPanel> panels, bool micrometres);
    int panelCount() const { return static_cast<int>(panels_.size()); }
    // New titles for the panels in order (e.g. with each section's split and donor); extra entries are ignored.
    void setTitles(const QStringList& titles);
    const SectionPanel& panel(int i) const { return panels_.at(static_cast<std::size_t>(i)); }

    // One value per spot of each panel (a panel whose count differs is drawn
    // grey), through `colormap` from lo to hi; NaN is grey.
    void setValues(std::vector<std::vector<float>> values, ColormapId colormap, double lo, double hi, const QString& legendTitle);
    const std::vector<std::vector<float>>& values() const { return values_; }
    // The colour a value is drawn with (opaque).
    QColor colourOf(float value) const;

    // Selected spots per panel, outlined; set without a signal.
    void setSelection(std::vector<std::vector<std::int64_t>> selection);
    const std::vector<std::vector<std::int64_t>>& selection() const { return selection_; }
    // One spot ringed (another view's hover); panel -1: none. No signal.
    void setHighlighted(int panel, std::int64_t spot);
    std::pair<int, std::int64_t> highlighted() const { return highlighted_; }

    // Where a spot's centre is drawn, in widget coordinates.
    std::optional<QPointF> spotPosition(int panel, std::int64_t spot) const;
    // The spot under a widget position (within its radius, or 5 px when tiny).
    std::optional<std::pair<int, std::int64_t>> spotAt(QPointF pos) const;
    QRectF panelRect(int panel) const;

    // The grid as shown, `scale` times the widget's size.
    QImage renderFigure(double scale = 2.0) const;
    // PNG, or SVG when `path` ends in .svg; written atomically. An error naming the file, or empty.
    QString exportFigure(const QString& path) const;

Q_SIGNALS:
    void spotHovered(int panel, qint64 spot);  // -1, -1: none
    void spotActivated(int panel, qint64 spot);  // double-click
    void selectionChanged();                     // by the user

protected:
    void paintEvent(QPaintEvent* e) override;
    void mousePressEvent(QMouseEvent* e) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void mouseReleaseEvent(QMouseEvent* e) override;
    void mouseDoubleClickEvent(QMouseEvent* e) override;
    void leaveEvent(QEvent* e) override;
    void keyPressEvent(QKeyEvent* e) override;

private:
    struct Geometry {
        double scale = 0;  // widget pixels per unit
        std::vector<QRectF> panels, titles;
    };
    Geometry geometry(QSizeF size) const;
    FigureDecorations decorations(const QFontMetricsF& fm, QSizeF size, const Geometry& g) const;
    // `figure`: for export -- no hover rings or rubber band, only what the figure shows.
    void paintGrid(QPainter& p, QSizeF size, bool withDecorations, bool figure) const;
    void paintPanel(QPainter& p, int i, const QRectF& rect, double scale, bool figure) const;
    void selectInRect(const QRectF& widgetRect, bool add);
    void setHovered(int panel, std::int64_t spot);

    std::vector<SectionPanel> panels_;
    std::vector<PointGridIndex> index_;  // per panel, in its unit
    bool micrometres_ = false;
    std::vector<std::vector<float>> values_;
    ColormapId colormap_ = ColormapId::Viridis;
    double lo_ = 0, hi_ = 1;
    QString legendTitle_;
    std::vector<std::vector<std::int64_t>> selection_;
    std::pair<int, std::int64_t> highlighted_{-1, -1}, hovered_{-1, -1};
    std::optional<QPointF> pressPos_;
    QRectF band_;
};

}  // namespace hescape
