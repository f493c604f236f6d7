// The training panel and dashboard: pick sections and their splits, set the
// main hyper-parameters (or the demo preset), Start / Pause / Stop a
// contrastive training that runs on its own thread, and follow it with a
// progress bar, ETA, learning rate and temperature, live loss and recall@5
// curves (exportable as SVG) and per-epoch validation metrics.
#pragma once

#include "app/studio/TrainingRunner.h"

#include <QElapsedTimer>
#include <QWidget>

#include <utility>
#include <vector>

class QFormLayout;
class QVBoxLayout;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace hescape {

class BatchRobustnessForm;
class TrainingCurvesChart;

class TrainingPanel : public QWidget {
    Q_OBJECT
public:
    explicit TrainingPanel(QWidget* parent = nullptr);

    // Offers every slide + data set pair in `folder`; the demo's six sections
    // get its donor-safe split (demoSplitOf: C2-C5 train, C6 validation, B4 test).
    void setSectionsFromFolder(const QString& folder);
    TrainingSettings settings() const;
    void setEpochs(int epochs);
    void setProcesses(int processes);  // > 1: a multi-process run of the hescape command
    // The demo preset: the bundled sections' split and settings that train
    // in a few minutes on two cores and visibly improve recall.
    void applyDemoPreset();
    TrainingCurvesChart* curves() const { return curves_; }

    TrainingRunner* runner() const { return runner_; }
    QPushButton* startButton() const { return start_; }
    QPushButton* pauseButton() const { return pause_; }
    QPushButton* stopButton() const { return stop_; }
    QProgressBar* progressBar() const { return progress_; }
    QString log() const;

private:
    QFormLayout* buildSettingsForm();
    void buildControls(QVBoxLayout* layout);
    void connectRunner();
    void startTraining();
    void appendLog(const QString& line);
    void setRunning(bool running);
    void flushCurves();

    QTableWidget* sections_;
    QSpinBox* epochs_;
    QSpinBox* patience_;
    QSpinBox* batch_;
    QDoubleSpinBox* learningRate_;
    QSpinBox* patchPixels_;
    QSpinBox* genes_;
    QComboBox* objective_;
    BatchRobustnessForm* robustness_;
    QSpinBox* processes_;
    QPushButton* start_;
    QPushButton* pause_;
    QPushButton* stop_;
    QProgressBar* progress_;
    QLabel* status_;
    QPlainTextEdit* log_;
    TrainingRunner* runner_;
    QElapsedTimer clock_;
    QElapsedTimer lastUiUpdate_;
    TrainingCurvesChart* curves_;
    QPushButton* exportCurves_;
    std::vector<std::pair<double, double>> pendingLoss_;  // steps not yet on the chart
    QElapsedTimer lastCurveUpdate_;
};

}  // namespace hescape
