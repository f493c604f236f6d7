// SlidePropertiesPanel: fills three views from a Slide; images are passed in
// already decoded so that nothing here touches the disk.
#include "widgets/slideview/SlidePropertiesPanel.h"

#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPixmap>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace hescape {

SlidePropertiesPanel::SlidePropertiesPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);

    summary_ = new QTreeWidget(this);
    summary_->setColumnCount(2);
    summary_->setHeaderLabels({tr("Slide"), tr("Value")});
    summary_->setRootIsDecorated(false);
    summary_->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    summary_->setMinimumHeight(170);
    layout->addWidget(summary_, 2);

    setMpp_ = new QPushButton(tr("Set microns per pixel\u2026"), this);
    setMpp_->setEnabled(false);
    connect(setMpp_, &QPushButton::clicked, this, &SlidePropertiesPanel::setMicronsPerPixelRequested);
    layout->addWidget(setMpp_);

    filter_ = new QLineEdit(this);
    filter_->setPlaceholderText(tr("Filter properties"));
    filter_->setClearButtonEnabled(true);
    connect(filter_, &QLineEdit::textChanged, this, &SlidePropertiesPanel::applyFilter);
    layout->addWidget(filter_);

    properties_ = new QTreeWidget(this);
    properties_->setColumnCount(2);
    properties_->setHeaderLabels({tr("Property"), tr("Value")});
    properties_->setRootIsDecorated(false);
    properties_->setSortingEnabled(true);
    properties_->sortByColumn(0, Qt::AscendingOrder);
    layout->addWidget(properties_, 3);

    layout->addWidget(new QLabel(tr("Associated images"), this));
    associated_ = new QListWidget(this);
    associated_->setViewMode(QListView::IconMode);
    associated_->setIconSize(QSize(96, 96));
    associated_->setResizeMode(QListView::Adjust);
    associated_->setMaximumHeight(124);
    layout->addWidget(associated_, 1);
}

void SlidePropertiesPanel::setSlide(const Slide* slide, const AssociatedImages& associated) {
    slide_ = slide;
    properties_->clear();
    associated_->clear();
    setMpp_->setEnabled(slide != nullptr);
    refreshSummary();
    if (!slide) return;
    properties_->setSortingEnabled(false);
    for (const auto& [key, value] : slide->properties()) {
        auto* item = new QTreeWidgetItem(properties_, {QString::fromStdString(key), QString::fromStdString(value)});
        item->setToolTip(1, item->text(1));
    }
    properties_->setSortingEnabled(true);
    properties_->resizeColumnToContents(0);
    applyFilter(filter_->text());
    for (const auto& [name, image] : associated) {
        auto* item = new QListWidgetItem(QIcon(QPixmap::fromImage(image)), name, associated_);
        item->setToolTip(QStringLiteral("%1: %2 \u00D7 %3 px").arg(name).arg(image.width()).arg(image.height()));
    }
    if (associated.isEmpty()) new QListWidgetItem(tr("none"), associated_);
}

void SlidePropertiesPanel::refreshSummary() {
    summary_->clear();
    if (!slide_) return;
    auto add = [this](const QString& k, const QString& v) { new QTreeWidgetItem(summary_, {k, v}); };
    add(tr("File"), QString::fromStdString(slide_->path()));
    add(tr("Format"), QString::fromStdString(slide_->format()));
    add(tr("Dimensions"), QStringLiteral("%1 \u00D7 %2 px").arg(slide_->width()).arg(slide_->height()));
    if (const auto mpp = slide_->micronsPerPixel()) {
        add(tr("Microns per pixel"), QStringLiteral("%1 \u00D7 %2%3")
                                         .arg(mpp->x, 0, 'g', 6)
                                         .arg(mpp->y, 0, 'g', 6)
                                         .arg(slide_->micronsPerPixelFromFile() ? QString() : tr(" (set by you)")));
        add(tr("Physical size"), QStringLiteral("%1 \u00D7 %2 mm")
                                     .arg(slide_->width() * mpp->x / 1000.0, 0, 'f', 2)
                                     .arg(slide_->height() * mpp->y / 1000.0, 0, 'f', 2));
    } else {
        add(tr("Microns per pixel"), tr("unknown (not in the file)"));
    }
    if (const auto p = slide_->objectivePower()) add(tr("Objective"), QStringLiteral("%1\u00D7").arg(*p));
    add(tr("Levels"), QString::number(slide_->levelCount()));
    for (int i = 0; i < slide_->levelCount(); ++i) {
        const auto& lv = slide_->level(i);
        add(tr("  level %1").arg(i),
            QStringLiteral("%1 \u00D7 %2 (\u00F7%3)").arg(lv.width).arg(lv.height).arg(lv.downsample, 0, 'g', 4));
    }
}

void SlidePropertiesPanel::applyFilter(const QString& text) {
    for (int i = 0; i < properties_->topLevelItemCount(); ++i) {
        auto* item = properties_->topLevelItem(i);
        const bool match = text.isEmpty() || item->text(0).contains(text, Qt::CaseInsensitive) ||
                           item->text(1).contains(text, Qt::CaseInsensitive);
        item->setHidden(!match);
    }
}

}  // namespace hescape
