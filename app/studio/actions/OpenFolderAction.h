// File ▸ Open Folder: a folder that opens as one image, a Xenium output
// folder (its image, then its cells), a Visium or Visium HD output (its
// image, then its spots or bins: for Visium HD the user picks the bin size,
// 8 um offered first), a HEST-1k folder (the user picks the sample) or an
// OME-Zarr image; the chosen folder goes to `open`
// (the window's open path, which tells them apart).
#pragma once

#include "app/studio/actions/StudioAction.h"

#include <functional>

class QWidget;

namespace hescape {

class OpenFolderAction final : public StudioAction {
    Q_OBJECT

public:
    OpenFolderAction(QWidget* dialogParent, std::function<void(const QString&)> open);

protected:
    void trigger() override;

private:
    // A HEST-1k folder with several samples: the WSI of the one the user picks;
    // else what chooseBins says (empty: cancelled).
    QString chooseSample(const QString& dir) const;
    // A Visium HD output with several bin sizes: the one the user picks (empty: cancelled).
    QString chooseBins(const QString& dir) const;

    QWidget* dialogParent_;
    std::function<void(const QString&)> open_;
};

}  // namespace hescape
