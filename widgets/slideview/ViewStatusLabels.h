// The two status-bar labels of a slide view: where the cursor is (level-0
// pixels, and micrometres when the slide's pixel size is known; "outside the
// slide" past its edge) and the zoom (percent, pyramid level, and the
// equivalent objective power when the slide records one).
#pragma once

#include <QObject>
#include <QPointF>

class QLabel;

namespace hescape {

class SlideView;

class ViewStatusLabels : public QObject {
    Q_OBJECT

public:
    explicit ViewStatusLabels(SlideView* view, QObject* parent = nullptr);
    QLabel* position() const { return position_; }
    QLabel* zoom() const { return zoom_; }
    void updateZoom();

private:
    void showCursor(QPointF level0, bool inside);

    SlideView* view_;
    QLabel* position_;
    QLabel* zoom_;
};

}  // namespace hescape
