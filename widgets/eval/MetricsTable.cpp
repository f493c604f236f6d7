// MetricsTable: numbers are stored as numbers (Qt::DisplayRole with a
// double) so that sorting by value is numeric, not alphabetical.
#include "widgets/eval/MetricsTable.h"

#include <QFileDialog>
#include <QHeaderView>
#include <QPushButton>
#include <QSaveFile>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace hescape {

MetricsTable::MetricsTable(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    table_ = new QTableWidget(0, 4, this);
    table_->setHorizontalHeaderLabels({tr("Split"), tr("Protocol"), tr("Metric"), tr("Value")});
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->verticalHeader()->hide();
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSortingEnabled(true);
    layout->addWidget(table_);
    export_ = new QPushButton(tr("Export as CSV\u2026"), this);
    export_->setEnabled(false);
    layout->addWidget(export_);
    connect(export_, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export metrics"), QStringLiteral("metrics.csv"), tr("CSV (*.csv)"));
        if (!path.isEmpty()) exportCsv(path);
    });
}

namespace {
QTableWidgetItem* numberItem(double v) {
    auto* item = new QTableWidgetItem;
    if (std::isnan(v)) item->setText(QStringLiteral("—"));
    else item->setData(Qt::DisplayRole, v);
    return item;
}
}  // namespace

std::vector<MetricComparisonRow> compareMetrics(const std::vector<MetricRow>& a, const std::vector<MetricRow>& b) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::vector<MetricComparisonRow> out;
    std::vector<bool> used(b.size(), false);
    for (const auto& m : a) {
        MetricComparisonRow r{m.split, m.group, m.metric, m.value, nan};
        for (std::size_t j = 0; j < b.size(); ++j) {
            if (!used[j] && b[j].split == m.split && b[j].group == m.group && b[j].metric == m.metric) {
                r.b = b[j].value;
                used[j] = true;
                break;
            }
        }
        out.push_back(r);
    }
    for (std::size_t j = 0; j < b.size(); ++j)
        if (!used[j]) out.push_back({b[j].split, b[j].group, b[j].metric, nan, b[j].value});
    return out;
}

void MetricsTable::setComparison(const QString& nameA, const QString& nameB, const std::vector<MetricComparisonRow>& rows) {
    rows_.clear();
    comparison_ = rows;
    nameA_ = nameA;
    nameB_ = nameB;
    table_->setSortingEnabled(false);
    table_->setColumnCount(6);
    table_->setHorizontalHeaderLabels({tr("Split"), tr("Protocol"), tr("Metric"), nameA, nameB, tr("B − A")});
    table_->setRowCount(static_cast<int>(rows.size()));
    for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
        const MetricComparisonRow& m = rows[static_cast<std::size_t>(r)];
        table_->setItem(r, 0, new QTableWidgetItem(m.split));
        table_->setItem(r, 1, new QTableWidgetItem(m.group));
        table_->setItem(r, 2, new QTableWidgetItem(m.metric));
        table_->setItem(r, 3, numberItem(m.a));
        table_->setItem(r, 4, numberItem(m.b));
        table_->setItem(r, 5, numberItem(m.b - m.a));
    }
    table_->setSortingEnabled(true);
    export_->setEnabled(!rows.empty());
}

void MetricsTable::setRows(const std::vector<MetricRow>& rows) {
    rows_ = rows;
    comparison_.clear();
    table_->setSortingEnabled(false);
    table_->setColumnCount(4);
    table_->setHorizontalHeaderLabels({tr("Split"), tr("Protocol"), tr("Metric"), tr("Value")});
    table_->setRowCount(static_cast<int>(rows.size()));
    for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
        const MetricRow& m = rows[static_cast<std::size_t>(r)];
        table_->setItem(r, 0, new QTableWidgetItem(m.split));
        table_->setItem(r, 1, new QTableWidgetItem(m.group));
        table_->setItem(r, 2, new QTableWidgetItem(m.metric));
        auto* value = new QTableWidgetItem;
        value->setData(Qt::DisplayRole, m.value);
        table_->setItem(r, 3, value);
    }
    table_->setSortingEnabled(true);
    export_->setEnabled(!rows.empty());
}

QString MetricsTable::exportCsv(const QString& path) const {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Text)) return tr("%1: cannot write (%2)").arg(path, f.errorString());
    auto quote = [](QString s) { return s.contains(QLatin1Char(',')) || s.contains(QLatin1Char('"')) ? QLatin1Char('"') + s.replace(QLatin1Char('"'), QStringLiteral("\"\"")) + QLatin1Char('"') : s; };
    const auto number = [](double v) { return std::isnan(v) ? QString() : QString::number(v, 'g', 10); };
    QByteArray out;
    if (!comparison_.empty()) {
        out = (QStringLiteral("split,protocol,metric,") + quote(nameA_) + QLatin1Char(',') + quote(nameB_) + QStringLiteral(",B-A\n")).toUtf8();
        for (const auto& m : comparison_)
            out += (quote(m.split) + QLatin1Char(',') + quote(m.group) + QLatin1Char(',') + quote(m.metric) + QLatin1Char(',') + number(m.a) +
                    QLatin1Char(',') + number(m.b) + QLatin1Char(',') + number(m.b - m.a) + QLatin1Char('\n'))
                       .toUtf8();
    } else {
        out = "split,protocol,metric,value\n";
    }
    for (const auto& m : rows_)
        out += (quote(m.split) + QLatin1Char(',') + quote(m.group) + QLatin1Char(',') + quote(m.metric) + QLatin1Char(',') +
                QString::number(m.value, 'g', 10) + QLatin1Char('\n'))
                   .toUtf8();
    f.write(out);
    if (!f.commit()) return tr("%1: writing failed (%2)").arg(path, f.errorString());
    return {};
}

}  // namespace hescape
