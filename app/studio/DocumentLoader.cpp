// DocumentLoader: each open is one task under its own key ("slide",
// "dataset", "run"), so opening another file while one loads replaces it.
#include "app/studio/DocumentLoader.h"

#include "app/studio/DatasetLoadTask.h"
#include "app/studio/model/StudioDocument.h"
#include "app/studio/tasks/TaskService.h"
#include "core/eval/RunMetrics.h"
#include "core/slide/PyramidTiffConverter.h"
#include "core/spatial/RegistrationFile.h"

#include <QFileInfo>

namespace hescape {

namespace {
const QString kSlide = QStringLiteral("slide");
const QString kConvert = QStringLiteral("convert");
const QString kDataset = QStringLiteral("dataset");
const QString kRun = QStringLiteral("run");

struct LoadedRun {
    std::shared_ptr<const RunEmbeddings> run;
    std::vector<NamedMetric> metrics;
};

void call(const DocumentLoader::Then& then, bool ok, const QString& error = {}) {
    if (then) then(ok, error);
}
}  // namespace

DocumentLoader::DocumentLoader(StudioDocument* document, TaskService* tasks, QObject* parent)
    : QObject(parent), document_(document), tasks_(tasks) {}

bool DocumentLoader::isBusy() const { return tasks_->isRunning(kSlide) || tasks_->isRunning(kConvert) || tasks_->isRunning(kDataset); }

void DocumentLoader::openSlide(const QString& given, Then then) {
    // Absolute from here on: the section switcher, recent files and sessions
    // compare and store paths, and a relative one (scripts/demo.sh passes one)
    // matched none of the folder's absolute paths.
    const QString asked = given.isEmpty() ? given : QFileInfo(given).absoluteFilePath();
    // A Xenium output folder opens as one thing: its image, then its cells (companionDataset).
    QString error;
    const QString path = slidePathToOpen(asked, &error);
    if (path.isEmpty() && !error.isEmpty()) {
        Q_EMIT openFailed(asked, error);
        return call(then, false, error);
    }
    Q_EMIT statusMessage(tr("Opening %1\u2026").arg(path), 0);
    tasks_->run<SlideLoadResult>(
        kSlide, tr("Opening %1").arg(QFileInfo(path).fileName()), [path](const Progress&) { return loadSlide(path); },
        [this, then](TaskOutcome<SlideLoadResult> outcome) {
            if (outcome.ok()) finishSlide(std::move(*outcome.value), then);
        });
}

void DocumentLoader::finishSlide(SlideLoadResult r, const Then& then) {
    if (r.needsConversion) {
        const QString cached = convertedPyramidPath(r.path);
        if (QFileInfo::exists(cached)) return openSlide(cached, then);
        return convertAndOpen(r.path, then);
    }
    if (!r.slide) {
        Q_EMIT openFailed(r.path, r.error);
        return call(then, false, r.error);
    }
    document_->setSlide(r.path, r.slide);
    Q_EMIT slideOpened(r.path, r.associatedImages);
    if (then) return then(true, {});
    // A data set of the same name beside the slide belongs to it (the demo's layout).
    if (const QString companion = companionDataset(r.path); !companion.isEmpty()) openDataset(companion);
}

void DocumentLoader::convertAndOpen(const QString& imagePath, const Then& then) {
    const QString target = convertedPyramidPath(imagePath);
    tasks_->run<bool>(
        kConvert,
        tr("Converting %1 into a tiled pyramid (once; it is cached for next time)\u2026").arg(QFileInfo(imagePath).fileName()),
        [imagePath, target](const Progress& progress) {
            PyramidConversion conv;
            conv.tiff.description = "HEScape Studio pyramid of " + imagePath.toStdString();
            convertToPyramidTiff(imagePath.toStdString(), target.toStdString(), conv, progress);
            return true;
        },
        [this, imagePath, target, then](TaskOutcome<bool> outcome) {
            if (outcome.ok()) return openSlide(target, then);
            if (outcome.cancelled) {
                Q_EMIT statusMessage(tr("Conversion cancelled"), 5000);
                return call(then, false, tr("conversion of %1 cancelled").arg(imagePath));
            }
            Q_EMIT openFailed(imagePath, outcome.error);
            call(then, false, outcome.error);
        },
        TaskService::Display::Dialog);
}

void DocumentLoader::openDataset(const QString& path, Then then) {
    Q_EMIT statusMessage(tr("Reading %1\u2026").arg(QFileInfo(path).fileName()), 0);
    tasks_->run<DatasetLoadResult>(
        kDataset, tr("Reading %1").arg(QFileInfo(path).fileName()), [path](const Progress&) { return loadDataset(path); },
        [this, then](TaskOutcome<DatasetLoadResult> outcome) {
            if (outcome.ok()) finishDataset(std::move(*outcome.value), then);
        });
}

void DocumentLoader::finishDataset(DatasetLoadResult r, const Then& then) {
    if (!r.dataset) {
        Q_EMIT openFailed(r.path, r.error);
        return call(then, false, r.error);
    }
    if (r.dataset->expression.layout() == MatrixLayout::Csr && !r.dataset->expression.hasColumnIndex()) {
        // The column index makes gene switches instant; the spots are shown without waiting for it.
        tasks_->run<bool>(
            QStringLiteral("column-index:") + r.path, tr("Indexing genes"),
            [keep = r.dataset](const Progress&) {
                keep->expression.buildColumnIndex();
                return true;
            },
            {}, TaskService::Display::Hidden);
    }
    std::optional<Registration> registration;
    try {
        auto saved = loadRegistration(registrationPathFor(r.path.toStdString()));
        // A registration belongs to the slide it was made on.
        if (saved && saved->slide == QFileInfo(document_->slidePath()).fileName().toStdString()) registration = std::move(saved);
    } catch (const std::exception& e) {
        Q_EMIT statusMessage(tr("Ignoring the saved registration: %1").arg(QString::fromStdString(e.what())), 8000);
    }
    document_->setDataset(r.path, r.dataset, std::move(r.librarySizes), std::move(registration));
    Q_EMIT datasetOpened(r.path, r.startGene);
    call(then, true);
}

void DocumentLoader::openRun(const QString& path, Then then) {
    const std::string file = path.toStdString();
    tasks_->run<LoadedRun>(
        kRun, tr("Reading run %1").arg(QFileInfo(path).fileName()),
        [file](const Progress&) {
            auto run = std::make_shared<const RunEmbeddings>(readRunEmbeddings(file));
            return LoadedRun{std::move(run), runMetrics(file)};
        },
        [this, path, then](TaskOutcome<LoadedRun> outcome) {
            if (!outcome.ok()) {
                const QString error = outcome.cancelled ? tr("%1: reading cancelled").arg(path) : outcome.error;
                Q_EMIT runFailed(path, error);  // the run already open stays
                return call(then, false, error);
            }
            document_->setRun(outcome.value->run, path, std::move(outcome.value->metrics));
            if (!then) document_->showAlignmentUnlessMapped();
            Q_EMIT runOpened(path);
            call(then, true);
        });
}

}  // namespace hescape
