// Registration by landmarks, as a user does it: pick a spot (its data-set
// position), then click where it belongs on the slide; three or more pairs
// give an affine map, applied to the overlay and saved beside the data set.
// Registration ▸ Register Data Set by Landmarks (RegisterLandmarksAction)
// opens it while a data set is open; the status bar says how well it fits.
#pragma once

#include "core/spatial/LandmarkRegistration.h"

#include <QDialog>

class QLabel;
class QTableWidget;

namespace hescape {

class SlideView;
class StudioDocument;

class RegistrationDialog : public QDialog {
    Q_OBJECT
public:
    RegistrationDialog(StudioDocument* document, SlideView* view, QWidget* parent);

    const std::vector<LandmarkPair>& pairs() const { return pairs_; }
    void addPair(const LandmarkPair& pair);
    void clearPairs();

Q_SIGNALS:
    void applied(const QString& summary);

private:
    void startPicking();
    void onSpotClicked(qint64 index);
    void onSlideClicked(QPointF level0);
    void refreshTable();
    void apply();

    StudioDocument* document_;
    SlideView* view_;
    QTableWidget* table_;
    QLabel* status_;
    std::vector<LandmarkPair> pairs_;
    enum class Pick { None, Spot, Slide } pick_ = Pick::None;
    Point2 pendingDataset_;
    bool ignoreNextSlideClick_ = false;
};

}  // namespace hescape
