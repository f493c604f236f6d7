// loadDatasetAsync: openSpatialDataset + the sorted-rows check + rowSums + the
// start gene, on the pool.
#include "app/studio/DatasetLoadTask.h"

#include "core/spatial/DatasetOpener.h"

#include <algorithm>

#include <QDir>
#include <QFileInfo>
#include <QtConcurrent/QtConcurrentRun>

namespace hescape {

QFuture<DatasetLoadResult> loadDatasetAsync(const QString& path) {
    return QtConcurrent::run([path]() -> DatasetLoadResult {
        DatasetLoadResult r;
        r.path = path;
        try {
            auto ds = std::make_shared<SpatialDataset>(openSpatialDataset(path.toStdString()));
            ds->expression.checkSortedRows();  // column() is quick before the index exists (MainWindow builds it next)
            r.librarySizes = ds->expression.rowSums();
            r.startGene = ds->geneIndex("ERBB2").value_or(-1);
            if (r.startGene < 0 && ds->geneCount() > 0) {
                const std::vector<double> sums = ds->expression.columnSums();
                r.startGene = std::max_element(sums.begin(), sums.end()) - sums.begin();
            }
            r.dataset = std::move(ds);
        } catch (const std::exception& e) {
            r.error = QString::fromStdString(e.what());
        }
        return r;
    });
}

QString companionDataset(const QString& slidePath) {
    const QFileInfo info(slidePath);
    const QString candidate = info.dir().filePath(info.completeBaseName() + QStringLiteral(".h5ad"));
    return QFileInfo::exists(candidate) ? candidate : QString();
}

QList<SlideWithData> slidesWithDataIn(const QString& folder) {
    QList<SlideWithData> out;
    const QDir dir(folder);
    for (const QString& f : dir.entryList({QStringLiteral("*.tiff"), QStringLiteral("*.tif"), QStringLiteral("*.svs")}, QDir::Files, QDir::Name)) {
        const QString slide = dir.filePath(f);
        const QString dataset = companionDataset(slide);
        if (!dataset.isEmpty()) out.append({QFileInfo(f).completeBaseName(), slide, dataset});
    }
    return out;
}

}  // namespace hescape
