// Runs a contrastive training on its own thread for the GUI: takes plain
// settings (no torch types, so Qt files stay free of torch headers), reports
// progress through queued signals, and can be paused and stopped at any time.
#pragma once

#include "core/engine/BatchRobustness.h"
#include "core/engine/DesktopTrainingPreset.h"
#include "core/engine/ExpressionPreprocessing.h"
#include <QObject>
#include <QString>
#include <QStringList>
#include <QThread>

#include <atomic>
#include <memory>

namespace hescape {

struct RunEmbeddings;
class LocalRanksLauncher;

struct TrainingSection {
    QString name;
    QString slide;
    QString dataset;
    QString split;  // "train", "validation", "test" or "" (unused)
};

// The dock's batch-robust choices, in the engine's own terms (no torch here).
struct TrainingRobustness {
    ExpressionOptions::Target normaliseTo = ExpressionOptions::Target::TrainingMedian;
    bool genesPerSection = false;  // z-score genes within each section
    double minCounts = 10;
    BatchRobustOptions options;    // sampling, stain normalisation, adversary
    double hedJitter = 0;
    bool allowSharedDonors = false;
};

struct TrainingSettings {
    QList<TrainingSection> sections;
    int epochs = kDesktopTrainingPreset.epochs;
    int batchSize = kDesktopTrainingPreset.batchSize;
    double learningRate = kDesktopTrainingPreset.learningRate;
    int patchPixels = kDesktopTrainingPreset.patchPixels;
    double patchMicrons = kDesktopTrainingPreset.patchMicrons;
    int genes = kDesktopTrainingPreset.genes;
    bool siglip = false;
    int seed = kDesktopTrainingPreset.seed;
    int earlyStoppingPatience = 0;  // epochs; 0: off
    QString patchStore;             // folder of the HDF5 patch store; empty: none
    QString resultsFile;            // the run's HDF5 results; empty: not written
    int embedDim = kDesktopTrainingPreset.embedDim;  // the model the dock trains (in-process and multi-process alike)
    int geneHidden = kDesktopTrainingPreset.geneHidden;
    int processes = 1;              // > 1: that many `hescape train` processes (c10d over loopback), no live snapshots
    int snapshots = 10;             // live embeddings of every split this many times per run (and before the first step); 0: none
    TrainingRobustness robustness;  // the honest protocol's and the batch-robust options (BatchRobustnessForm)
};

// What the dashboard shows between steps: every prepared pair's embeddings
// at one step, and the whole-set recall@5 on the test split (else validation).
struct TrainingSnapshot {
    std::shared_ptr<const RunEmbeddings> embeddings;
    int step = 0;
    QString split;  // the split the recall is on
    double recallAt5ImageToGene = 0, recallAt5GeneToImage = 0, chanceAt5 = 0;
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
    void stop();

Q_SIGNALS:
    void stageChanged(const QString& text);
    void stepDone(int step, int total, double loss, double temperature, double learningRate);
    void epochDone(int epoch, double validationLoss, double recallAt1, double recallAt5, double chanceAt5, int step);
    void snapshotReady(const hescape::TrainingSnapshot& snapshot);
    void finished(const QString& summary);  // also names the results file when one was written
    void resultsWritten(const QString& path);  // before finished, when the settings name a results file
    void failed(const QString& message);
    void stopped();

private:
    class DockObserver;

    QThread thread_;
    QObject* worker_;  // lives on thread_
    std::shared_ptr<std::atomic<bool>> cancel_;
    std::shared_ptr<std::atomic<bool>> pause_;
    bool running_ = false;
    LocalRanksLauncher* launcher_;  // child: multi-process runs
};

}  // namespace hescape
