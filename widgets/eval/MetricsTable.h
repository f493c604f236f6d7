// A sortable table of evaluation metrics (split, protocol, direction, metric,
// value) with CSV export, written atomically. It shows what it is given; the
// main window computes the numbers (core/eval) off the GUI thread.
#pragma once

#include <QString>
#include <QWidget>

#include <vector>

class QTableWidget;
class QPushButton;

namespace hescape {

struct MetricRow {
    QString split, group, metric;
    double value = 0;
};

class MetricsTable : public QWidget {
    Q_OBJECT
public:
    explicit MetricsTable(QWidget* parent = nullptr);
    void setRows(const std::vector<MetricRow>& rows);
    const std::vector<MetricRow>& rows() const { return rows_; }
    // Writes the rows as CSV (header split,group,metric,value); returns an
    // error message naming the file, or empty.
    QString exportCsv(const QString& path) const;
    QTableWidget* table() const { return table_; }

private:
    QTableWidget* table_;
    QPushButton* export_;
    std::vector<MetricRow> rows_;
};

}  // namespace hescape
