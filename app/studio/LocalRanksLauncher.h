// Runs one training as N processes on this machine: writes the settings as a
// `hescape train` configuration, starts N `hescape train --json` processes
// with the torchrun variables (RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR,
// MASTER_PORT on a free loopback port), reads rank 0's JSON progress lines,
// and stops them all when one fails (reporting every failing rank's error
// once all have exited) or the user stops. The engine does the
// rest (c10d, docs/distributed.md).
#pragma once

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

class QProcess;

namespace hescape {

struct TrainingSettings;

class LocalRanksLauncher : public QObject {
    Q_OBJECT
public:
    explicit LocalRanksLauncher(QObject* parent = nullptr);
    ~LocalRanksLauncher() override;

    // False (and failed emitted) when the hescape executable is not found or
    // the configuration cannot be written.
    bool start(const TrainingSettings& settings, int processes);
    void stop();
    bool isRunning() const { return !ranks_.isEmpty(); }

    // `hescape` beside this executable (installed), one folder up (the build
    // tree), else on PATH; empty when none.
    static QString hescapeExecutable();
    // The configuration `hescape train` reads for these settings.
    static QByteArray configJson(const TrainingSettings& settings);

Q_SIGNALS:
    void stageChanged(const QString& text);
    void stepDone(int step, int total, double loss, double temperature, double learningRate);
    void epochDone(int epoch, double validationLoss, double recallAt1, double recallAt5, double chanceAt5, int step);
    void finished(const QString& summary);
    void resultsWritten(const QString& path);
    void failed(const QString& message);
    void stopped();

private:
    void readRankZero();
    void rankExited(int rank, int exitCode);

    QList<QProcess*> ranks_;  // children of this object
    QList<int> exitCodes_;
    QByteArray pending_;      // rank 0's partial line
    QString resultsFile_, configFile_, testLine_;
    bool stopping_ = false;   // the user stopped, or a rank failed and the others are being stopped
    bool failedRun_ = false;  // a rank exited with an error (reported once all have exited)
};

}  // namespace hescape
