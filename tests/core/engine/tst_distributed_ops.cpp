// The data-parallel pieces on real Gloo process groups over the loopback,
// two ranks as two threads of this process (each with its own TCPStore
// client and process group): the CLIP and SigLIP losses over the global
// batch equal one process's loss on the union batch, and the gradients of
// each rank's embeddings equal the matching rows of one process's; batch norm
// over the global batch and the bucketed gradient sum match one process too.
// Augmenting a rank's share of a batch gives the rows one process gets.
// Also: the launcher variables (torchrun, Slurm) and their bad values, and a
// rendezvous that cannot happen ends with an error naming the variable
// within the timeout instead of hanging.
#include "core/engine/ContrastiveLoss.h"
#include "core/engine/DistributedContext.h"
#include "core/engine/DistributedEnvironment.h"
#include "core/engine/DistributedOps.h"
#include "core/engine/PatchAugmentation.h"

#include <torch/torch.h>

#include <QElapsedTimer>
#include <QtTest/QtTest>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <map>
#include <thread>

using namespace hescape;

Q_DECLARE_METATYPE(hescape::ContrastiveObjective)

namespace {

// A port nobody listens on now: bind port 0, read what the kernel chose, close.
int freePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        if (fd >= 0) ::close(fd);
        return 0;
    }
    ::close(fd);
    return ntohs(a.sin_port);
}

DistributedEnvironment loopback(int rank, int world, int port) {
    DistributedEnvironment env;
    env.rank = rank;
    env.worldSize = world;
    env.localRank = rank;
    env.localWorldSize = world;
    env.masterAddress = "127.0.0.1";
    env.masterPort = port;
    env.launcher = "test";
    return env;
}

// Runs body(rank, context) on `world` threads; returns each rank's error ("" if none).
std::vector<std::string> onRanks(int world, const std::function<void(int, DistributedContext&)>& body) {
    const int port = freePort();
    std::vector<std::string> errors(static_cast<std::size_t>(world));
    std::vector<std::thread> threads;
    for (int r = 0; r < world; ++r) {
        threads.emplace_back([&, r] {
            try {
                DistributedContext dist(loopback(r, world, port), std::chrono::seconds(20));
                body(r, dist);
            } catch (const std::exception& e) {
                errors[static_cast<std::size_t>(r)] = e.what();
            }
        });
    }
    for (auto& t : threads) t.join();
    return errors;
}

double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

EnvironmentLookup envOf(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
        const auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

QString errorOf(const std::map<std::string, std::string>& vars) {
    try {
        detectDistributedEnvironment(envOf(vars));
    } catch (const DistributedEnvironmentError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

constexpr int kWorld = 2;

}  // namespace

class TestDistributedOps : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void lossOverGlobalBatch_data() {
        QTest::addColumn<ContrastiveObjective>("objective");
        QTest::newRow("clip") << ContrastiveObjective::Clip;
        QTest::newRow("siglip") << ContrastiveObjective::Siglip;
    }

    // N ranks x batch b == one process with batch N * b: loss, gradients of the
    // local embeddings (rows of one process's), gradients of the temperature
    // (and SigLIP's bias) summed over the ranks.
    void lossOverGlobalBatch() {
        QFETCH(ContrastiveObjective, objective);
        constexpr std::int64_t b = 6, dim = 16;
        torch::manual_seed(5);
        const auto image = torch::randn({kWorld * b, dim});
        const auto gene = image * 0.5 + torch::randn({kWorld * b, dim});  // partly aligned pairs

        ContrastiveLoss single(objective);
        const auto imageAll = image.clone().requires_grad_(true), geneAll = gene.clone().requires_grad_(true);
        const auto reference = single->forward(imageAll, geneAll);
        reference.backward();

        struct Result {
            double loss = 0;
            torch::Tensor imageGrad, geneGrad, scaleGrad, biasGrad;
        };
        std::vector<Result> results(kWorld);
        const auto errors = onRanks(kWorld, [&](int rank, DistributedContext& dist) {
            ContrastiveLoss loss(objective);
            const auto img = image.narrow(0, rank * b, b).clone().requires_grad_(true);
            const auto gen = gene.narrow(0, rank * b, b).clone().requires_grad_(true);
            const auto share = loss->shardForward(allGatherWithGrad(img, dist), allGatherWithGrad(gen, dist), rank * b, b);
            auto total = share.detach().reshape({1}).clone();
            dist.allReduceSum(total, "test loss");
            share.backward();
            auto scale = loss->logScale.grad().reshape({1}).clone();
            dist.allReduceSum(scale, "test scale gradient");
            Result& r = results[static_cast<std::size_t>(rank)];
            r.loss = total.item<double>();
            r.imageGrad = img.grad();
            r.geneGrad = gen.grad();
            r.scaleGrad = scale;
            if (objective == ContrastiveObjective::Siglip) {
                auto bias = loss->bias.grad().reshape({1}).clone();
                dist.allReduceSum(bias, "test bias gradient");
                r.biasGrad = bias;
            }
        });
        for (const auto& e : errors) QVERIFY2(e.empty(), e.c_str());
        for (int rank = 0; rank < kWorld; ++rank) {
            const Result& r = results[static_cast<std::size_t>(rank)];
            qInfo("rank %d: loss %.7f (one process %.7f)", rank, r.loss, reference.item<double>());
            QVERIFY(std::abs(r.loss - reference.item<double>()) < 1e-5);
            QVERIFY(r.imageGrad.defined() && r.geneGrad.defined());
            const double gi = maxAbsDiff(r.imageGrad, imageAll.grad().narrow(0, rank * b, b));
            const double gg = maxAbsDiff(r.geneGrad, geneAll.grad().narrow(0, rank * b, b));
            QVERIFY2(gi < 1e-6 && gg < 1e-6, qPrintable(QStringLiteral("gradient differences %1 %2").arg(gi).arg(gg)));
            QVERIFY(imageAll.grad().narrow(0, rank * b, b).abs().max().item<double>() > 1e-3);  // not trivially zero
            QVERIFY(std::abs(r.scaleGrad.item<double>() - single->logScale.grad().item<double>()) < 1e-5);
            if (objective == ContrastiveObjective::Siglip) {
                QVERIFY(std::abs(r.biasGrad.item<double>() - single->bias.grad().item<double>()) < 1e-5);
            }
        }
    }

    // Batch norm over the global batch: outputs, input gradients, affine
    // gradients (summed) and running statistics equal one process's.
    void batchNormOverGlobalBatch() {
        constexpr std::int64_t b = 5;
        torch::manual_seed(9);
        const auto x = torch::randn({kWorld * b, 4, 3, 3}) * 2 + 1;
        const auto weight = torch::randn({kWorld * b, 4, 3, 3});  // the loss is sum(weight * y)
        auto makeNorm = [] {
            torch::nn::BatchNorm2d norm(4);
            torch::NoGradGuard guard;
            norm->weight.copy_(torch::tensor({0.5, 1.5, -1.0, 2.0}));
            norm->bias.copy_(torch::tensor({0.1, -0.2, 0.3, 0.0}));
            return norm;
        };
        auto single = makeNorm();
        const auto xs = x.clone().requires_grad_(true);
        const auto ys = single->forward(xs);
        (ys * weight).sum().backward();

        std::vector<torch::Tensor> y(kWorld), grad(kWorld), weightGrad(kWorld), runningMean(kWorld), runningVar(kWorld);
        const auto errors = onRanks(kWorld, [&](int rank, DistributedContext& dist) {
            auto norm = makeNorm();
            const auto xl = x.narrow(0, rank * b, b).clone().requires_grad_(true);
            const auto yl = globalBatchNorm(*norm, xl, dist);
            (yl * weight.narrow(0, rank * b, b)).sum().backward();
            auto wg = norm->weight.grad().clone();
            dist.allReduceSum(wg, "test weight gradient");
            const auto r = static_cast<std::size_t>(rank);
            y[r] = yl.detach();
            grad[r] = xl.grad();
            weightGrad[r] = wg;
            runningMean[r] = norm->running_mean.clone();
            runningVar[r] = norm->running_var.clone();
        });
        for (const auto& e : errors) QVERIFY2(e.empty(), e.c_str());
        for (int rank = 0; rank < kWorld; ++rank) {
            const auto r = static_cast<std::size_t>(rank);
            QVERIFY(maxAbsDiff(y[r], ys.detach().narrow(0, rank * b, b)) < 1e-5);
            QVERIFY(maxAbsDiff(grad[r], xs.grad().narrow(0, rank * b, b)) < 1e-5);
            QVERIFY(maxAbsDiff(weightGrad[r], single->weight.grad()) < 1e-4);
            QVERIFY(maxAbsDiff(runningMean[r], single->running_mean) < 1e-6);
            QVERIFY(maxAbsDiff(runningVar[r], single->running_var) < 1e-6);
        }
    }

    // The bucketed all-reduce sums each parameter's gradient over the ranks;
    // with small buckets, all of them start from the hooks during backward.
    void bucketedGradientSum() {
        constexpr std::int64_t b = 4;
        torch::manual_seed(3);
        const auto input = torch::randn({kWorld * b, 6});
        auto makeModel = [] {
            torch::manual_seed(17);
            return torch::nn::Sequential(torch::nn::Linear(6, 5), torch::nn::Tanh(), torch::nn::Linear(5, 3));
        };
        auto single = makeModel();
        single->forward(input).pow(2).sum().backward();
        std::vector<std::vector<torch::Tensor>> grads(kWorld);
        std::vector<std::size_t> buckets(kWorld), early(kWorld);
        auto local = std::vector<torch::nn::Sequential>{makeModel(), makeModel()};  // made here: torch's seed is process-wide
        const auto errors = onRanks(kWorld, [&](int rank, DistributedContext& dist) {
            auto& model = local[static_cast<std::size_t>(rank)];
            BucketedGradientReducer reducer(model->parameters(), dist, 64);  // 64 bytes: one bucket per tensor
            for (int step = 0; step < 2; ++step) {  // twice: the reducer resets between steps
                model->zero_grad();
                reducer.beginBackward();
                model->forward(input.narrow(0, rank * b, b)).pow(2).sum().backward();
                reducer.finish();
            }
            for (const auto& p : model->parameters()) grads[static_cast<std::size_t>(rank)].push_back(p.grad().clone());
            buckets[static_cast<std::size_t>(rank)] = reducer.bucketCount();
            early[static_cast<std::size_t>(rank)] = reducer.launchedDuringBackward();
        });
        for (const auto& e : errors) QVERIFY2(e.empty(), e.c_str());
        const auto reference = single->parameters();
        for (int rank = 0; rank < kWorld; ++rank) {
            const auto r = static_cast<std::size_t>(rank);
            QCOMPARE(grads[r].size(), reference.size());
            for (std::size_t k = 0; k < reference.size(); ++k) QVERIFY(maxAbsDiff(grads[r][k], reference[k].grad()) < 1e-5);
            QCOMPARE(buckets[r], std::size_t{4});
            QCOMPARE(early[r], std::size_t{4});  // every bucket went out before backward returned
        }
    }

    // Each rank draws the augmentation of the whole global batch and applies
    // its rows: the same pixels as one process augmenting the whole batch,
    // and the generators stay in step.
    void augmentationOfAShare() {
        AugmentOptions o;
        o.cropScale = 0.7;
        o.colorJitter = 0.2;
        o.blurProbability = 0.5;
        torch::manual_seed(2);
        const auto images = torch::rand({8, 3, 16, 16});
        std::mt19937_64 whole(99);
        const auto all = augmentPatches(images, o, whole);
        for (int rank = 0; rank < kWorld; ++rank) {
            std::mt19937_64 rng(99);
            const auto mine = augmentPatches(images.narrow(0, rank * 4, 4), o, rng, 8, rank * 4);
            QVERIFY(maxAbsDiff(mine, all.narrow(0, rank * 4, 4)) < 1e-6);
            QVERIFY(rng == whole);
        }
        QVERIFY(maxAbsDiff(all, images) > 0.1);  // something happened
    }

    void launcherVariables() {
        auto env = detectDistributedEnvironment(envOf({}));
        QVERIFY(!env.distributed());
        env = detectDistributedEnvironment(envOf({{"RANK", "1"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "1"}, {"LOCAL_WORLD_SIZE", "2"},
                                                  {"MASTER_ADDR", "node7"}, {"MASTER_PORT", "29400"}}));
        QCOMPARE(env.rank, 1);
        QCOMPARE(env.worldSize, 4);
        QCOMPARE(env.localWorldSize, 2);
        QCOMPARE(env.masterAddress, std::string("node7"));
        QCOMPARE(env.masterPort, 29400);
        QCOMPARE(env.launcher, std::string("torchrun"));
        // srun: ranks from SLURM_*, the master is the step's first node, the port comes from the job id.
        env = detectDistributedEnvironment(envOf({{"SLURM_PROCID", "3"}, {"SLURM_NTASKS", "4"}, {"SLURM_STEP_NUM_TASKS", "4"},
                                                  {"SLURM_LOCALID", "1"}, {"SLURM_STEP_TASKS_PER_NODE", "2(x2)"},
                                                  {"SLURM_STEP_NODELIST", "gpu[07-08,11]"}, {"SLURM_JOB_ID", "123456"}}));
        QCOMPARE(env.rank, 3);
        QCOMPARE(env.worldSize, 4);
        QCOMPARE(env.localRank, 1);
        QCOMPARE(env.localWorldSize, 2);
        QCOMPARE(env.masterAddress, std::string("gpu07"));
        QCOMPARE(env.masterPort, 20000 + 123456 % 10000);
        QCOMPARE(env.launcher, std::string("slurm"));
        QCOMPARE(firstSlurmHost("a1,b2"), std::string("a1"));
        QCOMPARE(firstSlurmHost("n[1-3]"), std::string("n1"));
        QCOMPARE(firstSlurmHost("rack[1-2]-n[3]"), std::string());  // not simple: ask for MASTER_ADDR
        // torchrun's variables win inside a Slurm allocation; HESCAPE_DISTRIBUTED=off wins over both.
        env = detectDistributedEnvironment(envOf({{"RANK", "0"}, {"WORLD_SIZE", "1"}, {"SLURM_PROCID", "2"}, {"SLURM_NTASKS", "4"}}));
        QVERIFY(!env.distributed());
        env = detectDistributedEnvironment(envOf({{"HESCAPE_DISTRIBUTED", "off"}, {"RANK", "1"}, {"WORLD_SIZE", "2"}}));
        QVERIFY(!env.distributed());
    }

    void badLauncherVariablesNameTheVariable_data() {
        QTest::addColumn<QString>("vars");  // NAME=VALUE;...
        QTest::addColumn<QString>("named");
        QTest::newRow("world without rank") << "WORLD_SIZE=2;MASTER_ADDR=127.0.0.1;MASTER_PORT=1234" << "RANK is not";
        QTest::newRow("rank without world") << "RANK=0" << "WORLD_SIZE is not";
        QTest::newRow("rank too large") << "RANK=2;WORLD_SIZE=2;MASTER_ADDR=h;MASTER_PORT=1" << "RANK=2 must be below WORLD_SIZE=2";
        QTest::newRow("not a number") << "RANK=one;WORLD_SIZE=2" << "RANK='one'";
        QTest::newRow("no master") << "RANK=0;WORLD_SIZE=2;MASTER_PORT=1" << "MASTER_ADDR is not set";
        QTest::newRow("no port") << "RANK=0;WORLD_SIZE=2;MASTER_ADDR=h" << "MASTER_PORT is not set";
        QTest::newRow("port range") << "RANK=0;WORLD_SIZE=2;MASTER_ADDR=h;MASTER_PORT=70000" << "MASTER_PORT=70000";
        QTest::newRow("slurm rank") << "SLURM_PROCID=4;SLURM_NTASKS=4" << "SLURM_PROCID=4";
        QTest::newRow("slurm node list") << "SLURM_PROCID=0;SLURM_NTASKS=2;SLURM_NODELIST=a[1-2]b[3]" << "SLURM_NODELIST";
    }

    void badLauncherVariablesNameTheVariable() {
        QFETCH(QString, vars);
        QFETCH(QString, named);
        std::map<std::string, std::string> env;
        for (const QString& kv : vars.split(';')) env[kv.section('=', 0, 0).toStdString()] = kv.section('=', 1).toStdString();
        const QString error = errorOf(env);
        QVERIFY2(error.contains(named), qPrintable(error));
    }

    // Nobody serves the rendezvous: a clear error naming MASTER_ADDR within
    // the timeout. Rank 0 alone: an error saying the other ranks never came.
    void rendezvousTimesOut() {
        QElapsedTimer clock;
        clock.start();
        try {
            DistributedContext dist(loopback(1, 2, freePort()), std::chrono::seconds(2));
            QFAIL("connected to nobody");
        } catch (const DistributedError& e) {
            qInfo("%s", e.what());
            QVERIFY2(QString(e.what()).contains("MASTER_ADDR:MASTER_PORT = 127.0.0.1:"), e.what());
        }
        QVERIFY2(clock.elapsed() < 10000, qPrintable(QString::number(clock.elapsed())));
        clock.restart();
        try {
            DistributedContext dist(loopback(0, 2, freePort()), std::chrono::seconds(2));
            QFAIL("rank 0 formed a group of 2 alone");
        } catch (const DistributedError& e) {
            qInfo("%s", e.what());
            QVERIFY2(QString(e.what()).contains("were all 2 ranks started", Qt::CaseInsensitive), e.what());
        }
        QVERIFY2(clock.elapsed() < 10000, qPrintable(QString::number(clock.elapsed())));
    }
};

QTEST_GUILESS_MAIN(TestDistributedOps)
#include "tst_distributed_ops.moc"
