// SecondSectionView: the same background loaders as the main window (slide,
// then data set); the spots are matched to the run by section and name
// (core/eval/SimilarityMaps::matchObservations).
#include "app/studio/SecondSectionView.h"

#include "app/studio/tasks/TaskService.h"

#include "app/studio/DatasetLoadTask.h"
#include "app/studio/SlideLoadTask.h"
#include "core/eval/SimilarityMaps.h"
#include "core/spatial/DatasetOpener.h"
#include "core/spatial/SpotPlacement.h"
#include "widgets/slideview/SlideView.h"

#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace hescape {

SecondSectionView::SecondSectionView(TaskService* tasks, QWidget* parent) : QWidget(parent), tasks_(tasks) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto* head = new QHBoxLayout;
    head->addWidget(new QLabel(tr("Section"), this));
    sections_ = new QComboBox(this);
    sections_->setPlaceholderText(tr("choose a section of this folder"));
    sections_->setToolTip(tr("Another section of this folder, with selection linked through the run"));
    head->addWidget(sections_, 1);
    layout->addLayout(head);
    message_ = new QLabel(tr("Pick a section to compare with the main slide."), this);
    message_->setWordWrap(true);
    layout->addWidget(message_);
    view_ = new SlideView(this);
    view_->setPlaceholderText(tr("Pick a section above to show its tissue here"));
    view_->setMinimapVisible(false);
    layout->addWidget(view_, 1);
    connect(sections_, &QComboBox::activated, this, [this](int i) { openSection(sections_->itemText(i)); });
    connect(view_, &SlideView::selectionChanged, this, [this] {
        if (linking_ || !run_) return;
        QList<qint64> rows;
        for (const auto obs : view_->selectedSpots())
            if (static_cast<std::size_t>(obs) < rows_.size() && rows_[static_cast<std::size_t>(obs)] >= 0) rows << rows_[static_cast<std::size_t>(obs)];
        Q_EMIT rowsSelected(rows);
    });
}

void SecondSectionView::setFolder(const QString& folder) {
    folder_ = folder;
    sections_->clear();
    for (const auto& s : slidesWithDataIn(folder)) sections_->addItem(s.name);
    sections_->setCurrentIndex(-1);
}

void SecondSectionView::openSection(const QString& name) {
    QString slidePath, datasetPath;
    for (const auto& s : slidesWithDataIn(folder_))
        if (s.name == name) {
            slidePath = s.slide;
            datasetPath = s.dataset;
        }
    if (slidePath.isEmpty()) {
        const QString msg = tr("No section %1 in %2.").arg(name, folder_);
        message_->setText(msg);
        Q_EMIT failed(msg);
        return;
    }
    message_->setText(tr("Opening %1\u2026").arg(name));
    struct Loaded {
        SlideLoadResult slide;
        DatasetLoadResult dataset;
    };
    // One job for both files, so picking another section meanwhile replaces it.
    tasks_->run<Loaded>(
        QStringLiteral("second-section"), tr("Opening section %1").arg(name),
        [slidePath, datasetPath](const Progress& progress) {
            Loaded l{loadSlide(slidePath, AssociatedImageDecoding::Skip), {}};
            progress.throwIfCancelled();
            if (l.slide.slide) l.dataset = loadDataset(datasetPath);
            return l;
        },
        [this, name](TaskOutcome<Loaded> outcome) {
            if (!outcome.ok()) return;  // cancelled: the section already shown stays
            const SlideLoadResult& r = outcome.value->slide;
            const DatasetLoadResult& d = outcome.value->dataset;
            QString error = r.slide ? d.error : r.error;
            if (r.needsConversion) error = tr("%1 must be converted first: open it once in the main view.").arg(r.path);
            if (!r.slide || !d.dataset) {
                message_->setText(error);
                Q_EMIT failed(error);
                return;  // the section already shown stays
            }
            section_ = name;
            dataset_ = d.dataset;
            view_->setSlide(r.slide);
            SpotPlacement placed = placeSpotsOnSlide(*dataset_, transformForSlide(*dataset_, r.path.toStdString()));
            view_->setSpots(std::move(placed.xy), static_cast<float>(placed.radius), placed.square, static_cast<float>(placed.angle));
            sections_->setCurrentIndex(sections_->findText(name));
            colourSpots();
            Q_EMIT sectionOpened(name);
        });
}

void SecondSectionView::setRun(std::shared_ptr<const RunEmbeddings> run) {
    run_ = std::move(run);
    colourSpots();
}

void SecondSectionView::colourSpots() {
    rows_.clear();
    if (!dataset_) return;
    SpotStyle style;
    style.colormap = ColormapId::Coolwarm;
    SlideView::SpotLegend legend;
    std::vector<float> values(dataset_->obsNames.size(), std::numeric_limits<float>::quiet_NaN());
    if (run_) {
        rows_ = matchObservations(*run_, section_.toStdString(), dataset_->obsNames);
        values = alignmentMap(*run_, rows_);
        legend.title = tr("alignment (cosine)");
    }
    const auto matched = std::count_if(rows_.begin(), rows_.end(), [](std::int64_t r) { return r >= 0; });
    std::vector<float> finite;
    for (const float v : values)
        if (std::isfinite(v)) finite.push_back(v);
    if (!finite.empty()) {
        const auto [lo, hi] = std::minmax_element(finite.begin(), finite.end());
        style.vmin = *lo;
        style.vmax = *hi > *lo ? *hi : *lo + 1;
    }
    view_->setSpotValues(std::move(values), style, legend);
    message_->setText(run_ ? tr("%1: %2 of %3 spots have embeddings in the run; selections are linked through it.")
                                 .arg(section_)
                                 .arg(matched)
                                 .arg(dataset_->obsNames.size())
                           : tr("%1: open a run to link selections.").arg(section_));
}

void SecondSectionView::setSelectedRows(const std::vector<std::int64_t>& rows) {
    linking_ = true;
    view_->setSelectedSpots(observationsOfRows(rows_, rows, run_ ? run_->rows() : 0));
    linking_ = false;
}

}  // namespace hescape
