// ChannelsDock: shows itself and comes to the front for a slide with
// channels, hides for one without.
#include "app/studio/ChannelsDock.h"

#include "widgets/slideview/ChannelDisplayPanel.h"

#include <QAction>

#include <stdexcept>

namespace hescape {

ChannelsDock::ChannelsDock(QWidget* parent) : QDockWidget(tr("Channels"), parent), panel_(new ChannelDisplayPanel(this)) {
    setObjectName(QStringLiteral("channelsDock"));
    setWidget(panel_);
    toggleViewAction()->setEnabled(false);
    connect(panel_, &ChannelDisplayPanel::displayChanged, this, &ChannelsDock::displayChanged);
}

void ChannelsDock::setChannelDisplay(std::shared_ptr<ChannelDisplayState> state) {
    const bool channels = state != nullptr;
    panel_->setState(std::move(state));
    toggleViewAction()->setEnabled(channels);
    setVisible(channels);
    if (channels) raise();
}

QString ChannelsDock::applySettings(const std::vector<ChannelDisplay>& settings) {
    const auto state = panel_->state();
    if (!state) return tr("the slide has no channels");
    try {
        state->setSettings(settings);
    } catch (const std::invalid_argument& e) {
        return QString::fromStdString(e.what());
    }
    panel_->syncFromState();
    Q_EMIT displayChanged();
    return {};
}

void ChannelsDock::setVisible(bool visible) { QDockWidget::setVisible(visible && panel_->state()); }

}  // namespace hescape
