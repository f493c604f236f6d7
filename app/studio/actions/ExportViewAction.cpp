// ExportViewAction: QSaveFile (temp file + rename), so never a half-written figure.
#include "app/studio/actions/ExportViewAction.h"

#include "app/studio/model/StudioDocument.h"
#include "widgets/slideview/SlideView.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QKeySequence>
#include <QProgressDialog>
#include <QSaveFile>
#include <QSettings>

namespace hescape {

ExportViewAction::ExportViewAction(QWidget* dialogParent, StudioDocument* document, SlideView* view)
    : StudioAction(tr("&Export View as PNG or SVG\u2026"), QKeySequence(Qt::CTRL | Qt::Key_E), dialogParent),
      dialogParent_(dialogParent),
      document_(document),
      view_(view) {
    action()->setToolTip(tr("Save the view as a figure, with its scale bar and legends"));
    enableWhile(document_, Needs::Slide);
}

void ExportViewAction::trigger() {
    if (!view_->slide()) return;
    QSettings s;
    const QString suggested = s.value("lastExportDir").toString() + QLatin1Char('/') +
                              QFileInfo(document_->slidePath()).completeBaseName() + QStringLiteral("-view.png");
    const QString path = QFileDialog::getSaveFileName(dialogParent_, tr("Export view"), suggested,
                                                      tr("PNG images (*.png);;SVG figures, scale bar and legend as vectors (*.svg)"));
    if (path.isEmpty()) return;
    s.setValue("lastExportDir", QFileInfo(path).absolutePath());
    QStringList sizes;
    for (int k = 1; k <= 4; ++k) sizes << tr("%1×: %2 × %3 px").arg(k).arg(view_->width() * k).arg(view_->height() * k);
    bool ok = false;
    const QString size = QInputDialog::getItem(dialogParent_, tr("Export view"), tr("Resolution"), sizes,
                                               s.value("exportScale", 0).toInt(), false, &ok);
    if (!ok) return;
    s.setValue("exportScale", sizes.indexOf(size));
    exportTo(path, sizes.indexOf(size) + 1);
}

bool ExportViewAction::exportTo(const QString& path, int scale) {
    if (path.endsWith(QStringLiteral(".svg"), Qt::CaseInsensitive)) return exportSvg(path, scale);
    // 1x: grab() composites the GL tiles with the overlay child (minimap,
    // scale bar, legend); larger: the view drawn again at that resolution.
    QImage image;
    if (scale <= 1) {
        image = view_->grab().toImage();
    } else {
        QProgressDialog wait(tr("Rendering the view at %1×…").arg(scale), QString(), 0, 0, dialogParent_);
        wait.setWindowModality(Qt::WindowModal);
        wait.setMinimumDuration(500);
        image = view_->renderFigure(scale);
    }
    QSaveFile file(path);
    if (image.isNull() || !file.open(QIODevice::WriteOnly) || !image.save(&file, "PNG") || !file.commit()) {
        Q_EMIT failed(path, tr("%1: could not write the image (%2)").arg(path, file.errorString()));
        return false;
    }
    Q_EMIT exported(tr("Exported %1 (%2 \u00D7 %3 px)").arg(path).arg(image.width()).arg(image.height()));
    return true;
}

bool ExportViewAction::exportSvg(const QString& path, int scale) {
    QByteArray svg;
    {
        QProgressDialog wait(tr("Rendering the view at %1×…").arg(scale), QString(), 0, 0, dialogParent_);
        wait.setWindowModality(Qt::WindowModal);
        wait.setMinimumDuration(500);
        svg = view_->renderFigureSvg(std::max(1, scale));
    }
    QSaveFile file(path);
    if (svg.isEmpty() || !file.open(QIODevice::WriteOnly) || file.write(svg) != svg.size() || !file.commit()) {
        Q_EMIT failed(path, tr("%1: could not write the figure (%2)")
                                .arg(path, svg.isEmpty() ? tr("no slide open, or the SVG could not be made") : file.errorString()));
        return false;
    }
    Q_EMIT exported(tr("Exported %1 (SVG: the view at %2 × %3 px, scale bar and legend as vector graphics)")
                        .arg(path)
                        .arg(view_->width() * std::max(1, scale))
                        .arg(view_->height() * std::max(1, scale)));
    return true;
}

}  // namespace hescape
