// RegistrationDialog: a small state machine over the view's click signals.
#include "app/studio/RegistrationDialog.h"

#include "app/studio/model/RegistrationEdit.h"
#include "app/studio/model/StudioDocument.h"
#include "core/spatial/SpatialDataset.h"
#include "widgets/slideview/SlideView.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace hescape {

RegistrationDialog::RegistrationDialog(StudioDocument* document, SlideView* view, QWidget* parent)
    : QDialog(parent), document_(document), view_(view) {
    setWindowTitle(tr("Register data set to slide"));
    setModal(false);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("Each pair: a spot of the data set, and the point on the slide where it belongs. "
                                    "Three or more pairs give an affine map (least squares)."),
                                 this));
    table_ = new QTableWidget(0, 5, this);
    table_->setHorizontalHeaderLabels({tr("data x"), tr("data y"), tr("slide x"), tr("slide y"), tr("residual px")});
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layout->addWidget(table_);
    status_ = new QLabel(this);
    status_->setWordWrap(true);
    layout->addWidget(status_);
    auto* row = new QHBoxLayout;
    auto* pick = new QPushButton(tr("Pick a pair"), this);
    auto* remove = new QPushButton(tr("Remove selected"), this);
    auto* applyButton = new QPushButton(tr("Apply"), this);
    auto* reset = new QPushButton(tr("Reset to the file's transform"), this);
    row->addWidget(pick);
    row->addWidget(remove);
    row->addStretch(1);
    row->addWidget(reset);
    row->addWidget(applyButton);
    layout->addLayout(row);
    connect(pick, &QPushButton::clicked, this, &RegistrationDialog::startPicking);
    connect(remove, &QPushButton::clicked, this, [this] {
        const int r = table_->currentRow();
        if (r >= 0 && r < static_cast<int>(pairs_.size())) pairs_.erase(pairs_.begin() + r);
        refreshTable();
    });
    connect(applyButton, &QPushButton::clicked, this, &RegistrationDialog::apply);
    connect(reset, &QPushButton::clicked, this, [this] {
        resetRegistration(*document_);
        status_->setText(tr("Back to the transform the data set's format gives."));
    });
    connect(view_, &SlideView::spotClicked, this, &RegistrationDialog::onSpotClicked);
    connect(view_, &SlideView::slideClicked, this, &RegistrationDialog::onSlideClicked);
    if (const auto& r = document_->registration()) {
        pairs_ = r->landmarks;
        refreshTable();
    }
    resize(560, 360);
}

void RegistrationDialog::addPair(const LandmarkPair& pair) {
    pairs_.push_back(pair);
    refreshTable();
}

void RegistrationDialog::clearPairs() {
    pairs_.clear();
    refreshTable();
}

void RegistrationDialog::startPicking() {
    pick_ = Pick::Spot;
    status_->setText(tr("Click a spot on the view (its data-set position)\u2026"));
}

void RegistrationDialog::onSpotClicked(qint64 index) {
    if (pick_ != Pick::Spot || !document_->dataset()) return;
    pendingDataset_ = document_->dataset()->coordinates[static_cast<std::size_t>(index)];
    pick_ = Pick::Slide;
    // The same click also reports a slide position: that one is not the answer.
    ignoreNextSlideClick_ = true;
    QTimer::singleShot(0, this, [this] { ignoreNextSlideClick_ = false; });
    status_->setText(tr("Now click where that spot belongs on the slide\u2026"));
}

void RegistrationDialog::onSlideClicked(QPointF level0) {
    if (pick_ != Pick::Slide || ignoreNextSlideClick_) return;
    pairs_.push_back({pendingDataset_, {level0.x(), level0.y()}});
    pick_ = Pick::None;
    refreshTable();
    status_->setText(pairs_.size() < 3 ? tr("%n more pair(s) needed.", nullptr, 3 - static_cast<int>(pairs_.size()))
                                       : tr("Ready: Apply fits the map."));
}

void RegistrationDialog::refreshTable() {
    table_->setRowCount(static_cast<int>(pairs_.size()));
    std::optional<AffineFit> fit;
    if (pairs_.size() >= 3) {
        try {
            fit = fitAffine(pairs_);
        } catch (const std::exception&) {
        }
    }
    for (int i = 0; i < static_cast<int>(pairs_.size()); ++i) {
        const auto& p = pairs_[static_cast<std::size_t>(i)];
        double rx = 0, ry = 0;
        if (fit) fit->transform.apply(p.dataset.x, p.dataset.y, rx, ry);
        const QStringList cells{QString::number(p.dataset.x, 'f', 1), QString::number(p.dataset.y, 'f', 1),
                                QString::number(p.slide.x, 'f', 1), QString::number(p.slide.y, 'f', 1),
                                fit ? QString::number(std::hypot(rx - p.slide.x, ry - p.slide.y), 'f', 2) : QString()};
        for (int c = 0; c < 5; ++c) table_->setItem(i, c, new QTableWidgetItem(cells[c]));
    }
}

void RegistrationDialog::apply() {
    const RegistrationOutcome outcome = applyLandmarks(*document_, pairs_);
    status_->setText(outcome.error.isEmpty() ? tr("Applied and saved beside the data set.") : outcome.error);
    if (outcome.error.isEmpty()) Q_EMIT applied(outcome.summary);
    refreshTable();
}

}  // namespace hescape
