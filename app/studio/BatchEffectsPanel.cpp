// BatchEffectsPanel: one batchEffectReport per request on a worker thread; a
// generation counter drops results of a run or key that is no longer shown.
#include "app/studio/BatchEffectsPanel.h"

#include "app/studio/tasks/TaskService.h"

#include "core/eval/BatchMetrics.h"
#include "core/eval/SimilarityMaps.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmath>
#include <limits>
#include <map>

namespace hescape {

namespace {

QTableWidgetItem* numberItem(double v) {
    auto* item = new QTableWidgetItem;
    if (std::isfinite(v)) item->setData(Qt::DisplayRole, std::round(v * 1000) / 1000);
    else item->setText(QStringLiteral("\u2014"));
    return item;
}

std::string donorOf(const std::string& section) {
    std::size_t end = section.size();
    while (end > 1 && std::isdigit(static_cast<unsigned char>(section[end - 1]))) --end;
    return section.substr(0, end);
}

const QString kBatchTask = QStringLiteral("batch-metrics");

}  // namespace

struct BatchEffectsPanel::Job {
    BatchEffectReport report;
    QStringList names;
    QString error;
};

std::vector<int> batchCodes(const RunEmbeddings& run, const QString& key, QStringList& names) {
    const bool donor = key == QLatin1String("donor");
    std::map<std::string, int> code;
    names.clear();
    std::vector<int> codes;
    codes.reserve(run.section.size());
    for (const auto& s : run.section) {
        const std::string b = donor ? donorOf(s) : s;
        const auto [it, added] = code.emplace(b, static_cast<int>(names.size()));
        if (added) names << QString::fromStdString(b);
        codes.push_back(it->second);
    }
    return codes;
}

BatchEffectsPanel::BatchEffectsPanel(TaskService* tasks, QWidget* parent) : QWidget(parent), tasks_(tasks) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* head = new QHBoxLayout;
    head->addWidget(new QLabel(tr("Batch effects by"), this));
    key_ = new QComboBox(this);
    key_->addItem(tr("section"), QStringLiteral("section"));
    key_->addItem(tr("donor"), QStringLiteral("donor"));
    key_->setToolTip(tr("donor: the section name without its number (HER2ST's A1\u2013H3 are donors A\u2013H)"));
    head->addWidget(key_);
    head->addWidget(new QLabel(tr("in the"), this));
    embedding_ = new QComboBox(this);
    embedding_->addItems({tr("image embeddings"), tr("gene embeddings")});
    head->addWidget(embedding_);
    head->addStretch(1);
    layout->addLayout(head);
    summary_ = new QLabel(this);
    summary_->setWordWrap(true);
    summary_->setMinimumHeight(3 * summary_->fontMetrics().lineSpacing());
    summary_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    layout->addWidget(summary_);
    table_ = new QTableWidget(0, 5, this);
    table_->setHorizontalHeaderLabels({tr("Batch"), tr("Spots"), tr("Batch ASW"), tr("iLISI"), tr("kNN recall")});
    table_->horizontalHeaderItem(2)->setToolTip(tr("scib's batch silhouette, 1 \u2212 |s|, over the batch's spots: 1 = mixed with the others"));
    table_->horizontalHeaderItem(3)->setToolTip(tr("Mean inverse Simpson index of the batches among each spot's neighbours"));
    table_->horizontalHeaderItem(4)->setToolTip(tr("How often a spot's 15 nearest neighbours vote for its own batch (high = separated)"));
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    table_->verticalHeader()->hide();
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSortingEnabled(true);
    layout->addWidget(table_, 1);
    connect(key_, &QComboBox::currentIndexChanged, this, &BatchEffectsPanel::compute);
    connect(embedding_, &QComboBox::currentIndexChanged, this, &BatchEffectsPanel::compute);
}

void BatchEffectsPanel::setRun(std::shared_ptr<const RunEmbeddings> run) {
    run_ = std::move(run);
    compute();
}

void BatchEffectsPanel::setBatchKey(const QString& key) {
    const int i = key_->findData(key);
    if (i >= 0) key_->setCurrentIndex(i);
}

QString BatchEffectsPanel::batchKey() const { return key_->currentData().toString(); }
QString BatchEffectsPanel::summary() const { return summary_->text(); }

void BatchEffectsPanel::compute() {
    table_->setRowCount(0);
    if (!run_) {
        tasks_->cancel(kBatchTask);
        summary_->clear();
        return;
    }
    const auto run = run_;
    const QString key = batchKey();
    const bool gene = embedding_->currentIndex() == 1;
    summary_->setText(tr("Computing batch metrics\u2026"));
    tasks_->run<Job>(
        kBatchTask, tr("Computing batch metrics"),
        [run, key, gene](const Progress& progress) {
            ::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 5);  // below the GUI, as the layouts
            Job b;
            const std::vector<int> codes = batchCodes(*run, key, b.names);
            if (b.names.size() < 2) {
                b.error = QObject::tr("Batch effects need at least two %1s in the run; it has %2.").arg(key).arg(b.names.size());
                return b;
            }
            BatchMetricsOptions o;
            o.threads = 1;  // one core stays with the GUI
            progress.throwIfCancelled();
            b.report = batchEffectReport(EmbeddingView(gene ? run->gene : run->image, run->dim), codes, {}, o);
            return b;
        },
        [this, key](TaskOutcome<Job> outcome) {
            if (outcome.cancelled) return;
            if (!outcome.ok()) outcome.value = Job{{}, {}, tr("Could not compute batch metrics: %1").arg(outcome.error)};
            showReport(*outcome.value, key);
        },
        TaskService::Display::Hidden);
}

void BatchEffectsPanel::showReport(const Job& b, const QString& key) {
    if (!b.error.isEmpty()) {
        summary_->setText(b.error);
        Q_EMIT ready();
        return;
    }
    const BatchEffectReport& r = b.report;
    summary_->setText(tr("%1 %2s: batch ASW %3 (1 = mixed) \u00B7 iLISI median %4 of %1 (normalised %5) \u00B7 "
                         "kNN balanced accuracy %6 (chance %7) \u00B7 graph connectivity %8")
                          .arg(r.batches)
                          .arg(key)
                          .arg(r.batchSilhouette.score, 0, 'f', 3)
                          .arg(r.ilisi.median, 0, 'f', 2)
                          .arg(r.ilisi.normalised, 0, 'f', 3)
                          .arg(r.knn.balancedAccuracy, 0, 'f', 3)
                          .arg(r.knn.chanceBalanced, 0, 'f', 3)
                          .arg(r.connectivity.score, 0, 'f', 3));
    const auto at = [](const std::vector<double>& v, int i) {
        return i < static_cast<int>(v.size()) ? v[static_cast<std::size_t>(i)] : std::numeric_limits<double>::quiet_NaN();
    };
    table_->setSortingEnabled(false);
    table_->setRowCount(static_cast<int>(b.names.size()));
    for (int i = 0; i < b.names.size(); ++i) {
        table_->setItem(i, 0, new QTableWidgetItem(b.names[i]));
        auto* cells = new QTableWidgetItem;
        cells->setData(Qt::DisplayRole,
                       static_cast<qlonglong>(i < static_cast<int>(r.cellsPerBatch.size()) ? r.cellsPerBatch[static_cast<std::size_t>(i)] : 0));
        table_->setItem(i, 1, cells);
        table_->setItem(i, 2, numberItem(at(r.batchSilhouette.perBatch, i)));
        table_->setItem(i, 3, numberItem(at(r.ilisi.perLabel, i)));
        table_->setItem(i, 4, numberItem(at(r.knn.perBatch, i)));
    }
    table_->setSortingEnabled(true);
    Q_EMIT ready();
}

}  // namespace hescape
