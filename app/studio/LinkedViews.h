// Links the views of one run through the document's selection: the slide
// (observations), the embedding view and the second section (run rows). A
// selection made in one is shown in the others; the view it came from is not
// told again (the document's SelectionOrigin replaces a re-entrancy flag).
// Also gives both run views the document's run, passes the embedding's hover
// to the document and the document's hover (from any view) to the embedding,
// describes the hovered spot, and centres the slide on a double-clicked one.
#pragma once

#include "app/studio/model/DocumentTypes.h"

#include <QObject>
#include <QString>

namespace hescape {

class EmbeddingExplorer;
class SecondSectionView;
class SlideView;
class StudioDocument;

class LinkedViews : public QObject {
    Q_OBJECT

public:
    LinkedViews(StudioDocument* document, SlideView* view, EmbeddingExplorer* explorer, SecondSectionView* second,
                QObject* parent = nullptr);

    // Centres the slide on a run row's spot and selects it; false (with a
    // status message) when the spot is not on the open slide.
    bool centreOnRow(qint64 row);

Q_SIGNALS:
    void statusMessage(const QString& text, int timeoutMs);

private:
    void showSelection(SelectionOrigin origin);
    void describeRow(qint64 row);

    StudioDocument* document_;
    SlideView* view_;
    EmbeddingExplorer* explorer_;
    SecondSectionView* second_;
};

}  // namespace hescape
