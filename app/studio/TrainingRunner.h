// Runs a contrastive training on its own thread for the GUI: takes plain
// settings (no torch types, so Qt files stay free of torch headers), reports
// progress through queued signals, and can be paused and stopped at any time.
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>
#include <QThread>

#include <atomic>
#include <memory>

namespace hescape {

struct TrainingSection {
    QString name;
    QString slide;
    QString dataset;
    QString split;  // "train", "validation", "test" or "" (unused)
};

struct TrainingSettings {
    QList<TrainingSection> sections;
    int epochs = 6;
    int batchSize = 32;
    double learningRate = 2e-3;
    int patchPixels = 48;
    double patchMicrons = 110;
    int genes = 128;
    bool siglip = false;
    int seed = 11;
    int earlyStoppingPatience = 0;  // epochs; 0: off
    QString patchStore;             // folder of the HDF5 patch store; empty: none
    QString resultsFile;            // the run's HDF5 results; empty: not written
};

class TrainingRunner : public QObject {
    Q_OBJECT
public:
    explicit TrainingRunner(QObject* parent = nullptr);
    ~TrainingRunner() override;

    bool isRunning() const { return running_; }
    void start(const TrainingSettings& settings);
    void setPaused(bool paused) { pause_->store(paused); }
    bool isPaused() const { return pause_->load(); }
    void stop() { cancel_->store(true); }

Q_SIGNALS:
    void stageChanged(const QString& text);
    void stepDone(int step, int total, double loss, double temperature);
    void epochDone(int epoch, double validationLoss, double recallAt1, double recallAt5, double chanceAt5);
    void finished(const QString& summary);  // also names the results file when one was written
    void resultsWritten(const QString& path);  // before finished, when the settings name a results file
    void failed(const QString& message);
    void stopped();

private:
    QThread thread_;
    QObject* worker_;  // lives on thread_
    std::shared_ptr<std::atomic<bool>> cancel_;
    std::shared_ptr<std::atomic<bool>> pause_;
    bool running_ = false;
};

}  // namespace hescape
