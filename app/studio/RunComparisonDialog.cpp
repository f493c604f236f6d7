// RunComparisonDialog: the metrics come from core/eval/RunMetrics, the same
// code as `hescape eval` and the Similarity maps dock's table.
#include "app/studio/RunComparisonDialog.h"

#include "app/studio/MethodComparisonPanel.h"
#include "app/studio/tasks/TaskService.h"

#include "core/eval/RunMetrics.h"
#include "widgets/eval/MetricsTable.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QLabel>
#include <QPushButton>
#include <QStandardPaths>
#include <QTabWidget>
#include <QVBoxLayout>

namespace hescape {

namespace {

struct RunPair {
    std::vector<MetricRow> a, b;
};

std::vector<MetricRow> readMetricRows(const QString& path) {
    std::vector<MetricRow> rows;
    for (const auto& m : runMetrics(path.toStdString()))
        rows.push_back({QString::fromStdString(m.split), QString::fromStdString(m.protocol), QString::fromStdString(m.metric), m.value});
    return rows;
}

}  // namespace

QStringList RunComparisonDialog::savedRuns() {
    QStringList out;
    const QDir dir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/runs"));
    for (const QFileInfo& f : dir.entryInfoList({QStringLiteral("*.h5")}, QDir::Files, QDir::Time)) out << f.absoluteFilePath();
    return out;
}

RunComparisonDialog::RunComparisonDialog(const QStringList& knownRuns, TaskService* tasks, QWidget* parent)
    : QDialog(parent), tasks_(tasks) {
    setWindowTitle(tr("Compare runs"));
    resize(760, 560);
    auto* tabs = new QTabWidget(this);
    auto* outer = new QVBoxLayout(this);
    outer->addWidget(tabs);
    auto* twoRuns = new QWidget(tabs);
    auto* layout = new QVBoxLayout(twoRuns);
    auto* grid = new QGridLayout;
    const auto row = [&](int r, const QString& label, QComboBox*& combo, int preselect) {
        combo = new QComboBox(this);
        combo->setEditable(true);
        combo->addItems(knownRuns);
        combo->setCurrentIndex(std::min(preselect, static_cast<int>(knownRuns.size()) - 1));
        combo->setMinimumContentsLength(48);
        auto* browse = new QPushButton(tr("Browse\u2026"), this);
        connect(browse, &QPushButton::clicked, this, [this, combo] {
            const QString path = QFileDialog::getOpenFileName(this, tr("Run results"), QFileInfo(combo->currentText()).absolutePath(),
                                                              tr("Run results (*.h5 *.hdf5);;All files (*)"));
            if (!path.isEmpty()) combo->setCurrentText(path);
        });
        grid->addWidget(new QLabel(label, this), r, 0);
        grid->addWidget(combo, r, 1);
        grid->addWidget(browse, r, 2);
    };
    row(0, tr("Run A"), pathA_, 1);
    row(1, tr("Run B"), pathB_, 0);
    grid->setColumnStretch(1, 1);
    layout->addLayout(grid);
    compare_ = new QPushButton(tr("Compare"), this);
    compare_->setDefault(true);
    layout->addWidget(compare_, 0, Qt::AlignRight);
    message_ = new QLabel(tr("Pick two runs' results files."), this);
    message_->setWordWrap(true);
    layout->addWidget(message_);
    table_ = new MetricsTable(this);
    layout->addWidget(table_, 1);
    tabs->addTab(twoRuns, tr("Two runs"));
    methods_ = new MethodComparisonPanel(knownRuns, tasks_, tabs);
    tabs->addTab(methods_, tr("Methods (several runs)"));
    connect(compare_, &QPushButton::clicked, this, [this] { compare(pathA_->currentText(), pathB_->currentText()); });
}

QString RunComparisonDialog::message() const { return message_->text(); }

void RunComparisonDialog::compare(const QString& runA, const QString& runB) {
    pathA_->setCurrentText(runA);
    pathB_->setCurrentText(runB);
    compare_->setEnabled(false);
    message_->setText(tr("Reading both runs\u2019 metrics\u2026"));
    tasks_->run<RunPair>(
        QStringLiteral("compare-runs"), tr("Reading two runs' metrics"),
        [runA, runB](const Progress&) { return RunPair{readMetricRows(runA), readMetricRows(runB)}; },
        [this, runA, runB](TaskOutcome<RunPair> r) {
            compare_->setEnabled(true);
            if (!r.ok()) {
                const QString error = r.cancelled ? tr("Comparison cancelled.") : r.error;
                message_->setText(error);  // the last comparison stays in the table
                Q_EMIT failed(error);
                return;
            }
            const QString a = QFileInfo(runA).completeBaseName(), b = QFileInfo(runB).completeBaseName();
            table_->setComparison(QStringLiteral("A: ") + a, QStringLiteral("B: ") + b, compareMetrics(r.value->a, r.value->b));
            message_->setText(tr("A = %1, B = %2: %3 metrics.").arg(runA, runB).arg(table_->comparison().size()));
            Q_EMIT compared();
        });
}

}  // namespace hescape
