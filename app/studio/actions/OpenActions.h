// File ▸ Open Slide, Open Spatial Data and Open Run Results: a file dialog
// each (starting where the last file of its kind was), the chosen path to
// the DocumentLoader. Always enabled: each opens on its own.
#pragma once

#include "app/studio/actions/StudioAction.h"

class QWidget;

namespace hescape {

class DocumentLoader;

class OpenSlideAction final : public StudioAction {
    Q_OBJECT

public:
    OpenSlideAction(QWidget* dialogParent, DocumentLoader* loader);
    static QString fileFilter();

protected:
    void trigger() override;

private:
    QWidget* dialogParent_;
    DocumentLoader* loader_;
};

class OpenDatasetAction final : public StudioAction {
    Q_OBJECT

public:
    OpenDatasetAction(QWidget* dialogParent, DocumentLoader* loader);

protected:
    void trigger() override;

private:
    QWidget* dialogParent_;
    DocumentLoader* loader_;
};

class OpenRunAction final : public StudioAction {
    Q_OBJECT

public:
    OpenRunAction(QWidget* dialogParent, DocumentLoader* loader);

protected:
    void trigger() override;

private:
    QWidget* dialogParent_;
    DocumentLoader* loader_;
};

}  // namespace hescape
