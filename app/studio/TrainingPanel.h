// The training panel: pick sections and their splits, set the main
// hyper-parameters, Start / Pause / Stop a contrastive training that runs on
// its own thread, and follow it with a progress bar, ETA and per-epoch
// validation metrics.
#pragma once

#include "app/studio/TrainingRunner.h"

#include <QElapsedTimer>
#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace hescape {

class TrainingPanel : public QWidget {
    Q_OBJECT
public:
    explicit TrainingPanel(QWidget* parent = nullptr);

    // Offers every slide + data set pair in `folder`; the demo's six sections
    // get the split B4, C2-C4 train / C5 validation / C6 test.
    void setSectionsFromFolder(const QString& folder);
    TrainingSettings settings() const;
    void setEpochs(int epochs);

    TrainingRunner* runner() const { return runner_; }
    QPushButton* startButton() const { return start_; }
    QPushButton* pauseButton() const { return pause_; }
    QPushButton* stopButton() const { return stop_; }
    QProgressBar* progressBar() const { return progress_; }
    QString log() const;

private:
    void startTraining();
    void appendLog(const QString& line);
    void setRunning(bool running);

    QTableWidget* sections_;
    QSpinBox* epochs_;
    QSpinBox* patience_;
    QSpinBox* batch_;
    QDoubleSpinBox* learningRate_;
    QSpinBox* patchPixels_;
    QSpinBox* genes_;
    QComboBox* objective_;
    QPushButton* start_;
    QPushButton* pause_;
    QPushButton* stop_;
    QProgressBar* progress_;
    QLabel* status_;
    QPlainTextEdit* log_;
    TrainingRunner* runner_;
    QElapsedTimer clock_;
    QElapsedTimer lastUiUpdate_;
};

}  // namespace hescape
