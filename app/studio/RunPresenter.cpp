// RunPresenter: document and training signals in, maps-dock calls out.
#include "app/studio/RunPresenter.h"

#include "app/studio/DocumentLoader.h"
#include "app/studio/TrainingRunner.h"
#include "app/studio/model/StudioDocument.h"
#include "core/eval/RunMetrics.h"
#include "widgets/eval/MetricsTable.h"
#include "widgets/eval/SimilarityMapPanel.h"

#include <QDockWidget>
#include <QFileInfo>

namespace hescape {

RunPresenter::RunPresenter(StudioDocument* document, DocumentLoader* loader, TrainingRunner* training, SimilarityMapPanel* maps,
                           MetricsTable* metrics, QDockWidget* mapsDock, QObject* parent)
    : QObject(parent), document_(document), loader_(loader), maps_(maps), metrics_(metrics), mapsDock_(mapsDock) {
    connect(document_, &StudioDocument::runChanged, this, &RunPresenter::showRun);
    // A finished training run opens once the engine is done (its evaluation
    // would otherwise compete with the end of the training for the cores).
    connect(training, &TrainingRunner::resultsWritten, this, [this](const QString& path) { pendingRun_ = path; });
    connect(training, &TrainingRunner::snapshotReady, this, &RunPresenter::showSnapshot);
    connect(training, &TrainingRunner::finished, this, [this] {
        if (pendingRun_.isEmpty()) return;
        loader_->openRun(pendingRun_);
        pendingRun_.clear();
    });
}

void RunPresenter::showRun() {
    const auto& run = document_->run();
    if (!run || document_->runPath().isEmpty()) return;  // a live snapshot says so itself
    std::vector<MetricRow> rows;
    for (const auto& m : document_->runMetrics())
        rows.push_back({QString::fromStdString(m.split), QString::fromStdString(m.protocol), QString::fromStdString(m.metric), m.value});
    metrics_->setRows(rows);
    QStringList sections;
    for (const auto& s : run->sections()) sections << QString::fromStdString(s);
    maps_->setRunSummary(tr("%1: %2 pairs, %3-d embeddings; sections %4")
                             .arg(QFileInfo(document_->runPath()).fileName())
                             .arg(run->rows())
                             .arg(run->dim)
                             .arg(sections.join(QStringLiteral(", "))));
    mapsDock_->raise();
}

void RunPresenter::showSnapshot(const TrainingSnapshot& shot) {
    // A live run has no file; the finished run opens from its results.
    document_->setRun(shot.embeddings, QString(), {});
    maps_->setRunSummary(tr("Live training, step %1: %2 pairs, %3-d embeddings").arg(shot.step).arg(shot.embeddings->rows()).arg(shot.embeddings->dim));
    document_->showAlignmentUnlessMapped();
    Q_EMIT liveRunUpdated(shot.step);
}

}  // namespace hescape
