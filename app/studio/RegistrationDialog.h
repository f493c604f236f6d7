// Registration by landmarks, as a user does it: pick a spot (its data-set
// position), then click where it belongs on the slide; three or more pairs
// give an affine map, applied to the overlay and saved beside the data set.
#pragma once

#include "core/spatial/LandmarkRegistration.h"

#include <QDialog>

class QLabel;
class QTableWidget;

namespace hescape {

class MainWindow;

class RegistrationDialog : public QDialog {
    Q_OBJECT
public:
    explicit RegistrationDialog(MainWindow* window);

    const std::vector<LandmarkPair>& pairs() const { return pairs_; }
    void addPair(const LandmarkPair& pair);
    void clearPairs();

private:
    void startPicking();
    void onSpotClicked(qint64 index);
    void onSlideClicked(QPointF level0);
    void refreshTable();
    void apply();

    MainWindow* window_;
    QTableWidget* table_;
    QLabel* status_;
    std::vector<LandmarkPair> pairs_;
    enum class Pick { None, Spot, Slide } pick_ = Pick::None;
    Point2 pendingDataset_;
    bool ignoreNextSlideClick_ = false;
};

}  // namespace hescape
