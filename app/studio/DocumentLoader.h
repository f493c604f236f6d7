// Fills the document from files, in the background (TaskService): a slide
// (a file, an OME-Zarr folder, or a Xenium folder's image; a plain image too
// large to open directly is converted once into a cached pyramid, with a
// progress dialog that can cancel), its data set (the slide's companion, or
// one the user picks) with its saved registration, and a run's results with
// their metrics. What is open stays open when a file fails. Each open takes
// an optional continuation: a session restore chains slide -> data set ->
// run through them; without one, a slide brings its companion data set and a
// run turns the alignment map on.
#pragma once

#include "app/studio/SlideLoadTask.h"

#include <QObject>
#include <QString>

#include <functional>

namespace hescape {

class StudioDocument;
class TaskService;

class DocumentLoader : public QObject {
    Q_OBJECT

public:
    // ok, and the error message when not.
    using Then = std::function<void(bool ok, const QString& error)>;

    DocumentLoader(StudioDocument* document, TaskService* tasks, QObject* parent = nullptr);

    void openSlide(const QString& path, Then then = {});  // relative paths are made absolute first
    void openDataset(const QString& path, Then then = {});
    void openRun(const QString& path, Then then = {});
    bool isBusy() const;  // a slide or data set is being opened or converted

Q_SIGNALS:
    // After the document has it.
    void slideOpened(const QString& path, const hescape::SlidePropertiesPanel::AssociatedImages& associated);
    void datasetOpened(const QString& path, qint64 startGene);
    void runOpened(const QString& path);
    // A slide or data set that could not be opened (the window says so in a box).
    void openFailed(const QString& path, const QString& message);
    // A run that could not be opened: said in the maps dock and the status bar.
    void runFailed(const QString& path, const QString& message);
    void statusMessage(const QString& text, int timeoutMs);

private:
    void finishSlide(SlideLoadResult r, const Then& then);
    void convertAndOpen(const QString& imagePath, const Then& then);
    void finishDataset(struct DatasetLoadResult r, const Then& then);

    StudioDocument* document_;
    TaskService* tasks_;
};

}  // namespace hescape
