// loadSlide: runs openSlide and reads the associated images (on a worker of
// the TaskService); all failures come back as a message, never a throw.
#include "app/studio/SlideLoadTask.h"

#include "core/slide/OmeZarrSlide.h"
#include "core/slide/PlainImageSlide.h"
#include "core/spatial/DatasetOpener.h"
#include "core/spatial/HestSample.h"
#include "core/spatial/SpatialDataStore.h"
#include "core/spatial/VisiumFolder.h"
#include "core/spatial/XeniumBundle.h"
#include "widgets/common/RgbaQImage.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace hescape {

SlideLoadResult loadSlide(const QString& path, AssociatedImageDecoding associated) {
    SlideLoadResult r;
    r.path = path;
    try {
        auto slide = openSlide(path.toStdString());
        applyCompanionPixelSize(*slide);  // experiment.xenium's or Visium's scale factors, when the image records none
        r.slide = std::move(slide);
        if (associated == AssociatedImageDecoding::Decode) {
            for (const auto& name : r.slide->associatedImageNames()) {
                const RgbaImage img = r.slide->readAssociatedImage(name);
                const QImage q = toQImage(img).scaled(256, 256, Qt::KeepAspectRatio, Qt::SmoothTransformation);
                r.associatedImages.append({QString::fromStdString(name), q});
            }
        }
    } catch (const ImageTooLargeError& e) {
        r.needsConversion = true;
        r.error = QString::fromStdString(e.what());
    } catch (const std::exception& e) {
        r.slide.reset();
        r.error = QString::fromStdString(e.what());
    }
    return r;
}

QString slidePathToOpen(const QString& path, QString* error) {
    const QFileInfo info(path);
    // The metadata file of an OME-Zarr image (what a file dialog can pick) stands for its folder.
    if (info.isFile() && (info.fileName() == "zarr.json" || info.fileName() == ".zattrs" || info.fileName() == ".zgroup") &&
        OmeZarrSlide::canOpen(info.absolutePath().toStdString()))
        return info.absolutePath();
    if (!info.isDir() || OmeZarrSlide::canOpen(path.toStdString())) return path;
    // A SpatialData store opens its default image (the spots follow as its companion).
    if (isSpatialDataStore(path.toStdString())) {
        try {
            if (const std::string image = defaultImagePath(listSpatialDataStore(path.toStdString())); !image.empty())
                return QString::fromStdString(image);
            *error = QObject::tr("%1: this SpatialData store has no image to show; open it with File \u25B8 Open Spatial Data").arg(path);
        } catch (const std::exception& e) {
            *error = QString::fromStdString(e.what());
        }
        return {};
    }
    // A HEST folder opens its first sample (File > Open Folder asks which).
    if (const auto ids = hestSampleIds(path.toStdString()); !ids.empty())
        return QString::fromStdString(hestSampleFiles(path.toStdString(), ids.front()).slide);
    // A Visium HD output opens its 8 um bins (File > Open Folder asks which); a Visium folder its hires image.
    QString folder = path;
    if (const std::string bins = defaultVisiumHdBinFolder(path.toStdString()); !bins.empty()) folder = QString::fromStdString(bins);
    for (const QString& data : {folder, folder + QStringLiteral("/outs")}) {
        if (!isVisiumFolder(data.toStdString())) continue;
        if (const std::string image = visiumImageOf(data.toStdString()); !image.empty()) return QString::fromStdString(image);
        *error = QObject::tr("%1: this Visium folder has no tissue_hires_image.png or tissue_lowres_image.png in spatial/ to show").arg(data);
        return {};
    }
    const auto bundle = findXeniumBundle(path.toStdString());
    if (bundle && !bundle->preferredImage().empty()) return QString::fromStdString(bundle->preferredImage());
    *error = bundle ? QObject::tr("%1: this Xenium folder has no morphology or H&E image to show").arg(path)
                    : QObject::tr("%1: is a folder, and neither a Xenium output folder nor an OME-Zarr image, nor a Visium or Visium HD output").arg(path);
    return {};
}

QString convertedPyramidPath(const QString& imagePath) {
    const QFileInfo info(imagePath);
    const QByteArray key = (info.absoluteFilePath() + QString::number(info.size()) +
                            QString::number(info.lastModified().toMSecsSinceEpoch()))
                               .toUtf8();
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + QStringLiteral("/pyramids");
    QDir().mkpath(dir);
    return dir + QLatin1Char('/') + info.completeBaseName() + QLatin1Char('-') +
           QString::fromLatin1(QCryptographicHash::hash(key, QCryptographicHash::Sha1).toHex().left(12)) +
           QStringLiteral(".tiff");
}

}  // namespace hescape
