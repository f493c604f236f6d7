// A sortable table of evaluation metrics (split, protocol, direction, metric,
// value), or of two runs' metrics side by side with their difference, with
// CSV export, written atomically. It shows what it is given; the
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

// One metric of two runs; NaN where a run does not have it.
struct MetricComparisonRow {
    QString split, group, metric;
    double a = 0, b = 0;
};

// Pairs the metrics of two runs by (split, protocol, metric), in A's order,
// then those only B has.
std::vector<MetricComparisonRow> compareMetrics(const std::vector<MetricRow>& a, const std::vector<MetricRow>& b);

class MetricsTable : public QWidget {
    Q_OBJECT
public:
    explicit MetricsTable(QWidget* parent = nullptr);
    void setRows(const std::vector<MetricRow>& rows);
    const std::vector<MetricRow>& rows() const { return rows_; }
    // Two runs side by side: columns A, B and B − A.
    void setComparison(const QString& nameA, const QString& nameB, const std::vector<MetricComparisonRow>& rows);
    const std::vector<MetricComparisonRow>& comparison() const { return comparison_; }
    // Writes the rows as CSV (header split,protocol,metric,value, or
    // split,protocol,metric,A,B,B-A for a comparison); returns an error
    // message naming the file, or empty.
    QString exportCsv(const QString& path) const;
    QTableWidget* table() const { return table_; }

private:
    QTableWidget* table_;
    QPushButton* export_;
    std::vector<MetricRow> rows_;
    std::vector<MetricComparisonRow> comparison_;
    QString nameA_, nameB_;
};

}  // namespace hescape
