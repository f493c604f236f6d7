// loadDataset: openSpatialDataset + the sorted-rows check + rowSums + the
// start gene, on a worker.
#include "app/studio/DatasetLoadTask.h"

#include "core/spatial/DatasetOpener.h"
#include "core/spatial/HestSample.h"
#include "core/spatial/SpatialDataStore.h"
#include "core/spatial/VisiumFolder.h"
#include "core/spatial/XeniumBundle.h"

#include <algorithm>

#include <QDir>
#include <QFileInfo>

namespace hescape {

DatasetLoadResult loadDataset(const QString& path) {
    DatasetLoadResult r;
    r.path = path;
    try {
        auto ds = std::make_shared<SpatialDataset>(openSpatialDataset(path.toStdString()));
        ds->expression.checkSortedRows();  // column() is quick before the index exists (DocumentLoader builds it next)
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
}

QString companionDataset(const QString& slidePath) {
    // An image of a Xenium output folder comes with that folder's cells.
    if (const auto bundle = xeniumBundleOfImage(slidePath.toStdString())) return QString::fromStdString(bundle->folder);
    // An image element of a SpatialData store comes with the store's table.
    if (const QString store = QFileInfo(QFileInfo(slidePath).absolutePath()).absolutePath();
        QFileInfo(slidePath).dir().dirName() == QStringLiteral("images") && isSpatialDataStore(store.toStdString()))
        return store;
    // A HEST WSI comes with its sample's st/<id>.h5ad.
    if (const auto sample = hestSampleOfFile(slidePath.toStdString())) return QString::fromStdString(sample->dataset);
    // A Visium image (hires, lowres, CytAssist) comes with the data folder whose spatial/ holds it.
    if (const std::string folder = visiumFolderOfImage(slidePath.toStdString()); !folder.empty()) return QString::fromStdString(folder);
    const QFileInfo info(slidePath);
    const QString candidate = info.dir().filePath(info.completeBaseName() + QStringLiteral(".h5ad"));
    return QFileInfo::exists(candidate) ? candidate : QString();
}

QList<SlideWithData> slidesWithDataIn(const QString& folder) {
    QList<SlideWithData> out;
    // A Xenium folder (or its morphology_focus/ channel folder) holds one
    // section shown on several images: those images are what to switch between.
    auto bundle = findXeniumBundle(folder.toStdString());
    if (!bundle && QFileInfo(folder).fileName() == QStringLiteral("morphology_focus"))
        bundle = findXeniumBundle(QFileInfo(folder).absolutePath().toStdString());
    if (bundle) {
        for (const auto& image : bundle->images()) {
            const QString name = QString::fromStdString(image) == QString::fromStdString(bundle->heImage) ? QStringLiteral("H&E")
                                                                                                        : QStringLiteral("Morphology");
            out.append({name, QString::fromStdString(image), QString::fromStdString(bundle->folder)});
        }
        return out;
    }
    // A SpatialData store's images/: each image element shows the same table.
    if (const QString store = QFileInfo(folder).absolutePath(); QFileInfo(folder).fileName() == QStringLiteral("images") &&
                                                                 isSpatialDataStore(store.toStdString())) {
        try {
            for (const auto& e : listSpatialDataStore(store.toStdString()).elements)
                if (e.kind == "images" && e.error.empty()) out.append({QString::fromStdString(e.name), QString::fromStdString(e.path), store});
        } catch (const std::exception&) {
            // a store whose listing fails offers no sections; opening it says why
        }
        return out;
    }
    // A HEST folder's wsis/: its samples are the sections.
    if (const QString hest = QFileInfo(folder).absolutePath(); QFileInfo(folder).fileName() == QStringLiteral("wsis") && isHestFolder(hest.toStdString())) {
        for (const auto& id : hestSampleIds(hest.toStdString())) {
            const HestSample s = hestSampleFiles(hest.toStdString(), id);
            out.append({QString::fromStdString(id), QString::fromStdString(s.slide), QString::fromStdString(s.dataset)});
        }
        return out;
    }
    const QDir dir(folder);
    for (const QString& f : dir.entryList({QStringLiteral("*.tiff"), QStringLiteral("*.tif"), QStringLiteral("*.svs")}, QDir::Files, QDir::Name)) {
        const QString slide = dir.filePath(f);
        // A Visium folder's CytAssist image shows the same data set on another
        // image (Slide > Data Set Images switches), not another section.
        if (!visiumFolderOfImage(slide.toStdString()).empty()) continue;
        const QString dataset = companionDataset(slide);
        if (!dataset.isEmpty()) out.append({QFileInfo(f).completeBaseName(), slide, dataset});
    }
    return out;
}

}  // namespace hescape
