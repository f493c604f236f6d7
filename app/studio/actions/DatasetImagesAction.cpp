// DatasetImagesAction: the entries follow the document's data set and slide;
// which images exist and how each is placed is core's (visiumSlideImages).
#include "app/studio/actions/DatasetImagesAction.h"

#include "app/studio/DocumentLoader.h"
#include "app/studio/model/StudioDocument.h"
#include "core/spatial/SpatialDataset.h"
#include "core/spatial/VisiumFolder.h"

#include <QAction>
#include <QFileInfo>
#include <QKeySequence>
#include <QMenu>
#include <QWidget>

namespace hescape {

DatasetImagesAction::DatasetImagesAction(QWidget* parent, StudioDocument* document, DocumentLoader* loader)
    : StudioAction(tr("Data Set &Images"), QKeySequence(), parent), document_(document), loader_(loader), menu_(new QMenu(parent)) {
    menu_->setObjectName(QStringLiteral("datasetImagesMenu"));
    menu_->setToolTipsVisible(true);
    action()->setMenu(menu_);
    action()->setToolTip(tr("Show the data set on another of its images (Visium: hires, lowres, CytAssist)"));
    connect(document_, &StudioDocument::datasetChanged, this, &DatasetImagesAction::rebuild);
    connect(document_, &StudioDocument::slideChanged, this, &DatasetImagesAction::rebuild);
    rebuild();
}

void DatasetImagesAction::rebuild() {
    menu_->clear();
    const auto dataset = document_->dataset();
    const std::vector<VisiumSlideImage> images = dataset ? visiumSlideImages(*dataset) : std::vector<VisiumSlideImage>{};
    const QString current = QFileInfo(document_->slidePath()).absoluteFilePath();
    for (const VisiumSlideImage& image : images) {
        const QString path = QString::fromStdString(image.path);
        const QString text = tr("%1 (%2)").arg(QString::fromStdString(image.name), QFileInfo(path).fileName());
        QAction* entry = menu_->addAction(image.placed ? text : tr("%1 \u2014 not placed").arg(text));
        entry->setToolTip(QString::fromStdString(image.note));
        entry->setData(path);
        entry->setCheckable(true);
        entry->setChecked(QFileInfo(path).absoluteFilePath() == current);
        entry->setEnabled(image.placed);
        connect(entry, &QAction::triggered, this, [this, path] {
            if (QFileInfo(path).absoluteFilePath() != QFileInfo(document_->slidePath()).absoluteFilePath()) loader_->openSlide(path);
        });
    }
    setEnabled(!images.empty());
}

}  // namespace hescape
