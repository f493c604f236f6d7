// `hescape train` as torchrun starts it: two processes with RANK, WORLD_SIZE,
// LOCAL_RANK, MASTER_ADDR and MASTER_PORT set, on real Gloo over the
// loopback. Two ranks of batch 16 give the losses, validation metrics and
// weights of one process of batch 32 with the same seed; only rank 0 prints;
// a rank killed mid-run makes the other exit with an error within the
// timeout, a hung rank makes it exit after the timeout, and the checkpoint
// left behind resumes in a single process; bad launcher variables and an
// unreachable master end with a message naming the variable.
#include "core/engine/ContrastiveLoss.h"
#include "core/engine/Encoders.h"

#include <torch/torch.h>

#include <QDir>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>

namespace {

constexpr int kWorld = 2;
const QString kDemo = QStringLiteral(HESCAPE_SOURCE_DIR "/resources/demo/her2st");

int freePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        if (fd >= 0) ::close(fd);
        return 0;
    }
    ::close(fd);
    return ntohs(a.sin_port);
}

// The environment without any launcher variables of the test's own parent.
QProcessEnvironment plainEnvironment() {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char* v : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "SLURM_PROCID",
                          "SLURM_NTASKS", "SLURM_STEP_NUM_TASKS", "HESCAPE_DISTRIBUTED"})
        env.remove(QString::fromLatin1(v));
    return env;
}

std::unique_ptr<QProcess> start(const QStringList& args, const QProcessEnvironment& env) {
    auto p = std::make_unique<QProcess>();
    p->setProcessEnvironment(env);
    p->start(QStringLiteral(HESCAPE_CLI_EXECUTABLE), args);
    return p;
}

std::unique_ptr<QProcess> startRank(int rank, int port, const QStringList& args) {
    QProcessEnvironment env = plainEnvironment();
    env.insert("RANK", QString::number(rank));
    env.insert("WORLD_SIZE", QString::number(kWorld));
    env.insert("LOCAL_RANK", QString::number(rank));
    env.insert("LOCAL_WORLD_SIZE", QString::number(kWorld));
    env.insert("MASTER_ADDR", "127.0.0.1");
    env.insert("MASTER_PORT", QString::number(port));
    return start(args, env);
}

struct Finished {
    int exitCode = -1;
    QByteArray out, err;
};

Finished finish(QProcess& p, int timeoutMs = 120000) {
    Finished f;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        f.err = "(killed by the test: did not finish)\n";
    }
    f.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    f.out = p.readAllStandardOutput();
    f.err += p.readAllStandardError();
    return f;
}

struct StepLine {
    int step = 0;
    double loss = 0;
    double validationLoss = -1;
};

std::vector<StepLine> stepsOf(const QByteArray& out) {
    std::vector<StepLine> steps;
    for (const QByteArray& line : out.split('\n')) {
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        if (!o.contains("step")) continue;
        StepLine s{o["step"].toInt(), o["loss"].toDouble(), -1};
        if (o.contains("validation")) s.validationLoss = o["validation"].toObject()["loss"].toDouble();
        steps.push_back(s);
    }
    return steps;
}

// Reads rank 0's JSON lines as they come until one reports `step` or more.
int waitForStep(QProcess& p, int step, QByteArray& seen, int timeoutMs = 60000) {
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < timeoutMs && p.state() != QProcess::NotRunning) {
        p.waitForReadyRead(200);
        seen += p.readAllStandardOutput();
        const auto steps = stepsOf(seen);
        if (!steps.empty() && steps.back().step >= step) return steps.back().step;
    }
    return -1;
}

// Parameters and buffers of a checkpoint, read into the model of the test configuration.
std::vector<std::pair<std::string, torch::Tensor>> checkpointTensors(const QString& path) {
    hescape::ClipModel model(hescape::ClipModelOptions{64, 32, 8, 64, {}, {}, 32, false, false});
    hescape::ContrastiveLoss loss(hescape::ContrastiveObjective::Clip);
    torch::serialize::InputArchive archive, modelArchive, lossArchive;
    archive.load_from(path.toStdString());
    archive.read("model", modelArchive);
    archive.read("loss", lossArchive);
    model->load(modelArchive);
    loss->load(lossArchive);
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto& p : model->named_parameters()) out.emplace_back(p.key(), p.value().detach().clone());
    for (const auto& b : model->named_buffers()) out.emplace_back(b.key(), b.value().clone());
    for (const auto& p : loss->named_parameters()) out.emplace_back("loss." + p.key(), p.value().detach().clone());
    return out;
}

}  // namespace

class TestCliTrainDistributed : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

    QString writeConfig(const QString& name, int batch, int epochs, const QString& extra) {
        QFile f(dir_.filePath(name));
        f.open(QIODevice::WriteOnly);
        f.write(QStringLiteral(
                    "{\"sections\": [{\"name\": \"B4\", \"slide\": \"%1/B4.tiff\", \"dataset\": \"%1/B4.h5ad\"},"
                    "               {\"name\": \"C2\", \"slide\": \"%1/C2.tiff\", \"dataset\": \"%1/C2.h5ad\"}],"
                    " \"train\": [\"B4\"], \"patch_pixels\": 32, \"highly_variable_genes\": 64, \"embed_dim\": 32,"
                    " \"image_width\": 8, \"gene_hidden\": 64, \"batch_size\": %2, \"epochs\": %3, \"augment\": false,"
                    " \"seed\": 3, \"patch_store\": \"store\"%4}")
                    .arg(kDemo)
                    .arg(batch)
                    .arg(epochs)
                    .arg(extra)
                    .toUtf8());
        return f.fileName();
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    // Two ranks x batch 16 == one process x batch 32 (same seed, no augmentation).
    void twoRanksEqualOneProcess() {
        const QString one = writeConfig("one.json", 32, 1,
                                        ", \"validation\": [\"C2\"], \"checkpoint\": \"one.ckpt\"");
        const QString two = writeConfig("two.json", 16, 1,
                                        ", \"validation\": [\"C2\"], \"checkpoint\": \"two.ckpt\", \"distributed_timeout_s\": 30");
        QElapsedTimer clock;
        clock.start();
        auto single = start({"train", one, "--json"}, plainEnvironment());
        const Finished s = finish(*single);
        QVERIFY2(s.exitCode == 0, s.err.constData());
        const qint64 singleMs = clock.restart();

        const int port = freePort();
        std::vector<std::unique_ptr<QProcess>> ranks;
        for (int r = 0; r < kWorld; ++r) ranks.push_back(startRank(r, port, {"train", two, "--json", "--results", dir_.filePath("two.h5")}));
        std::vector<Finished> done;
        for (auto& p : ranks) done.push_back(finish(*p));
        qInfo("one process %lld ms, two ranks %lld ms (patches from the store)", singleMs, clock.elapsed());
        for (int r = 0; r < kWorld; ++r) QVERIFY2(done[r].exitCode == 0, done[r].err.constData());
        QVERIFY2(done[0].err.contains("distributed: 2 ranks (torchrun, master 127.0.0.1:"), done[0].err.constData());
        QVERIFY2(done[1].out.isEmpty() && done[1].err.isEmpty(), done[1].err.constData());  // rank 1 says nothing
        QVERIFY(QFile::exists(dir_.filePath("two.h5")));
        QCOMPARE(QDir(dir_.path()).entryList({"*.partial-*"}, QDir::Files), QStringList{});

        // Same steps, losses and validation.
        const auto a = stepsOf(s.out), b = stepsOf(done[0].out);
        QCOMPARE(a.size(), std::size_t{283 / 32});
        QCOMPARE(b.size(), a.size());
        for (std::size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(b[i].step, a[i].step);
            QVERIFY2(std::abs(a[i].loss - b[i].loss) < 1e-5, qPrintable(QStringLiteral("step %1: %2 vs %3").arg(a[i].step).arg(a[i].loss).arg(b[i].loss)));
        }
        // Validation runs the batch norms on their running statistics, which
        // the noisy biases below shift a little: 1e-4 rather than 1e-5 there.
        QVERIFY(a.back().validationLoss > 0);
        qInfo("validation loss: one process %.7f, two ranks %.7f", a.back().validationLoss, b.back().validationLoss);
        QVERIFY(std::abs(a.back().validationLoss - b.back().validationLoss) < 1e-4);

        // Same weights. The biases of the gene MLP's Linear layers that feed a
        // batch norm have a zero gradient up to rounding noise (the norm removes
        // any constant), and AdamW turns noise into steps of about +-lr, so those
        // (and the running means they shift) are only bounded, by 2 x the sum of
        // the learning rates (warm-up: 1e-4 x (1 + ... + 8)).
        const double noiseBound = 2 * 1e-4 * 36;
        const std::set<std::string> noisy = {"gene.net.0.bias", "gene.net.4.bias", "gene.net.8.bias",
                                             "gene.net.1.running_mean", "gene.net.5.running_mean", "gene.net.9.running_mean"};
        const auto x = checkpointTensors(dir_.filePath("one.ckpt")), y = checkpointTensors(dir_.filePath("two.ckpt"));
        QCOMPARE(x.size(), y.size());
        double worst = 0;
        std::string worstName;
        for (std::size_t i = 0; i < x.size(); ++i) {
            QCOMPARE(x[i].first, y[i].first);
            const double d = (x[i].second.to(torch::kDouble) - y[i].second.to(torch::kDouble)).abs().max().item<double>();
            if (noisy.count(x[i].first)) {
                QVERIFY2(d < noiseBound, x[i].first.c_str());
            } else if (d > worst) {
                worst = d;
                worstName = x[i].first;
            }
        }
        qInfo("largest weight difference outside the noisy biases: %.2e (%s)", worst, worstName.c_str());
        QVERIFY(worst < 1e-5);
        // ... and training moved them far more than that from the initial weights.
        torch::manual_seed(3);
        hescape::ClipModel init(hescape::ClipModelOptions{64, 32, 8, 64, {}, {}, 32, false, false});
        double moved = 0;
        for (const auto& p : init->named_parameters())
            for (const auto& [name, t] : x)
                if (name == p.key()) moved = std::max(moved, (t - p.value()).abs().max().item<double>());
        QVERIFY2(moved > 1e-3, qPrintable(QString::number(moved)));
    }

    // A rank killed mid-run: the other stops with an error naming itself and
    // the cause within the timeout; the checkpoint on disk resumes in one process.
    void killedRankStopsTheOtherAndCheckpointResumes() {
        const QString config = writeConfig("kill.json", 16, 3,
                                           ", \"checkpoint\": \"kill.ckpt\", \"checkpoint_every\": 2, \"distributed_timeout_s\": 10");
        const int port = freePort();
        auto rank0 = startRank(0, port, {"train", config, "--json"});
        auto rank1 = startRank(1, port, {"train", config, "--json"});
        QByteArray seen;
        QVERIFY2(waitForStep(*rank0, 5, seen) >= 5, rank0->readAllStandardError().constData());
        rank1->kill();  // SIGKILL: no goodbye on the socket beyond the kernel closing it
        QElapsedTimer clock;
        clock.start();
        Finished f = finish(*rank0, 60000);
        const qint64 stoppedMs = clock.elapsed();
        finish(*rank1);
        f.out = seen + f.out;
        qInfo("rank 0 stopped %lld ms after rank 1 was killed: %s", stoppedMs, f.err.trimmed().split('\n').last().constData());
        QCOMPARE(f.exitCode, 1);
        QVERIFY2(stoppedMs < 10000 + 3000, qPrintable(QString::number(stoppedMs)));
        QVERIFY2(f.err.contains("hescape train (rank 0): error: rank 0 of 2:") && f.err.contains("Another rank has stopped"),
                 f.err.constData());
        const auto steps = stepsOf(f.out);
        QVERIFY(!steps.empty());
        const int lastStep = steps.back().step;
        QVERIFY2(lastStep < 3 * (283 / 32), "the run ended before the kill");
        const int saved = lastStep / 2 * 2;  // checkpoint_every 2, written before a step is reported
        QVERIFY(QFile::exists(dir_.filePath("kill.ckpt")));
        QCOMPARE(QDir(dir_.path()).entryList({"kill.ckpt.partial-*"}, QDir::Files), QStringList{});

        // One process, batch 16: 17 steps per epoch instead of 8; the run goes
        // on from the same epoch and the same place in its shuffled order.
        auto resumed = start({"train", config, "--json", "--resume", dir_.filePath("kill.ckpt")}, plainEnvironment());
        const Finished r = finish(*resumed);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto after = stepsOf(r.out);
        const int expectedFirst = saved / 8 * 17 + saved % 8 * 2 + 1;
        QVERIFY(!after.empty());
        qInfo("checkpoint of step %d (2 ranks) resumed at step %d of %d (1 process)", saved, after.front().step, after.back().step);
        QCOMPARE(after.front().step, expectedFirst);
        QCOMPARE(after.back().step, 3 * 17);
        for (const auto& s : after) QVERIFY(std::isfinite(s.loss) && s.loss > 0);
    }

    // A rank that stops answering (SIGSTOP): the other gives up after the timeout.
    void hungRankTimesOut() {
        // (With per-rank batch norm, so that this path runs through the CLI too.)
        const QString config = writeConfig("hang.json", 16, 3, ", \"distributed_timeout_s\": 4, \"sync_batch_norm\": false");
        const int port = freePort();
        auto rank0 = startRank(0, port, {"train", config, "--json"});
        auto rank1 = startRank(1, port, {"train", config, "--json"});
        QByteArray seen;
        QVERIFY2(waitForStep(*rank0, 2, seen) >= 2, rank0->readAllStandardError().constData());
        ::kill(static_cast<pid_t>(rank1->processId()), SIGSTOP);
        QElapsedTimer clock;
        clock.start();
        const Finished f = finish(*rank0, 60000);
        const qint64 stoppedMs = clock.elapsed();
        rank1->kill();
        finish(*rank1);
        qInfo("rank 0 stopped %lld ms after rank 1 hung", stoppedMs);
        QCOMPARE(f.exitCode, 1);
        QVERIFY2(f.err.contains("rank 0 of 2:") && f.err.contains("within the 4 s timeout"), f.err.constData());
        QVERIFY2(stoppedMs < 4000 + 8000, qPrintable(QString::number(stoppedMs)));
    }

    // A rank whose preparation fails (here: a data set missing on its node)
    // tells the others, which stop at once instead of waiting for it.
    void failedPreparationStopsTheOthers() {
        const QString good = writeConfig("good.json", 16, 1, ", \"distributed_timeout_s\": 30");
        QString badText = QString::fromUtf8([&] {
            QFile f(good);
            f.open(QIODevice::ReadOnly);
            return f.readAll();
        }());
        badText.replace("C2.h5ad", "missing.h5ad");
        const QString bad = dir_.filePath("bad.json");
        {
            QFile f(bad);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(badText.toUtf8());
        }
        const int port = freePort();
        QElapsedTimer clock;
        clock.start();
        auto rank0 = startRank(0, port, {"train", good});
        auto rank1 = startRank(1, port, {"train", bad});
        const Finished f1 = finish(*rank1, 60000);
        const Finished f0 = finish(*rank0, 60000);
        qInfo("both ranks stopped after %lld ms", clock.elapsed());
        QCOMPARE(f1.exitCode, 1);
        QVERIFY2(f1.err.contains("hescape train (rank 1): error:") && f1.err.contains("missing.h5ad"), f1.err.constData());
        QCOMPARE(f0.exitCode, 1);
        QVERIFY2(f0.err.contains("rank 1 stopped:") && f0.err.contains("missing.h5ad"), f0.err.constData());
        QVERIFY(clock.elapsed() < 30000);  // well inside the 600 s limit of the wait
    }

    void badLauncherVariables() {
        const QString config = writeConfig("env.json", 16, 1, ", \"distributed_timeout_s\": 2");
        QProcessEnvironment env = plainEnvironment();
        env.insert("WORLD_SIZE", "2");
        Finished f = finish(*start({"train", config}, env));
        QCOMPARE(f.exitCode, 2);
        QVERIFY2(f.err.contains("WORLD_SIZE is set but RANK is not"), f.err.constData());
        env.insert("RANK", "2");
        f = finish(*start({"train", config}, env));
        QCOMPARE(f.exitCode, 2);
        QVERIFY2(f.err.contains("RANK=2 must be below WORLD_SIZE=2"), f.err.constData());
        // Rank 1 with nobody at the master: an error naming MASTER_ADDR after the 2 s timeout.
        env.insert("RANK", "1");
        env.insert("MASTER_ADDR", "127.0.0.1");
        env.insert("MASTER_PORT", QString::number(freePort()));
        QElapsedTimer clock;
        clock.start();
        f = finish(*start({"train", config}, env));
        QCOMPARE(f.exitCode, 1);
        QVERIFY2(f.err.contains("no rendezvous at MASTER_ADDR:MASTER_PORT = 127.0.0.1:"), f.err.constData());
        QVERIFY2(clock.elapsed() < 10000, qPrintable(QString::number(clock.elapsed())));
    }

    void helpMentionsLaunchers() {
        const Finished f = finish(*start({"train", "--help"}, plainEnvironment()));
        QCOMPARE(f.exitCode, 0);
        QVERIFY(f.out.contains("torchrun --no-python --nproc-per-node N hescape train CONFIG.json"));
        QVERIFY(f.out.contains("srun"));
        QVERIFY(f.out.contains("distributed_timeout_s"));
    }
};

QTEST_GUILESS_MAIN(TestCliTrainDistributed)
#include "tst_cli_train_distributed.moc"
