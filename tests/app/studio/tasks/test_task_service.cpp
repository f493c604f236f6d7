// The studio's background-task service (app/studio/tasks): a later job under
// the same key wins (the earlier one is asked to stop and its result never
// arrives), a job cancelled by key ends as cancelled (so a chain waiting on
// it can stop), errors come back as messages, progress reaches the GUI
// thread, and the progress display shows the newest job and hides when
// nothing runs. Real threads, no mocks.
#include "app/studio/tasks/TaskProgressDisplay.h"
#include "app/studio/tasks/TaskService.h"

#include <QApplication>
#include <QLabel>
#include <QProgressBar>
#include <QSignalSpy>
#include <QThread>
#include <QtTest>

#include <atomic>
#include <chrono>
#include <thread>

using namespace hescape;

namespace {

// Work that runs until cancelled (or `limit` ms), reporting progress as it goes.
int slowWork(const Progress& progress, std::atomic<bool>& sawCancel, int limit = 10000) {
    for (int ms = 0; ms < limit; ms += 5) {
        if (progress.cancel && progress.cancel->load()) {
            sawCancel = true;
            throw CancelledError();
        }
        progress.update(ms / static_cast<double>(limit), "working");
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return 1;
}

}  // namespace

class TestTaskService : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void aLaterJobUnderTheSameKeyWins() {
        TaskService tasks;
        std::atomic<bool> firstCancelled{false}, firstStarted{false};
        int firstDone = 0, secondValue = 0;
        tasks.run<int>(QStringLiteral("k"), QStringLiteral("first"),
                       [&](const Progress& p) {
                           firstStarted = true;
                           return slowWork(p, firstCancelled);
                       },
                       [&](TaskOutcome<int>) { ++firstDone; });
        QVERIFY(tasks.isRunning(QStringLiteral("k")));
        QTRY_VERIFY(firstStarted.load());  // (a job replaced before it starts never runs its work)
        tasks.run<int>(QStringLiteral("k"), QStringLiteral("second"), [](const Progress&) { return 42; },
                       [&](TaskOutcome<int> o) { secondValue = o.value.value_or(-1); });
        QTRY_COMPARE(secondValue, 42);
        QTRY_VERIFY(firstCancelled.load());  // the replaced job was asked to stop ...
        QTest::qWait(50);
        QCOMPARE(firstDone, 0);  // ... and its result never arrived
        QVERIFY(!tasks.isRunning(QStringLiteral("k")));
    }

    void aJobCancelledByKeyEndsAsCancelled() {
        TaskService tasks;
        QSignalSpy finished(&tasks, &TaskService::finished);
        std::atomic<bool> sawCancel{false};
        std::optional<TaskOutcome<int>> outcome;
        tasks.run<int>(QStringLiteral("k"), QStringLiteral("slow"), [&](const Progress& p) { return slowWork(p, sawCancel); },
                       [&](TaskOutcome<int> o) { outcome = o; });
        tasks.cancel(QStringLiteral("k"));
        QTRY_VERIFY(outcome.has_value());
        QVERIFY(outcome->cancelled);
        QVERIFY(!outcome->ok());
        QCOMPARE(finished.count(), 1);
        // Work that finished although it was cancelled is still reported as cancelled.
        outcome.reset();
        std::atomic<bool> started{false}, release{false};
        tasks.run<int>(QStringLiteral("k"), QStringLiteral("ignores cancel"),
                       [&](const Progress&) {
                           started = true;
                           while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
                           return 7;
                       },
                       [&](TaskOutcome<int> o) { outcome = o; });
        QTRY_VERIFY(started.load());
        tasks.cancel(QStringLiteral("k"));
        release = true;
        QTRY_VERIFY(outcome.has_value());
        QVERIFY(outcome->cancelled && !outcome->ok());
    }

    void errorsComeBackAsMessages() {
        TaskService tasks;
        std::optional<TaskOutcome<int>> outcome;
        tasks.run<int>(QStringLiteral("e"), QStringLiteral("fails"), [](const Progress&) -> int { throw std::runtime_error("/data/x.h5ad: /X is missing"); },
                       [&](TaskOutcome<int> o) { outcome = o; });
        QTRY_VERIFY(outcome.has_value());
        QVERIFY(!outcome->ok() && !outcome->cancelled);
        QCOMPARE(outcome->error, QStringLiteral("/data/x.h5ad: /X is missing"));
    }

    void progressAndDoneArriveOnTheGuiThread() {
        TaskService tasks;
        QThread* gui = QThread::currentThread();
        std::vector<double> fractions;
        bool progressOnGui = true, doneOnGui = false;
        connect(&tasks, &TaskService::progressed, this, [&](const QString&, double f, const QString&) {
            progressOnGui = progressOnGui && QThread::currentThread() == gui;
            fractions.push_back(f);
        });
        bool done = false;
        tasks.run<int>(QStringLiteral("p"), QStringLiteral("reports"),
                       [](const Progress& p) {
                           for (int i = 1; i <= 20; ++i) {
                               p.update(i / 20.0, "step");
                               std::this_thread::sleep_for(std::chrono::milliseconds(10));
                           }
                           return 0;
                       },
                       [&](TaskOutcome<int>) {
                           doneOnGui = QThread::currentThread() == gui;
                           done = true;
                       });
        QTRY_VERIFY(done);
        QVERIFY(doneOnGui);
        QVERIFY(progressOnGui);
        QVERIFY(!fractions.empty());
        QVERIFY(std::is_sorted(fractions.begin(), fractions.end()));
        QVERIFY(fractions.size() < 20 || fractions.back() == 1.0);  // throttled, but the end arrives
    }

    void theDisplayShowsTheNewestJobAndHidesWhenIdle() {
        TaskService tasks;
        QWidget window;
        TaskProgressDisplay display(&tasks, &window, &window);
        window.show();
        QVERIFY(display.isHidden());
        std::atomic<bool> c1{false}, c2{false};
        tasks.run<int>(QStringLiteral("a"), QStringLiteral("Reading A"), [&](const Progress& p) { return slowWork(p, c1, 300); }, {});
        QVERIFY(display.isVisible());
        QCOMPARE(display.currentLabel(), QStringLiteral("Reading A"));
        tasks.run<int>(QStringLiteral("b"), QStringLiteral("Reading B"), [&](const Progress& p) { return slowWork(p, c2, 300); }, {});
        QCOMPARE(display.currentLabel(), QStringLiteral("Reading B"));
        QTRY_VERIFY_WITH_TIMEOUT(display.findChild<QLabel*>()->text().contains(QStringLiteral("(+1 more)")), 2000);
        tasks.cancel(QStringLiteral("b"));
        QTRY_COMPARE(display.currentLabel(), QStringLiteral("Reading A"));
        QTRY_VERIFY_WITH_TIMEOUT(display.isHidden(), 5000);
        // Hidden jobs are not shown at all.
        tasks.run<int>(QStringLiteral("h"), QStringLiteral("quiet"), [](const Progress&) { return 0; }, {}, TaskService::Display::Hidden);
        QVERIFY(display.isHidden());
    }

    void aJobWithoutProgressCountsItsSecondsInsteadOfABusyBar() {
        // A busy bar repaints ~30 times a second (each a GL composition of the window); the count repaints once.
        TaskService tasks;
        QWidget window;
        TaskProgressDisplay display(&tasks, &window, &window);
        window.show();
        std::atomic<bool> release{false};
        tasks.run<int>(QStringLiteral("quiet"), QStringLiteral("Reading Q"),
                       [&](const Progress&) {
                           while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
                           return 0;
                       },
                       {});
        auto* bar = display.findChild<QProgressBar*>();
        QVERIFY(bar && display.isVisible() && !bar->isVisible());
        auto* label = display.findChild<QLabel*>();
        QCOMPARE(label->text(), QStringLiteral("Reading Q"));
        QTRY_VERIFY_WITH_TIMEOUT(label->text() == QStringLiteral("Reading Q \u2014 1 s"), 3000);
        release = true;
        QTRY_VERIFY_WITH_TIMEOUT(display.isHidden(), 5000);
        // A job that reports fractions shows them on the bar.
        std::atomic<bool> cancelled{false};
        tasks.run<int>(QStringLiteral("loud"), QStringLiteral("Reading L"), [&](const Progress& p) { return slowWork(p, cancelled, 600); }, {});
        QTRY_VERIFY_WITH_TIMEOUT(bar->isVisible() && bar->value() > 0, 3000);
        QTRY_VERIFY_WITH_TIMEOUT(display.isHidden(), 5000);
    }
};

QTEST_MAIN(TestTaskService)
#include "test_task_service.moc"
