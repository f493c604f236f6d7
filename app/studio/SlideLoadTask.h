// Opening a slide off the GUI thread: the slide itself, its associated images
// decoded to thumbnails, and whether it must be converted to a pyramid first.
#pragma once

#include "core/slide/Slide.h"
#include "widgets/slideview/SlidePropertiesPanel.h"

#include <QString>

#include <memory>

namespace hescape {

struct SlideLoadResult {
    QString path;
    std::shared_ptr<Slide> slide;
    SlidePropertiesPanel::AssociatedImages associatedImages;
    QString error;                 // empty on success
    bool needsConversion = false;  // a plain image too large to open directly
};

enum class AssociatedImageDecoding { Decode, Skip };

// Blocking: call it off the GUI thread (DocumentLoader runs it as a task).
// Views that never show the label and macro images (the second section, All
// Sections) Skip decoding them.
SlideLoadResult loadSlide(const QString& path, AssociatedImageDecoding associated = AssociatedImageDecoding::Decode);

// What opening `path` shows: the path itself for a file or an OME-Zarr image
// folder (its zarr.json / .zattrs / .zgroup stands for the folder); for a
// Xenium output folder its preferred image (XeniumBundle); for a Visium folder
// its hires image, for a Visium HD output the 8 um bins' (VisiumFolder). Empty, with the
// reason in *error, for a folder that has nothing to show.
QString slidePathToOpen(const QString& path, QString* error);

// Where the pyramid converted from `imagePath` is cached (the name changes
// when the source file's size or modification time does).
QString convertedPyramidPath(const QString& imagePath);

}  // namespace hescape
