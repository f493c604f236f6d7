// LocalRanksLauncher: QProcess per rank; only rank 0 prints (the engine's
// rule), so its stdout is the run's progress and every rank's stderr is
// kept for the error message.
#include "app/studio/LocalRanksLauncher.h"

#include "app/studio/TrainingConfig.h"

#include "app/studio/TrainingRunner.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QSaveFile>
#include <QStandardPaths>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

namespace hescape {

namespace {

// A loopback port nobody listens on now (bound to port 0, then released).
int freeLoopbackPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    ::close(fd);
    return port;
}

}  // namespace

LocalRanksLauncher::LocalRanksLauncher(QObject* parent) : QObject(parent) {}

LocalRanksLauncher::~LocalRanksLauncher() {
    for (QProcess* p : ranks_) {
        p->disconnect(this);
        p->kill();
        p->waitForFinished(2000);
    }
}

QString LocalRanksLauncher::hescapeExecutable() {
    const QDir here(QCoreApplication::applicationDirPath());
    for (const QString& candidate : {here.filePath(QStringLiteral("hescape")), here.filePath(QStringLiteral("../hescape"))})
        if (QFileInfo(candidate).isExecutable()) return QFileInfo(candidate).canonicalFilePath();
    return QStandardPaths::findExecutable(QStringLiteral("hescape"));
}

QByteArray LocalRanksLauncher::configJson(const TrainingSettings& s) {
    // The same model and settings as the in-process run (TrainingRunner), in core's format.
    return QByteArray::fromStdString(trainConfigJsonFor(s));
}

bool LocalRanksLauncher::start(const TrainingSettings& s, int processes) {
    if (isRunning()) return false;
    const QString exe = hescapeExecutable();
    if (exe.isEmpty()) {
        Q_EMIT failed(tr("The hescape command was not found beside hescape-studio or on PATH; it runs each process of a multi-process training."));
        return false;
    }
    resultsFile_ = s.resultsFile;
    configFile_ = (s.resultsFile.isEmpty() ? QDir::temp().filePath(QStringLiteral("hescape-run")) : s.resultsFile.chopped(3)) + QStringLiteral(".json");
    QDir().mkpath(QFileInfo(configFile_).absolutePath());
    QSaveFile config(configFile_);
    if (!config.open(QIODevice::WriteOnly) || config.write(configJson(s)) < 0 || !config.commit()) {
        Q_EMIT failed(tr("%1: cannot write the run's configuration (%2)").arg(configFile_, config.errorString()));
        return false;
    }
    const int port = freeLoopbackPort();
    stopping_ = false;
    failedRun_ = false;
    pending_.clear();
    testLine_.clear();
    exitCodes_ = QList<int>(processes, -1);
    Q_EMIT stageChanged(tr("Starting %1 processes of %2 (port %3)\u2026").arg(processes).arg(exe).arg(port));
    for (int rank = 0; rank < processes; ++rank) {
        auto* p = new QProcess(this);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("RANK"), QString::number(rank));
        env.insert(QStringLiteral("LOCAL_RANK"), QString::number(rank));
        env.insert(QStringLiteral("WORLD_SIZE"), QString::number(processes));
        env.insert(QStringLiteral("LOCAL_WORLD_SIZE"), QString::number(processes));
        env.insert(QStringLiteral("MASTER_ADDR"), QStringLiteral("127.0.0.1"));
        env.insert(QStringLiteral("MASTER_PORT"), QString::number(port));
        // The cores are shared between the ranks (and the GUI).
        env.insert(QStringLiteral("OMP_NUM_THREADS"), QStringLiteral("1"));
        p->setProcessEnvironment(env);
        QStringList args{QStringLiteral("train"), configFile_, QStringLiteral("--json")};
        if (!resultsFile_.isEmpty()) args << QStringLiteral("--results") << resultsFile_;
        if (rank == 0) connect(p, &QProcess::readyReadStandardOutput, this, &LocalRanksLauncher::readRankZero);
        connect(p, &QProcess::finished, this, [this, rank](int code, QProcess::ExitStatus status) {
            rankExited(rank, status == QProcess::NormalExit ? code : -2);
        });
        ranks_.append(p);
        p->start(exe, args);
    }
    Q_EMIT stageChanged(tr("Training in %1 processes (torchrun-style, Gloo over loopback)\u2026").arg(processes));
    return true;
}

void LocalRanksLauncher::stop() {
    stopping_ = true;
    for (QProcess* p : ranks_) p->terminate();
}

void LocalRanksLauncher::readRankZero() {
    pending_ += ranks_.front()->readAllStandardOutput();
    int end = 0;
    while ((end = pending_.indexOf('\n')) >= 0) {
        const QByteArray line = pending_.left(end);
        pending_.remove(0, end + 1);
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        if (o.contains(QLatin1String("step"))) {
            const int step = o.value(QLatin1String("step")).toInt();
            Q_EMIT stepDone(step, o.value(QLatin1String("total")).toInt(), o.value(QLatin1String("loss")).toDouble(),
                            o.value(QLatin1String("temperature")).toDouble(), o.value(QLatin1String("learning_rate")).toDouble());
            if (o.contains(QLatin1String("validation"))) {
                const QJsonObject v = o.value(QLatin1String("validation")).toObject();
                Q_EMIT epochDone(o.value(QLatin1String("epoch")).toInt() + 1, v.value(QLatin1String("loss")).toDouble(),
                                 v.value(QLatin1String("recall_at_1")).toDouble(), v.value(QLatin1String("recall_at_5")).toDouble(),
                                 v.value(QLatin1String("chance_at_5")).toDouble(), step);
            }
        } else if (o.contains(QLatin1String("test"))) {
            const QJsonObject t = o.value(QLatin1String("test")).toObject();
            testLine_ = tr("Test (%1 pairs): loss %2, in-batch recall@1 %3, @5 %4 (chance %5)")
                            .arg(t.value(QLatin1String("pairs")).toInt())
                            .arg(t.value(QLatin1String("loss")).toDouble(), 0, 'f', 3)
                            .arg(t.value(QLatin1String("recall_at_1")).toDouble(), 0, 'f', 3)
                            .arg(t.value(QLatin1String("recall_at_5")).toDouble(), 0, 'f', 3)
                            .arg(t.value(QLatin1String("chance_at_5")).toDouble(), 0, 'f', 3);
        }
    }
}

void LocalRanksLauncher::rankExited(int rank, int exitCode) {
    exitCodes_[rank] = exitCode;
    if (rank == 0) readRankZero();
    if (exitCode != 0 && !stopping_) {
        // One rank failed: stop the others now instead of at their collective timeout.
        failedRun_ = true;
        stopping_ = true;
        for (QProcess* p : ranks_)
            if (p->state() != QProcess::NotRunning) p->terminate();
    }
    if (exitCodes_.contains(-1)) return;  // others still running
    const bool ok = std::all_of(exitCodes_.begin(), exitCodes_.end(), [](int c) { return c == 0; });
    QStringList errors;
    if (!ok && failedRun_) {
        // Every failing rank's last error lines: the rank that exits first is often
        // one that only saw another go (a closed connection), not the cause.
        for (int r = 0; r < ranks_.size(); ++r) {
            if (exitCodes_[r] == 0) continue;
            const QString tail = QString::fromLocal8Bit(ranks_[r]->readAllStandardError()).trimmed().section(QLatin1Char('\n'), -2);
            if (!tail.isEmpty()) errors << tr("rank %1 of %2 exited with status %3: %4").arg(r).arg(ranks_.size()).arg(exitCodes_[r]).arg(tail);
        }
        if (errors.isEmpty()) errors << tr("%1 processes ended with errors and printed nothing").arg(ranks_.size());
    }
    for (QProcess* p : ranks_) p->deleteLater();  // one of them is the sender of this call
    ranks_.clear();
    if (ok) {
        if (!resultsFile_.isEmpty()) Q_EMIT resultsWritten(resultsFile_);
        Q_EMIT finished((testLine_.isEmpty() ? tr("Finished.") : testLine_) +
                        (resultsFile_.isEmpty() ? QString() : tr(" Results: %1").arg(resultsFile_)));
    } else if (failedRun_) {
        Q_EMIT failed(errors.join(QLatin1Char('\n')));
    } else {
        Q_EMIT stopped();
    }
}

}  // namespace hescape
