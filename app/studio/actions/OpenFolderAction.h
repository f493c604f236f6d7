// File ▸ Open Folder: a folder that opens as one image, a Xenium output
// folder (its image, then its cells) or an OME-Zarr image; the chosen folder
// goes to `open` (the window's open path, which tells them apart).
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
    QWidget* dialogParent_;
    std::function<void(const QString&)> open_;
};

}  // namespace hescape
