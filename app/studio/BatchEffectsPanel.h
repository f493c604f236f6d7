// The batch-effects panel beside the embedding view: how strongly a run's
// image (or gene) embeddings still group by batch, overall and per batch
// (scib's batch silhouette, iLISI, kNN batch recall, graph connectivity from
// core/eval/BatchMetrics), computed in the background and again whenever
// the batch key or the embedding changes. Batch keys: the section, or the
// donor (the section name without its trailing number, as in HER2ST's A1-H3).
#pragma once

#include <QStringList>
#include <QWidget>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

class QComboBox;
class QLabel;
class QTableWidget;

namespace hescape {

struct RunEmbeddings;
class TaskService;

// Per row, the batch code under `key` ("section" or "donor"), and the batch names.
std::vector<int> batchCodes(const RunEmbeddings& run, const QString& key, QStringList& names);

class BatchEffectsPanel : public QWidget {
    Q_OBJECT
public:
    // `tasks`: where the metrics are computed (in the background; a newer run replaces the job).
    explicit BatchEffectsPanel(TaskService* tasks, QWidget* parent = nullptr);
    void setRun(std::shared_ptr<const RunEmbeddings> run);
    void setBatchKey(const QString& key);  // "section" or "donor"
    QString batchKey() const;
    QTableWidget* table() const { return table_; }
    QString summary() const;

Q_SIGNALS:
    void ready();

private:
    struct Job;
    void compute();
    void showReport(const Job& job, const QString& key);

    TaskService* tasks_;
    QComboBox* key_;
    QComboBox* embedding_;
    QLabel* summary_;
    QTableWidget* table_;
    std::shared_ptr<const RunEmbeddings> run_;
};

}  // namespace hescape
