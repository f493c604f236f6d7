// TrainingCurvesChart: the training dashboard's live curves, a vtkChartXY in
// a VtkGLWidget: train loss per step and validation loss per epoch (left
// axis), recall@5 per epoch (right axis), all against the global step. Keeps
// its own copy of the data so that it can export the curves as a standalone
// SVG (written by hand, not through VTK's GL2PS path).
#pragma once

#include "widgets/vtk/VtkGLWidget.h"

#include <QString>

#include <vtkNew.h>

#include <array>
#include <cstddef>
#include <vector>

class vtkChartXY;
class vtkContextView;
class vtkDoubleArray;
class vtkPlot;
class vtkTable;

namespace hescape {

class TrainingCurvesChart : public VtkGLWidget {
    Q_OBJECT
public:
    enum class Series { TrainLoss, ValidationLoss, RecallAt5 };

    explicit TrainingCurvesChart(QWidget* parent = nullptr);
    ~TrainingCurvesChart() override;

    void appendTrainLoss(double step, double loss);
    // One evaluation at the end of an epoch, placed at the step it ended on.
    void appendValidation(double step, double validationLoss, double recallAt5);
    void clear();
    std::size_t pointCount(Series series) const;

    void setTitle(const QString& title);
    QString title() const { return title_; }
    void setAxisTitles(const QString& x, const QString& loss, const QString& recall);

    // Writes the curves as a standalone SVG (axes, ticks, polylines, legend)
    // through a temporary file renamed into place, so a reader never sees a
    // half-written file. False with `error` set when it cannot be written.
    bool exportSvg(const QString& path, QString* error = nullptr) const;
    // The SVG document exportSvg writes.
    QByteArray toSvg(int width = 800, int height = 480) const;

private:
    struct Point {
        double x, y;
    };
    void dataChanged();

    vtkNew<vtkContextView> view_;
    vtkNew<vtkChartXY> chart_;
    vtkNew<vtkTable> trainTable_;
    vtkNew<vtkDoubleArray> trainStep_;
    vtkNew<vtkDoubleArray> trainLoss_;
    vtkNew<vtkTable> validationTable_;
    vtkNew<vtkDoubleArray> validationStep_;
    vtkNew<vtkDoubleArray> validationLoss_;
    vtkNew<vtkDoubleArray> recall_;
    // Per series: the line (shown from 2 points on: VTK refuses shorter
    // polylines) and, for the per-epoch series, its markers (from 1 point on).
    std::array<vtkPlot*, 3> lines_{};  // owned by chart_
    std::array<vtkPlot*, 3> markers_{};  // owned by chart_; null for train loss

    std::vector<Point> train_, validation_, recallPoints_;
    QString title_;
    QString xTitle_, lossTitle_, recallTitle_;
};

}  // namespace hescape
