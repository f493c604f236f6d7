// Compare finished runs. "Two runs": pick two results files (the Training
// dock's runs are listed; any other can be browsed to), read both runs'
// metrics in the background, and show them side by side with their
// difference. "Methods": several runs grouped by method, mean +- sd over
// seeds (MethodComparisonPanel).
#pragma once

#include <QDialog>
#include <QStringList>

class QComboBox;
class QLabel;
class QPushButton;

namespace hescape {

class MethodComparisonPanel;
class MetricsTable;
class TaskService;

class RunComparisonDialog : public QDialog {
    Q_OBJECT
public:
    // `tasks`: where both runs' metrics are read (in the background).
    RunComparisonDialog(const QStringList& knownRuns, TaskService* tasks, QWidget* parent = nullptr);

    // Reads both runs' metrics off the GUI thread; emits compared or failed.
    void compare(const QString& runA, const QString& runB);
    MetricsTable* table() const { return table_; }
    MethodComparisonPanel* methods() const { return methods_; }
    QString message() const;

    // The results files in the app's run folder, newest first.
    static QStringList savedRuns();

Q_SIGNALS:
    void compared();
    void failed(const QString& message);

private:
    TaskService* tasks_;
    QComboBox* pathA_;
    QComboBox* pathB_;
    QPushButton* compare_;
    QLabel* message_;
    MetricsTable* table_;
    MethodComparisonPanel* methods_;
};

}  // namespace hescape
