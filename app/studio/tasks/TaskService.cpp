// TaskService: job bookkeeping on the GUI thread, and the throttled progress
// callback that crosses from the worker to it.
#include "app/studio/tasks/TaskService.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QPointer>

namespace hescape {

TaskService::TaskService(QObject* parent) : QObject(parent) {}

TaskService::~TaskService() {
    for (const Job& job : std::as_const(jobs_)) job.cancel->store(true);
}

TaskService::Job TaskService::begin(const QString& key, const QString& label, Display display) {
    if (const auto it = jobs_.constFind(key); it != jobs_.constEnd()) it->cancel->store(true);  // the job it replaces
    Job job{++nextId_, std::make_shared<std::atomic<bool>>(false)};
    jobs_.insert(key, job);
    Q_EMIT started(key, label, display);
    return job;
}

std::optional<TaskService::Job> TaskService::end(const QString& key, quint64 id) {
    const auto it = jobs_.constFind(key);
    if (it == jobs_.constEnd() || it->id != id) return std::nullopt;
    Job job = *it;
    jobs_.erase(it);
    return job;
}

void TaskService::cancel(const QString& key) {
    const auto it = jobs_.find(key);
    if (it == jobs_.end()) return;
    it->cancel->store(true);
    it->cancelled = true;
}

std::function<void(double, const std::string&)> TaskService::reporter(const QString& key, quint64 id) {
    const QPointer<TaskService> self(this);
    auto lastPost = std::make_shared<std::atomic<qint64>>(0);
    return [self, key, id, lastPost](double fraction, const std::string& step) {
        // Workers report per chunk, often thousands of times a second: post
        // at most every 50 ms (and always the end), so the GUI thread's queue
        // never fills with stale updates.
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        qint64 last = lastPost->load();
        if (fraction < 1.0 && now - last < 50) return;
        if (!lastPost->compare_exchange_strong(last, now)) return;
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, key, id, fraction, text = QString::fromStdString(step)] {
                if (self && self->jobs_.value(key).id == id) Q_EMIT self->progressed(key, fraction, text);
            },
            Qt::QueuedConnection);
    };
}

}  // namespace hescape
