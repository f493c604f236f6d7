// TaskProgressDisplay: follows the service's signals; until a job reports its
// first fraction the bar is hidden and the label counts the job's seconds.
#include "app/studio/tasks/TaskProgressDisplay.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QProgressDialog>
#include <QTimer>
#include <QToolButton>

#include <algorithm>
#include <cmath>

namespace hescape {

TaskProgressDisplay::TaskProgressDisplay(TaskService* tasks, QWidget* dialogParent, QWidget* parent)
    : QWidget(parent), tasks_(tasks), dialogParent_(dialogParent) {
    setObjectName(QStringLiteral("taskProgress"));
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    label_ = new QLabel(this);
    bar_ = new QProgressBar(this);
    bar_->setRange(0, 1000);
    bar_->setMaximumWidth(160);
    bar_->setTextVisible(false);
    cancel_ = new QToolButton(this);
    cancel_->setText(tr("Cancel"));
    cancel_->setToolTip(tr("Cancel this job"));
    ticker_ = new QTimer(this);
    ticker_->setInterval(1000);
    connect(ticker_, &QTimer::timeout, this, &TaskProgressDisplay::showNewest);
    layout->addWidget(label_);
    layout->addWidget(bar_);
    layout->addWidget(cancel_);
    connect(cancel_, &QToolButton::clicked, this, [this] {
        if (!jobs_.isEmpty()) tasks_->cancel(jobs_.last().key);
    });
    connect(tasks_, &TaskService::started, this, &TaskProgressDisplay::onStarted);
    connect(tasks_, &TaskService::progressed, this, &TaskProgressDisplay::onProgressed);
    connect(tasks_, &TaskService::finished, this, &TaskProgressDisplay::onFinished);
    hide();
}

QString TaskProgressDisplay::currentLabel() const { return jobs_.isEmpty() ? QString() : jobs_.last().label; }

void TaskProgressDisplay::onStarted(const QString& key, const QString& label, TaskService::Display display) {
    jobs_.removeIf([&](const Shown& s) { return s.key == key; });  // a job replaced under its key
    if (display == TaskService::Display::Hidden) return;
    jobs_.append({key, label, -1, {}, {}});
    jobs_.last().running.start();
    if (display == TaskService::Display::Dialog) {
        if (dialog_) dialog_->deleteLater();
        dialogKey_ = key;
        dialog_ = new QProgressDialog(label, tr("Cancel"), 0, 1000, dialogParent_);
        dialog_->setWindowModality(Qt::WindowModal);
        dialog_->setMinimumDuration(0);
        dialog_->setAutoClose(false);
        dialog_->setAutoReset(false);
        dialog_->setValue(0);
        connect(dialog_, &QProgressDialog::canceled, this, [this, key] { tasks_->cancel(key); });
    }
    showNewest();
}

void TaskProgressDisplay::onProgressed(const QString& key, double fraction, const QString& step) {
    for (Shown& s : jobs_) {
        if (s.key != key) continue;
        s.fraction = fraction;
        s.step = step;
    }
    if (dialog_ && key == dialogKey_) dialog_->setValue(static_cast<int>(std::lround(std::clamp(fraction, 0.0, 1.0) * 1000)));
    showNewest();
}

void TaskProgressDisplay::onFinished(const QString& key) {
    jobs_.removeIf([&](const Shown& s) { return s.key == key; });
    if (dialog_ && key == dialogKey_) {
        dialog_->deleteLater();
        dialogKey_.clear();
    }
    showNewest();
}

void TaskProgressDisplay::showNewest() {
    if (jobs_.isEmpty()) {
        ticker_->stop();
        hide();
        return;
    }
    const Shown& s = jobs_.last();
    QString text = s.step.isEmpty() ? s.label : QStringLiteral("%1: %2").arg(s.label, s.step);
    if (jobs_.size() > 1) text += tr(" (+%1 more)").arg(jobs_.size() - 1);
    const bool known = s.fraction >= 0;
    if (!known && s.running.elapsed() >= 1000) text += tr(" — %1 s").arg(s.running.elapsed() / 1000);
    label_->setText(text);
    bar_->setVisible(known);
    if (known) bar_->setValue(static_cast<int>(std::lround(std::clamp(s.fraction, 0.0, 1.0) * 1000)));
    if (known) ticker_->stop();
    else if (!ticker_->isActive()) ticker_->start();
    show();
}

}  // namespace hescape
