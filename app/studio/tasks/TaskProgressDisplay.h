// The one progress display of the studio: a label, a bar and a Cancel button
// in the status bar for the newest running job of the TaskService (a count of
// the others beside it), and, for jobs started with Display::Dialog, a
// window-modal progress dialog whose Cancel cancels that job. Hidden while
// nothing runs. A job that has reported no fraction yet shows the seconds it
// has run, once a second, instead of a busy bar: Qt animates a busy bar about
// 30 times a second, and in a window that holds a QOpenGLWidget every repaint
// composes the whole window through OpenGL. Without a GPU (Mesa llvmpipe) that
// took ~1.5 of the 2 cores and doubled a Visium HD load (bench/README.md,
// bench_studio_open).
#pragma once

#include "app/studio/tasks/TaskService.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QStringList>
#include <QWidget>

class QLabel;
class QProgressBar;
class QProgressDialog;
class QTimer;
class QToolButton;

namespace hescape {

class TaskProgressDisplay : public QWidget {
    Q_OBJECT

public:
    // `dialogParent`: the window the modal dialogs belong to.
    TaskProgressDisplay(TaskService* tasks, QWidget* dialogParent, QWidget* parent = nullptr);

    QString currentLabel() const;  // the job shown in the bar; empty when none

private:
    void onStarted(const QString& key, const QString& label, TaskService::Display display);
    void onProgressed(const QString& key, double fraction, const QString& step);
    void onFinished(const QString& key);
    void showNewest();

    TaskService* tasks_;
    QWidget* dialogParent_;
    QLabel* label_;
    QProgressBar* bar_;
    QToolButton* cancel_;
    QTimer* ticker_;  // once a second while the newest job has no fraction
    struct Shown {
        QString key, label;
        double fraction = -1;  // -1: no progress reported yet (the seconds it has run are shown)
        QString step;
        QElapsedTimer running;
    };
    QList<Shown> jobs_;  // oldest first; the status bar shows the last
    QString dialogKey_;
    QPointer<QProgressDialog> dialog_;
};

}  // namespace hescape
