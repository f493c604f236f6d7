// MethodComparisonPanel: a list of runs, a button, and a table of methods x
// metrics; the numbers come from compareMethods only.
#include "app/studio/MethodComparisonPanel.h"

#include "app/studio/tasks/TaskService.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSaveFile>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>
#include <numeric>

namespace hescape {

MethodComparisonPanel::MethodComparisonPanel(const QStringList& knownRuns, TaskService* tasks, QWidget* parent)
    : QWidget(parent), tasks_(tasks) {
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("Runs (seeds of one method share its \"method\" name, else its configuration's file name):"), this));
    runs_ = new QListWidget(this);
    runs_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    for (const auto& r : knownRuns) runs_->addItem(r);
    runs_->selectAll();
    layout->addWidget(runs_);
    auto* buttons = new QHBoxLayout;
    auto* add = new QPushButton(tr("Add Runs\u2026"), this);
    connect(add, &QPushButton::clicked, this, [this] {
        for (const auto& f : QFileDialog::getOpenFileNames(this, tr("Run results"), QString(), tr("Run results (*.h5 *.hdf5);;All files (*)")))
        {
            runs_->addItem(f);
            runs_->item(runs_->count() - 1)->setSelected(true);
        }
    });
    auto* exportCsvButton = new QPushButton(tr("Export CSV\u2026"), this);
    connect(exportCsvButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export comparison"), QStringLiteral("methods.csv"), tr("CSV (*.csv)"));
        if (path.isEmpty()) return;
        const QString error = exportCsv(path);
        message_->setText(error.isEmpty() ? tr("Written to %1.").arg(path) : error);
    });
    compare_ = new QPushButton(tr("Compare Methods"), this);
    buttons->addWidget(add);
    buttons->addWidget(exportCsvButton);
    buttons->addStretch(1);
    buttons->addWidget(compare_);
    layout->addLayout(buttons);
    message_ = new QLabel(tr("Select the runs to compare (several seeds per method)."), this);
    message_->setWordWrap(true);
    layout->addWidget(message_);
    table_ = new QTableWidget(this);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    layout->addWidget(table_, 1);
    connect(compare_, &QPushButton::clicked, this, [this] {
        QStringList chosen;
        for (const auto* item : runs_->selectedItems()) chosen << item->text();
        compare(chosen);
    });
}

QString MethodComparisonPanel::message() const { return message_->text(); }

void MethodComparisonPanel::compare(const QStringList& runs) {
    if (runs.isEmpty()) {
        message_->setText(tr("Select at least one run."));
        return;
    }
    std::vector<std::string> files;
    for (const auto& r : runs) files.push_back(r.toStdString());
    compare_->setEnabled(false);
    message_->setText(tr("Evaluating %1 runs\u2026").arg(runs.size()));
    tasks_->run<std::vector<MethodRow>>(
        QStringLiteral("compare-methods"), tr("Evaluating %1 runs").arg(runs.size()),
        [files](const Progress& progress) { return compareMethods(files, progress); },
        [this](TaskOutcome<std::vector<MethodRow>> r) {
            compare_->setEnabled(true);
            if (!r.ok()) {
                const QString error = r.cancelled ? tr("Comparison cancelled.") : r.error;
                message_->setText(error);  // the last table stays
                Q_EMIT failed(error);
                return;
            }
            show(*r.value);
            Q_EMIT compared();
        });
}

void MethodComparisonPanel::show(const std::vector<MethodRow>& rows) {
    rows_ = rows;
    const auto& names = comparisonMetricNames();
    table_->clear();
    table_->setColumnCount(static_cast<int>(rows.size()));
    table_->setRowCount(static_cast<int>(names.size()) + 3);
    QStringList headers, labels;
    for (const auto& r : rows) headers << QStringLiteral("%1 (%2)").arg(QString::fromStdString(r.method)).arg(r.runFiles.size());
    for (const auto& n : names) labels << QString::fromStdString(n);
    labels << tr("largest p, held-out R@5 image->gene") << tr("largest p, held-out R@5 gene->image") << tr("donor-safe split");
    table_->setHorizontalHeaderLabels(headers);
    table_->setVerticalHeaderLabels(labels);
    for (int c = 0; c < static_cast<int>(rows.size()); ++c) {
        const MethodRow& row = rows[static_cast<std::size_t>(c)];
        for (int m = 0; m < static_cast<int>(names.size()); ++m)
            table_->setItem(m, c, new QTableWidgetItem(QString::fromStdString(formatSummary(row.metrics[static_cast<std::size_t>(m)], " \u00B1 "))));
        const int n = static_cast<int>(names.size());
        table_->setItem(n, c, new QTableWidgetItem(QString::number(row.worstPValueImageToGene, 'f', 4)));
        table_->setItem(n + 1, c, new QTableWidgetItem(QString::number(row.worstPValueGeneToImage, 'f', 4)));
        table_->setItem(n + 2, c, new QTableWidgetItem(row.donorSafe ? tr("yes") : tr("NO")));
    }
    message_->setText(tr("%1 methods from %2 runs; mean \u00B1 sample sd over each method's runs.")
                          .arg(rows.size())
                          .arg(std::accumulate(rows.begin(), rows.end(), std::size_t{0}, [](std::size_t s, const MethodRow& r) { return s + r.runFiles.size(); })));
}

QString MethodComparisonPanel::exportCsv(const QString& path) const {
    QSaveFile f(path);  // written whole or not at all
    if (!f.open(QIODevice::WriteOnly | QIODevice::Text)) return tr("%1: cannot write (%2)").arg(path, f.errorString());
    const auto quote = [](QString s) {
        return s.contains(QLatin1Char(',')) || s.contains(QLatin1Char('"')) ? QLatin1Char('"') + s.replace(QLatin1Char('"'), QStringLiteral("\"\"")) + QLatin1Char('"') : s;
    };
    const auto number = [](double v) { return std::isfinite(v) ? QString::number(v, 'g', 10) : QString(); };
    QString out = QStringLiteral("metric");
    for (const auto& r : rows_) {
        const QString m = QString::fromStdString(r.method);
        out += QLatin1Char(',') + quote(m + QStringLiteral(" mean")) + QLatin1Char(',') + quote(m + QStringLiteral(" sd")) +
               QLatin1Char(',') + quote(m + QStringLiteral(" runs"));
    }
    out += QLatin1Char('\n');
    const auto& names = comparisonMetricNames();
    for (std::size_t m = 0; m < names.size(); ++m) {
        out += quote(QString::fromStdString(names[m]));
        for (const auto& r : rows_)
            out += QLatin1Char(',') + number(r.metrics[m].mean) + QLatin1Char(',') + number(r.metrics[m].sd) + QLatin1Char(',') +
                   QString::number(r.metrics[m].runs);
        out += QLatin1Char('\n');
    }
    f.write(out.toUtf8());
    if (!f.commit()) return tr("%1: writing failed (%2)").arg(path, f.errorString());
    return {};
}

}  // namespace hescape
