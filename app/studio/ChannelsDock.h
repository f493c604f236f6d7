// The Channels dock: a fluorescence slide's channel display (ChannelDisplayPanel)
// beside the view. It is shown, and its View menu toggle enabled, only while
// such a slide is open; for brightfield (RGB) slides it is empty and hidden.
#pragma once

#include "core/slide/ChannelDisplay.h"

#include <QDockWidget>

#include <memory>

namespace hescape {

class ChannelDisplayPanel;

class ChannelsDock : public QDockWidget {
    Q_OBJECT
public:
    explicit ChannelsDock(QWidget* parent = nullptr);

    // The open slide's channels (Slide::channelDisplay()); null hides and clears the dock.
    void setChannelDisplay(std::shared_ptr<ChannelDisplayState> state);
    ChannelDisplayPanel* panel() const { return panel_; }
    // Applies saved settings (a session's) to the open slide's channels; the
    // reason when they do not fit it (another channel count, a window outside
    // its sample range), else empty.
    QString applySettings(const std::vector<ChannelDisplay>& settings);
    // Without channels the dock stays hidden, whoever shows it (restoreState too).
    void setVisible(bool visible) override;

Q_SIGNALS:
    // The channels are to be drawn differently: the view should refresh its tiles.
    void displayChanged();

private:
    ChannelDisplayPanel* panel_;
};

}  // namespace hescape
