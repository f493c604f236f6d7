// ResultsFileLock: a second lock on the same results file is refused with
// the holder's PID and the file named (as a second training would be); the
// lock goes with its holder, also when the holder is killed with SIGKILL;
// released, the lock file is gone and the next run may take it.
#include "core/engine/ResultsFileLock.h"

#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <csignal>
#include <filesystem>
#include <sys/wait.h>
#include <unistd.h>

using namespace hescape;

class TestResultsFileLock : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void secondWriterIsRefused() {
        QTemporaryDir dir;
        const std::string results = dir.filePath("run.h5").toStdString();
        {
            const ResultsFileLock first(results);
            QVERIFY(std::filesystem::exists(ResultsFileLock::lockPathOf(results)));
            try {
                const ResultsFileLock second(results);
                QFAIL("a second writer got the lock");
            } catch (const ResultsFileBusyError& e) {
                const QString why = e.what();
                QVERIFY2(why.startsWith(QString::fromStdString(results) + ": another training is writing this results file (process " +
                                        QString::number(::getpid())),
                         e.what());
            }
            const ResultsFileLock other(dir.filePath("other.h5").toStdString());  // another file is free
        }
        QVERIFY(!std::filesystem::exists(ResultsFileLock::lockPathOf(results)));
        const ResultsFileLock again(results);
        const ResultsFileLock none("");  // no results file: nothing to hold
    }

    void killedHolderReleasesIt() {
        QTemporaryDir dir;
        const std::string results = dir.filePath("run.h5").toStdString();
        int ready[2];
        QCOMPARE(::pipe(ready), 0);
        const pid_t child = ::fork();
        if (child == 0) {
            try {
                const ResultsFileLock held(results);
                const char one = 1;
                (void)::write(ready[1], &one, 1);
                ::pause();
            } catch (...) {
                ::_exit(1);  // the parent's read then sees the pipe closed, not a hang
            }
            ::_exit(0);
        }
        ::close(ready[1]);
        char got = 0;
        QCOMPARE(::read(ready[0], &got, 1), ssize_t{1});
        QVERIFY_THROWS_EXCEPTION(ResultsFileBusyError, ResultsFileLock{results});
        ::kill(child, SIGKILL);
        int status = 0;
        ::waitpid(child, &status, 0);
        // The dead holder's lock file is still there, but its lock went with it.
        QVERIFY(std::filesystem::exists(ResultsFileLock::lockPathOf(results)));
        const ResultsFileLock next(results);
        ::close(ready[0]);
    }

    void unwritableFolderIsNamed() {
        try {
            const ResultsFileLock lock("/no/such/folder/run.h5");
            QFAIL("no error");
        } catch (const std::runtime_error& e) {
            QVERIFY2(QString(e.what()).startsWith("/no/such/folder/run.h5.lock: cannot create"), e.what());
        }
    }
};

QTEST_MAIN(TestResultsFileLock)
#include "tst_results_file_lock.moc"
