// How a fluorescence slide's channels are shown: one row per channel with
// visibility, colour, contrast window (low and high, sliders over the
// channel's sample range plus spin boxes) and gamma, and an Auto button that
// goes back to the automatic windows. It edits a ChannelDisplayState shared
// with the slide; the view redraws on displayChanged().
#pragma once

#include "core/slide/ChannelDisplay.h"

#include <QColor>
#include <QWidget>

#include <memory>
#include <vector>

class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;
class QTimer;
class QToolButton;
class QVBoxLayout;

namespace hescape {

class ChannelDisplayPanel : public QWidget {
    Q_OBJECT
public:
    explicit ChannelDisplayPanel(QWidget* parent = nullptr);

    // One row per channel of `state`; nullptr clears the panel.
    void setState(std::shared_ptr<ChannelDisplayState> state);
    const std::shared_ptr<ChannelDisplayState>& state() const { return state_; }
    int channelCount() const { return static_cast<int>(rows_.size()); }
    // Shows the state's settings again (after someone else changed them); no signal.
    void syncFromState();
    // What the colour button does after its dialog (tests and sessions skip the dialog).
    void setChannelColour(int channel, const QColor& colour);

Q_SIGNALS:
    // The state's settings changed through this panel.
    void displayChanged();

private:
    struct Row {
        QCheckBox* visible = nullptr;
        QToolButton* colour = nullptr;
        QSlider* lowSlider = nullptr;
        QSpinBox* low = nullptr;
        QSlider* highSlider = nullptr;
        QSpinBox* high = nullptr;
        QDoubleSpinBox* gamma = nullptr;
    };

    QWidget* buildRow(int channel, const ChannelInfo& info);
    void connectRow(int channel);
    void showRow(int channel);
    // The window edited from either of its controls, kept low < high.
    void editWindow(int channel, bool lowEdited, int value);
    void chooseColour(int channel);
    // Slider drags change the window many times a second: changes are
    // gathered and applied at most every ~30 ms (a throttle, so a steady drag
    // still redraws).
    void scheduleApply();
    void apply();
    void resetToAuto();

    std::shared_ptr<ChannelDisplayState> state_;
    std::vector<ChannelDisplay> pending_;  // what the controls show
    std::vector<Row> rows_;
    QLabel* empty_;
    QWidget* rowsBox_ = nullptr;
    QVBoxLayout* rowsLayout_;
    QPushButton* auto_;
    QTimer* applyTimer_;
};

}  // namespace hescape
