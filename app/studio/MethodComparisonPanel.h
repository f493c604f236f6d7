// The Compare Runs dialog's second page: several runs (seeds of several
// methods) grouped by method, each metric as mean +- sd over the method's
// runs (core/eval/MethodComparison, the same code as `hescape compare`),
// computed in the background; exported as CSV.
#pragma once

#include "core/eval/MethodComparison.h"

#include <QStringList>
#include <QWidget>

class QLabel;
class QListWidget;
class QPushButton;
class QTableWidget;

namespace hescape {

class TaskService;

class MethodComparisonPanel : public QWidget {
    Q_OBJECT
public:
    MethodComparisonPanel(const QStringList& knownRuns, TaskService* tasks, QWidget* parent = nullptr);

    // Evaluates the runs off the GUI thread; emits compared or failed.
    void compare(const QStringList& runs);
    QTableWidget* table() const { return table_; }
    const std::vector<MethodRow>& rows() const { return rows_; }
    QString message() const;
    // Returns an error message naming the file, or empty.
    QString exportCsv(const QString& path) const;

Q_SIGNALS:
    void compared();
    void failed(const QString& message);

private:
    void show(const std::vector<MethodRow>& rows);

    TaskService* tasks_;
    QListWidget* runs_;
    QPushButton* compare_;
    QLabel* message_;
    QTableWidget* table_;
    std::vector<MethodRow> rows_;
};

}  // namespace hescape
