// The one parallel loop of core (forEachChunk / forEachWorker) and the thread
// budget: every chunk runs exactly once and the chunk cut does not depend on
// the thread count; the first exception and cancellation reach the caller;
// no more threads run than asked or budgeted; HESCAPE_THREADS sets the
// budget (the _budget variant of this test runs with HESCAPE_THREADS=3).
#include "core/compute/ParallelFor.h"

#include <QtTest>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

using namespace hescape;

class TestParallelFor : public QObject {
    Q_OBJECT

    // The most threads seen inside fn at once.
    static int peakConcurrency(int threads, std::int64_t chunks) {
        std::atomic<int> inside{0}, peak{0};
        forEachChunk(chunks, 1, threads, Progress{}, [&](std::int64_t, std::int64_t, std::int64_t) {
            const int now = ++inside;
            for (int p = peak.load(); now > p && !peak.compare_exchange_weak(p, now);) {
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            --inside;
        });
        return peak.load();
    }

private Q_SLOTS:
    void everyChunkRunsOnceWithTheSameCut() {
        for (const int threads : {1, 2, 7}) {
            std::vector<int> visits(1000, 0);
            std::mutex m;
            std::set<std::pair<std::int64_t, std::int64_t>> cuts;
            forEachChunk(1000, 64, threads, Progress{}, [&](std::int64_t c, std::int64_t b, std::int64_t e) {
                QCOMPARE(b, c * 64);
                const std::lock_guard lock(m);
                cuts.insert({b, e});
                for (std::int64_t i = b; i < e; ++i) ++visits[static_cast<std::size_t>(i)];
            });
            QCOMPARE(std::count(visits.begin(), visits.end(), 1), 1000);
            QCOMPARE(cuts.size(), std::size_t{16});  // 15 x 64 + 40
            QCOMPARE(cuts.rbegin()->second, std::int64_t{1000});
            QCOMPARE(cuts.rbegin()->first, std::int64_t{960});
        }
        int calls = 0;
        forEachChunk(0, 8, 4, Progress{}, [&](std::int64_t, std::int64_t, std::int64_t) { ++calls; });
        QCOMPARE(calls, 0);
    }

    void workersKeepTheirStateAcrossChunks() {
        std::atomic<std::int64_t> total{0};
        std::atomic<int> workers{0};
        forEachWorker(100, 3, Progress{}, [&](const auto& claim) {
            ++workers;
            std::int64_t mine = 0;
            for (std::int64_t c = claim(); c >= 0; c = claim()) mine += c;
            total += mine;
        });
        QCOMPARE(total.load(), std::int64_t{4950});
        QVERIFY(workers.load() >= 1 && workers.load() <= 3);
    }

    void theFirstExceptionReachesTheCaller() {
        // One thread: nothing after the failing chunk starts.
        std::atomic<int> after{0};
        try {
            forEachChunk(200, 1, 1, Progress{}, [&](std::int64_t c, std::int64_t, std::int64_t) {
                if (c == 5) throw std::runtime_error("chunk 5 failed");
                if (c > 5) ++after;
            });
            QFAIL("no exception");
        } catch (const std::runtime_error& e) {
            QCOMPARE(std::string(e.what()), std::string("chunk 5 failed"));
        }
        QCOMPARE(after.load(), 0);
        // Two threads: the other one stops claiming chunks once the failure is
        // recorded. Its chunks take 2 ms, so starting 95 more would take it
        // ~190 ms; recording the failure takes microseconds (a scheduler that
        // paused the failing thread that long would be the only way to fail).
        after = 0;
        try {
            forEachChunk(200, 1, 2, Progress{}, [&](std::int64_t c, std::int64_t, std::int64_t) {
                if (c == 5) throw std::runtime_error("chunk 5 failed");
                if (c > 5) std::this_thread::sleep_for(std::chrono::milliseconds(2));
                if (c > 100) ++after;
            });
            QFAIL("no exception");
        } catch (const std::runtime_error& e) {
            QCOMPARE(std::string(e.what()), std::string("chunk 5 failed"));
        }
        QVERIFY2(after.load() < 95, "chunks after a failure should not all start");
    }

    void cancellationStopsTheLoop() {
        std::atomic<bool> cancel{false};
        Progress progress;
        progress.cancel = &cancel;
        std::atomic<int> ran{0};
        QVERIFY_THROWS_EXCEPTION(CancelledError, forEachChunk(1000, 1, 2, progress, [&](std::int64_t c, std::int64_t, std::int64_t) {
                                     ++ran;
                                     if (c == 10) cancel = true;
                                 }));
        QVERIFY(ran.load() < 1000);
    }

    void neverMoreThreadsThanAsked() {
        QCOMPARE(peakConcurrency(1, 20), 1);
        QVERIFY(peakConcurrency(2, 40) <= 2);
        QVERIFY(peakConcurrency(0, 40) <= threadBudget());
        QCOMPARE(computeThreads(5), 5);
        QCOMPARE(computeThreads(100000), 1024);
        QCOMPARE(computeThreads(0), threadBudget());
        QCOMPARE(computeThreads(-3), threadBudget());
    }

    void theBudgetComesFromTheEnvironment() {
#ifdef HESCAPE_EXPECTED_BUDGET
        QCOMPARE(threadBudget(), HESCAPE_EXPECTED_BUDGET);
        QCOMPARE(peakConcurrency(0, 60), HESCAPE_EXPECTED_BUDGET);
#else
        QVERIFY(std::getenv("HESCAPE_THREADS") == nullptr);
        QCOMPARE(threadBudget(), std::max(1, static_cast<int>(std::thread::hardware_concurrency())));
#endif
    }
};

QTEST_GUILESS_MAIN(TestParallelFor)
#include "tst_parallel_for.moc"
