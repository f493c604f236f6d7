// LinkedViews: signal wiring between the document and the run views.
#include "app/studio/LinkedViews.h"

#include "app/studio/EmbeddingExplorer.h"
#include "app/studio/SecondSectionView.h"
#include "app/studio/model/StudioDocument.h"
#include "core/eval/SimilarityMaps.h"
#include "widgets/slideview/SlideView.h"

#include <QSignalBlocker>

#include <algorithm>

namespace hescape {

namespace {
std::vector<std::int64_t> rowsOf(const QList<qint64>& rows) { return {rows.begin(), rows.end()}; }
}  // namespace

LinkedViews::LinkedViews(StudioDocument* document, SlideView* view, EmbeddingExplorer* explorer, SecondSectionView* second,
                         QObject* parent)
    : QObject(parent), document_(document), view_(view), explorer_(explorer), second_(second) {
    connect(document_, &StudioDocument::runChanged, this, [this] {
        explorer_->setRun(document_->run());
        second_->setRun(document_->run());
    });
    connect(view_, &SlideView::selectionChanged, this,
            [this] { document_->selectObservations(view_->selectedSpots(), SelectionOrigin::Slide); });
    connect(explorer_, &EmbeddingExplorer::rowsSelected, this,
            [this](const QList<qint64>& rows) { document_->selectRows(rowsOf(rows), SelectionOrigin::Embedding); });
    connect(second_, &SecondSectionView::rowsSelected, this,
            [this](const QList<qint64>& rows) { document_->selectRows(rowsOf(rows), SelectionOrigin::SecondSection); });
    connect(document_, &StudioDocument::selectionChanged, this, &LinkedViews::showSelection);
    // Hover goes through the document, so that every view (the all-sections
    // grid too) rings the spot hovered in another.
    connect(explorer_, &EmbeddingExplorer::rowHovered, document_, &StudioDocument::setHoveredRow);
    connect(document_, &StudioDocument::hoverChanged, this, [this] {
        explorer_->showHoveredRow(document_->hoveredRow());
        describeRow(document_->hoveredRow());
    });
    connect(explorer_, &EmbeddingExplorer::rowActivated, this, [this](qint64 row) { centreOnRow(row); });
}

void LinkedViews::showSelection(SelectionOrigin origin) {
    if (origin != SelectionOrigin::Slide) {
        const QSignalBlocker quiet(view_);  // the document has this selection already
        view_->setSelectedSpots(document_->selectedObservations());
        if (origin != SelectionOrigin::Document)
            Q_EMIT statusMessage(tr("%1 spots selected, %2 of them on this slide")
                                     .arg(document_->selectedRows().size())
                                     .arg(document_->selectedObservations().size()),
                                 6000);
    }
    if (!document_->run()) return;
    if (origin != SelectionOrigin::Embedding) explorer_->setSelectedRows(document_->selectedRows());
    if (origin != SelectionOrigin::SecondSection) second_->setSelectedRows(document_->selectedRows());
}

void LinkedViews::describeRow(qint64 row) {
    const auto& run = document_->run();
    if (!run || row < 0 || row >= run->rows()) return;
    const auto r = static_cast<std::size_t>(row);
    const auto dim = static_cast<std::size_t>(run->dim);
    double cosine = 0;
    for (std::size_t k = 0; k < dim; ++k) cosine += run->image[r * dim + k] * run->gene[r * dim + k];
    Q_EMIT statusMessage(tr("%1 · spot %2 · alignment %3 (double-click to centre the slide on it)")
                             .arg(QString::fromStdString(run->section[r]), QString::fromStdString(run->obsName[r]))
                             .arg(cosine, 0, 'f', 3),
                         0);
}

bool LinkedViews::centreOnRow(qint64 row) {
    const auto& run = document_->run();
    if (!run || row < 0 || row >= run->rows()) return false;
    const auto& runRows = document_->runRows();
    const auto it = std::find(runRows.begin(), runRows.end(), row);
    if (it == runRows.end()) {
        Q_EMIT statusMessage(tr("Spot %1 is in section %2: open that section to see it on its slide.")
                                 .arg(QString::fromStdString(run->obsName[static_cast<std::size_t>(row)]),
                                      QString::fromStdString(run->section[static_cast<std::size_t>(row)])),
                             8000);
        return false;
    }
    const auto obs = static_cast<std::size_t>(it - runRows.begin());
    const auto& xy = view_->spots().positions();
    if (2 * obs + 1 >= xy.size()) return false;
    view_->centerOn(QPointF(xy[2 * obs], xy[2 * obs + 1]));
    view_->setSelectedSpots({static_cast<std::int64_t>(obs)});
    return true;
}

}  // namespace hescape
