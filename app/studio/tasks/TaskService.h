// The studio's one background-task service (after ParaView's
// pqProgressManager): every job that must not run on the GUI thread -- opening
// a slide, a data set or a run, converting an image, exporting, colouring
// other sections, laying out embeddings -- runs here under a key. A job
// started under a key that is still busy wins: the older one is asked to
// cancel and its result is dropped (its done() is never called), so no
// caller keeps its own staleness counter. A job cancelled by key still ends
// with done(), as cancelled, so a chain of jobs waiting on it can stop.
// Progress is marshalled to the GUI thread (throttled) and shown by one
// display (TaskProgressDisplay).
#pragma once

#include "core/common/Progress.h"

#include <QFutureWatcher>
#include <QHash>
#include <QObject>
#include <QString>
#include <QtConcurrent/QtConcurrentRun>

#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <optional>

namespace hescape {

// What a job ended with: a value, or an error message, or a cancellation.
template <class T>
struct TaskOutcome {
    std::optional<T> value;
    QString error;           // the exception's message when the job threw
    bool cancelled = false;  // the job threw CancelledError (or was cancelled before it started)
    bool ok() const { return value.has_value(); }
};

class TaskService : public QObject {
    Q_OBJECT

public:
    // How the progress display shows a job: in the status bar, or (for work
    // the user waits on, such as converting the slide being opened) also as a
    // window-modal dialog with a Cancel button.
    enum class Display { StatusBar, Dialog, Hidden };
    Q_ENUM(Display)

    explicit TaskService(QObject* parent = nullptr);
    ~TaskService() override;  // cancels every job still running

    // Runs work(progress) on Qt's global thread pool under `key`; calls
    // done(outcome) on the GUI thread unless a later job under the same key
    // replaced it (or the service is gone).
    template <class T>
    void run(const QString& key, const QString& label, std::function<T(const Progress&)> work,
             std::function<void(TaskOutcome<T>)> done, Display display = Display::StatusBar);

    // Asks the job under `key` to stop; its done() gets a cancelled outcome.
    void cancel(const QString& key);
    bool isRunning(const QString& key) const { return jobs_.contains(key); }
    int runningCount() const { return static_cast<int>(jobs_.size()); }

Q_SIGNALS:
    void started(const QString& key, const QString& label, hescape::TaskService::Display display);
    void progressed(const QString& key, double fraction, const QString& step);
    // After the job's done() was called.
    void finished(const QString& key);

private:
    struct Job {
        quint64 id = 0;
        std::shared_ptr<std::atomic<bool>> cancel;
        bool cancelled = false;  // by cancel(key)
    };
    // Registers a job under `key`, cancelling the one it replaces.
    Job begin(const QString& key, const QString& label, Display display);
    // The job of `key` when it is still `id` (it is then forgotten).
    std::optional<Job> end(const QString& key, quint64 id);
    // A progress callback, safe from any thread, that reaches progressed() on
    // the GUI thread while the job is current (at most ~20 updates a second).
    std::function<void(double, const std::string&)> reporter(const QString& key, quint64 id);

    QHash<QString, Job> jobs_;
    quint64 nextId_ = 0;
};

template <class T>
void TaskService::run(const QString& key, const QString& label, std::function<T(const Progress&)> work,
                      std::function<void(TaskOutcome<T>)> done, Display display) {
    const Job job = begin(key, label, display);
    auto* watcher = new QFutureWatcher<TaskOutcome<T>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, key, id = job.id, done = std::move(done)] {
        watcher->deleteLater();
        const std::optional<Job> ended = end(key, id);
        if (!ended) return;  // replaced: nobody waits for this result any more
        TaskOutcome<T> outcome = watcher->result();
        if (ended->cancelled && !outcome.cancelled) outcome = TaskOutcome<T>{std::nullopt, QString(), true};
        if (done) done(std::move(outcome));
        Q_EMIT finished(key);
    });
    watcher->setFuture(QtConcurrent::run([work = std::move(work), cancel = job.cancel, report = reporter(key, job.id)]() {
        TaskOutcome<T> outcome;
        Progress progress;
        progress.cancel = cancel.get();
        progress.report = report;
        try {
            progress.throwIfCancelled();
            outcome.value.emplace(work(progress));
        } catch (const CancelledError&) {
            outcome.cancelled = true;
        } catch (const std::exception& e) {
            outcome.error = QString::fromStdString(e.what());
        }
        return outcome;
    }));
}

}  // namespace hescape
