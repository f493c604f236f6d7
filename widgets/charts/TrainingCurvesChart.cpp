// TrainingCurvesChart: VTK chart set-up (two tables, three plots, the recall
// plot on the right axis) and the hand-written SVG export (nice ticks, min/max
// decimation of long curves to the pixel columns they cover).
#include "widgets/charts/TrainingCurvesChart.h"

#include "core/render/Colormap.h"
#include "widgets/common/SvgDocument.h"

#include <QSaveFile>
#include <QXmlStreamWriter>

#include <vtkAxis.h>
#include <vtkChartLegend.h>
#include <vtkChartXY.h>
#include <vtkContextScene.h>
#include <vtkContextView.h>
#include <vtkDoubleArray.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkPen.h>
#include <vtkPlot.h>
#include <vtkPlotPoints.h>
#include <vtkRenderer.h>
#include <vtkTable.h>
#include <vtkTextProperty.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace hescape {

namespace {

// Series colours: the first three of the categorical palette, in the chart and in the SVG.
std::array<std::uint8_t, 4> seriesColor(TrainingCurvesChart::Series s) { return categoryColor(static_cast<int>(s)); }

QString svgColor(TrainingCurvesChart::Series s) {
    const auto c = seriesColor(s);
    return QStringLiteral("#%1%2%3")
        .arg(c[0], 2, 16, QLatin1Char('0'))
        .arg(c[1], 2, 16, QLatin1Char('0'))
        .arg(c[2], 2, 16, QLatin1Char('0'));
}

void styleAxis(vtkAxis* axis, const QString& title) {
    axis->SetTitle(title.toStdString());
    axis->GetTitleProperties()->SetFontSize(13);
    axis->GetLabelProperties()->SetFontSize(11);
}

// Tick positions for [lo, hi]: steps of 1, 2 or 5 times a power of ten, about `target` of them.
struct Ticks {
    double lo, hi, step;
    std::vector<double> values;
};
Ticks niceTicks(double lo, double hi, int target, bool expand) {
    if (!(hi > lo)) {
        lo -= 0.5;
        hi += 0.5;
    }
    const double raw = (hi - lo) / std::max(1, target);
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = mag;
    for (const double m : {1.0, 2.0, 5.0, 10.0}) {
        step = m * mag;
        if (raw <= step) break;
    }
    Ticks t{lo, hi, step, {}};
    if (expand) {
        t.lo = std::floor(lo / step) * step;
        t.hi = std::ceil(hi / step) * step;
    }
    for (double v = std::ceil(t.lo / step - 1e-9) * step; v <= t.hi + step * 1e-9; v += step)
        t.values.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
    return t;
}

QString tickLabel(double v, double step) {
    // Enough decimals for the step, none beyond (0.30000000000000004 -> 0.3).
    const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
    if (std::abs(v) >= 1e5 || (v != 0 && std::abs(v) < 1e-4)) return QString::number(v, 'g', 3);
    return QString::number(v, 'f', decimals);
}

QString num(double v) { return QString::number(v, 'f', 2); }

}  // namespace

TrainingCurvesChart::TrainingCurvesChart(QWidget* parent) : VtkGLWidget(parent) {
    setMinimumSize(240, 160);
    // The context view brings its own renderer and an interactor style for
    // chart panning/zooming on the widget's interactor.
    view_->SetRenderWindow(renderWindow());
    view_->GetRenderer()->SetBackground(1, 1, 1);
    view_->GetScene()->AddItem(chart_);

    trainStep_->SetName("step");
    trainLoss_->SetName("train loss");
    trainTable_->AddColumn(trainStep_);
    trainTable_->AddColumn(trainLoss_);
    validationStep_->SetName("step");
    validationLoss_->SetName("validation loss");
    recall_->SetName("recall@5");
    validationTable_->AddColumn(validationStep_);
    validationTable_->AddColumn(validationLoss_);
    validationTable_->AddColumn(recall_);

    auto addPlot = [this](Series s, vtkTable* table, vtkIdType yColumn, int type) {
        vtkPlot* plot = chart_->AddPlot(type);
        plot->SetInputData(table, 0, yColumn);
        const auto c = seriesColor(s);
        plot->SetColor(c[0], c[1], c[2], 255);
        plot->SetWidth(2.0f);
        if (auto* points = vtkPlotPoints::SafeDownCast(plot))
            points->SetMarkerStyle(type == vtkChart::POINTS ? vtkPlotPoints::CIRCLE : vtkPlotPoints::NONE);
        if (s == Series::RecallAt5) chart_->SetPlotCorner(plot, 1);  // bottom + right axes: its own scale
        plot->SetVisible(false);  // until there are points (see updateVisibility)
        return plot;
    };
    lines_ = {addPlot(Series::TrainLoss, trainTable_, 1, vtkChart::LINE),
              addPlot(Series::ValidationLoss, validationTable_, 1, vtkChart::LINE),
              addPlot(Series::RecallAt5, validationTable_, 2, vtkChart::LINE)};
    for (const Series s : {Series::ValidationLoss, Series::RecallAt5}) {
        const auto i = static_cast<std::size_t>(s);
        markers_[i] = addPlot(s, validationTable_, i == 1 ? 1 : 2, vtkChart::POINTS);
        markers_[i]->SetLegendVisibility(false);  // the line's entry stands for both
    }
    chart_->SetShowLegend(true);
    chart_->GetLegend()->SetHorizontalAlignment(vtkChartLegend::RIGHT);
    chart_->GetLegend()->SetVerticalAlignment(vtkChartLegend::CENTER);  // loss falls to the bottom, recall rises to the top
    chart_->GetTitleProperties()->SetFontSize(14);
    setTitle(tr("Training"));
    setAxisTitles(tr("step"), tr("loss"), tr("recall@5"));
}

TrainingCurvesChart::~TrainingCurvesChart() = default;

void TrainingCurvesChart::appendTrainLoss(double step, double loss) {
    train_.push_back({step, loss});
    trainStep_->InsertNextValue(step);
    trainLoss_->InsertNextValue(loss);
    trainTable_->Modified();
    dataChanged();
}

void TrainingCurvesChart::appendValidation(double step, double validationLoss, double recallAt5) {
    validation_.push_back({step, validationLoss});
    recallPoints_.push_back({step, recallAt5});
    validationStep_->InsertNextValue(step);
    validationLoss_->InsertNextValue(validationLoss);
    recall_->InsertNextValue(recallAt5);
    validationTable_->Modified();
    dataChanged();
}

void TrainingCurvesChart::clear() {
    train_.clear();
    validation_.clear();
    recallPoints_.clear();
    for (vtkDoubleArray* a : {trainStep_.Get(), trainLoss_.Get(), validationStep_.Get(), validationLoss_.Get(),
                              recall_.Get()}) {
        a->SetNumberOfTuples(0);
        a->Modified();
    }
    trainTable_->Modified();
    validationTable_->Modified();
    dataChanged();
}

std::size_t TrainingCurvesChart::pointCount(Series series) const {
    switch (series) {
        case Series::TrainLoss: return train_.size();
        case Series::ValidationLoss: return validation_.size();
        case Series::RecallAt5: return recallPoints_.size();
    }
    return 0;
}

void TrainingCurvesChart::setTitle(const QString& title) {
    title_ = title;
    chart_->SetTitle(title.toStdString());
    requestRender();
}

void TrainingCurvesChart::setAxisTitles(const QString& x, const QString& loss, const QString& recall) {
    xTitle_ = x;
    lossTitle_ = loss;
    recallTitle_ = recall;
    styleAxis(chart_->GetAxis(vtkAxis::BOTTOM), x);
    styleAxis(chart_->GetAxis(vtkAxis::LEFT), loss);
    styleAxis(chart_->GetAxis(vtkAxis::RIGHT), recall);
    requestRender();
}

void TrainingCurvesChart::dataChanged() {
    for (const Series s : {Series::TrainLoss, Series::ValidationLoss, Series::RecallAt5}) {
        const auto i = static_cast<std::size_t>(s);
        lines_[i]->SetVisible(pointCount(s) >= 2);
        if (markers_[i]) markers_[i]->SetVisible(pointCount(s) >= 1);
    }
    // Axes follow the data: rescaled after every append (this also undoes a
    // pan/zoom the user made with the mouse).
    chart_->RecalculateBounds();
    requestRender();
}

bool TrainingCurvesChart::exportSvg(const QString& path, QString* error) const {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error) *error = tr("Cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    const QByteArray svg = toSvg();
    if (file.write(svg) != svg.size() || !file.commit()) {
        if (error) *error = tr("Cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

QByteArray TrainingCurvesChart::toSvg(int width, int height) const {
    const double left = 72, right = 72, top = 44, bottom = 56;
    const double px0 = left, px1 = width - right, py0 = top, py1 = height - bottom;

    auto finiteRange = [](std::initializer_list<const std::vector<Point>*> sets, bool xs) {
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        for (const auto* set : sets)
            for (const Point& p : *set) {
                if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
                lo = std::min(lo, xs ? p.x : p.y);
                hi = std::max(hi, xs ? p.x : p.y);
            }
        return std::isfinite(lo) ? std::pair{lo, hi} : std::pair{0.0, 1.0};
    };
    const auto [xlo, xhi] = finiteRange({&train_, &validation_, &recallPoints_}, true);
    const auto [llo, lhi] = finiteRange({&train_, &validation_}, false);
    const auto [rlo, rhi] = finiteRange({&recallPoints_}, false);
    const Ticks xt = niceTicks(xlo, xhi, 8, false);
    const Ticks lt = niceTicks(std::min(0.0, llo), lhi, 6, true);
    const Ticks rt = niceTicks(std::min(0.0, rlo), rhi, 6, true);
    auto sx = [&](double x) { return px0 + (x - xt.lo) / (xt.hi - xt.lo) * (px1 - px0); };
    auto syl = [&](double y) { return py1 - (y - lt.lo) / (lt.hi - lt.lo) * (py1 - py0); };
    auto syr = [&](double y) { return py1 - (y - rt.lo) / (rt.hi - rt.lo) * (py1 - py0); };

    // Screen polylines, split at non-finite values. Runs of points falling in
    // one pixel column keep only their first, lowest, highest and last point:
    // the drawn envelope is unchanged and 1M steps do not make a 1M-point file.
    auto polylines = [](const std::vector<Point>& data, auto&& mapX, auto&& mapY) {
        std::vector<std::vector<QPointF>> out(1);
        std::vector<QPointF> run;
        long runColumn = std::numeric_limits<long>::min();
        auto flush = [&] {
            if (run.empty()) return;
            auto [lo, hi] = std::minmax_element(run.begin(), run.end(),
                                                [](const QPointF& a, const QPointF& b) { return a.y() < b.y(); });
            std::vector<QPointF> keep{run.front()};
            if (lo < hi) {
                keep.push_back(*lo);
                keep.push_back(*hi);
            } else {
                keep.push_back(*hi);
                keep.push_back(*lo);
            }
            keep.push_back(run.back());
            for (const QPointF& p : keep)
                if (out.back().empty() || out.back().back() != p) out.back().push_back(p);
            run.clear();
        };
        for (const Point& p : data) {
            if (!std::isfinite(p.x) || !std::isfinite(p.y)) {
                flush();
                if (!out.back().empty()) out.emplace_back();
                continue;
            }
            const QPointF q(mapX(p.x), mapY(p.y));
            const long column = std::lround(std::floor(q.x()));
            if (column != runColumn) flush();
            runColumn = column;
            run.push_back(q);
        }
        flush();
        std::erase_if(out, [](const auto& line) { return line.empty(); });
        return out;
    };
    auto pointsAttr = [](const std::vector<QPointF>& line) {
        QString s;
        s.reserve(static_cast<qsizetype>(line.size()) * 14);
        for (const QPointF& p : line) s += num(p.x()) + ',' + num(p.y()) + ' ';
        return s.trimmed();
    };

    QByteArray out;
    QXmlStreamWriter w(&out);
    startSvgDocument(w, QString::number(width), QString::number(height), QStringLiteral("0 0 %1 %2").arg(width).arg(height));
    w.writeAttribute("font-family", "DejaVu Sans, Arial, sans-serif");
    w.writeAttribute("font-size", "12");
    const SvgElementWriter element(w);
    element("rect", {{"x", "0"}, {"y", "0"}, {"width", QString::number(width)}, {"height", QString::number(height)},
                     {"fill", "white"}});
    element("text", {{"x", num(width / 2.0)}, {"y", "26"}, {"text-anchor", "middle"}, {"font-size", "15"},
                     {"font-weight", "bold"}},
            title_);

    // Grid, ticks and labels.
    w.writeStartElement("g");
    w.writeAttribute("id", "axes");
    for (const double v : xt.values) {
        const double x = sx(v);
        element("line", {{"x1", num(x)}, {"y1", num(py0)}, {"x2", num(x)}, {"y2", num(py1)}, {"stroke", "#e6e6e6"}});
        element("line", {{"x1", num(x)}, {"y1", num(py1)}, {"x2", num(x)}, {"y2", num(py1 + 5)}, {"stroke", "#333"}});
        element("text", {{"x", num(x)}, {"y", num(py1 + 18)}, {"text-anchor", "middle"}}, tickLabel(v, xt.step));
    }
    for (const double v : lt.values) {
        const double y = syl(v);
        element("line", {{"x1", num(px0)}, {"y1", num(y)}, {"x2", num(px1)}, {"y2", num(y)}, {"stroke", "#e6e6e6"}});
        element("line", {{"x1", num(px0 - 5)}, {"y1", num(y)}, {"x2", num(px0)}, {"y2", num(y)}, {"stroke", "#333"}});
        element("text", {{"x", num(px0 - 8)}, {"y", num(y + 4)}, {"text-anchor", "end"}}, tickLabel(v, lt.step));
    }
    for (const double v : rt.values) {
        const double y = syr(v);
        element("line", {{"x1", num(px1)}, {"y1", num(y)}, {"x2", num(px1 + 5)}, {"y2", num(y)}, {"stroke", "#333"}});
        element("text", {{"x", num(px1 + 8)}, {"y", num(y + 4)}, {"text-anchor", "start"}}, tickLabel(v, rt.step));
    }
    element("rect", {{"x", num(px0)}, {"y", num(py0)}, {"width", num(px1 - px0)}, {"height", num(py1 - py0)},
                     {"fill", "none"}, {"stroke", "#333"}});
    element("text", {{"x", num((px0 + px1) / 2)}, {"y", num(height - 14.0)}, {"text-anchor", "middle"}}, xTitle_);
    element("text", {{"x", "16"}, {"y", num((py0 + py1) / 2)}, {"text-anchor", "middle"},
                     {"transform", QStringLiteral("rotate(-90 16 %1)").arg(num((py0 + py1) / 2))}},
            lossTitle_);
    element("text", {{"x", num(width - 14.0)}, {"y", num((py0 + py1) / 2)}, {"text-anchor", "middle"},
                     {"transform", QStringLiteral("rotate(90 %1 %2)").arg(num(width - 14.0), num((py0 + py1) / 2))}},
            recallTitle_);
    w.writeEndElement();  // g axes

    // The curves, clipped to the plot area.
    w.writeStartElement("defs");
    w.writeStartElement("clipPath");
    w.writeAttribute("id", "plot-area");
    element("rect", {{"x", num(px0)}, {"y", num(py0)}, {"width", num(px1 - px0)}, {"height", num(py1 - py0)}});
    w.writeEndElement();
    w.writeEndElement();
    struct Curve {
        Series series;
        const char* id;
        QString label;
        const std::vector<Point>* data;
        bool rightAxis;
        bool markers;
    };
    const Curve curves[] = {
        {Series::TrainLoss, "train-loss", tr("train loss"), &train_, false, false},
        {Series::ValidationLoss, "validation-loss", tr("validation loss"), &validation_, false, true},
        {Series::RecallAt5, "recall-at-5", tr("recall@5"), &recallPoints_, true, true},
    };
    for (const Curve& c : curves) {
        w.writeStartElement("g");
        w.writeAttribute("id", c.id);
        w.writeAttribute("clip-path", "url(#plot-area)");
        const QString color = svgColor(c.series);
        const auto lines = c.rightAxis ? polylines(*c.data, sx, syr) : polylines(*c.data, sx, syl);
        for (const auto& line : lines)
            element("polyline", {{"points", pointsAttr(line)}, {"fill", "none"}, {"stroke", color},
                                 {"stroke-width", "1.8"}, {"stroke-linejoin", "round"}});
        if (c.markers)
            for (const Point& p : *c.data)
                if (std::isfinite(p.x) && std::isfinite(p.y))
                    element("circle", {{"cx", num(sx(p.x))}, {"cy", num(c.rightAxis ? syr(p.y) : syl(p.y))},
                                       {"r", "3"}, {"fill", color}});
        w.writeEndElement();
    }

    // Legend at the right, halfway up (as in the widget): loss curves fall
    // towards the bottom and recall rises towards the top.
    w.writeStartElement("g");
    w.writeAttribute("id", "legend");
    const double lw = 150, lh = 14 + 18.0 * std::size(curves), lx = px1 - lw - 8, ly = (py0 + py1 - lh) / 2;
    element("rect", {{"x", num(lx)}, {"y", num(ly)}, {"width", num(lw)}, {"height", num(lh)}, {"fill", "white"},
                     {"fill-opacity", "0.9"}, {"stroke", "#bbb"}});
    double y = ly + 16;
    for (const Curve& c : curves) {
        element("line", {{"x1", num(lx + 10)}, {"y1", num(y - 4)}, {"x2", num(lx + 34)}, {"y2", num(y - 4)},
                         {"stroke", svgColor(c.series)}, {"stroke-width", "2.5"}});
        element("text", {{"x", num(lx + 42)}, {"y", num(y)}}, c.label);
        y += 18;
    }
    w.writeEndElement();  // g legend

    w.writeEndElement();  // svg
    w.writeEndDocument();
    return out;
}

}  // namespace hescape
