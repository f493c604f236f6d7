// ChannelDisplayPanel: the controls edit a copy of the settings (pending_),
// which is handed to the shared state as a whole; QSignalBlocker keeps the
// controls from echoing values the panel itself puts back into them.
#include "widgets/slideview/ChannelDisplayPanel.h"

#include <QCheckBox>
#include <QColorDialog>
#include <QDoubleSpinBox>
#include <QFrame>
#include <QGridLayout>
#include <QLabel>
#include <QPixmap>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace hescape {

namespace {

constexpr int kApplyIntervalMs = 30;

QIcon swatch(const Rgb8& c) {
    QPixmap pixmap(18, 18);
    pixmap.fill(QColor(c[0], c[1], c[2]));
    return QIcon(pixmap);
}

QString rowObjectName(const char* what, int channel) { return QStringLiteral("%1%2").arg(QLatin1String(what)).arg(channel); }

QSlider* windowSlider(int top, QWidget* parent) {
    auto* s = new QSlider(Qt::Horizontal, parent);
    s->setRange(0, top);
    s->setPageStep(std::max(1, top / 16));
    return s;
}

QSpinBox* windowSpin(int top, QWidget* parent) {
    auto* s = new QSpinBox(parent);
    s->setRange(0, top);
    // Typing "1234" must not apply (and clamp against) 1, 12 and 123 first.
    s->setKeyboardTracking(false);
    return s;
}

}  // namespace

ChannelDisplayPanel::ChannelDisplayPanel(QWidget* parent) : QWidget(parent), applyTimer_(new QTimer(this)) {
    auto* layout = new QVBoxLayout(this);
    empty_ = new QLabel(tr("Open a fluorescence slide to adjust its channels."), this);
    empty_->setWordWrap(true);
    layout->addWidget(empty_);
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* list = new QWidget(scroll);
    rowsLayout_ = new QVBoxLayout(list);
    rowsLayout_->setContentsMargins(0, 0, 0, 0);
    rowsLayout_->addStretch(1);
    scroll->setWidget(list);
    layout->addWidget(scroll, 1);
    auto_ = new QPushButton(tr("Auto"), this);
    auto_->setObjectName(QStringLiteral("channelsAuto"));
    auto_->setToolTip(tr("Every channel back to its default colour and automatic window (0.1st to 99.9th percentile)"));
    auto_->setEnabled(false);
    layout->addWidget(auto_);
    connect(auto_, &QPushButton::clicked, this, &ChannelDisplayPanel::resetToAuto);
    applyTimer_->setSingleShot(true);
    applyTimer_->setInterval(kApplyIntervalMs);
    connect(applyTimer_, &QTimer::timeout, this, &ChannelDisplayPanel::apply);
}

void ChannelDisplayPanel::setState(std::shared_ptr<ChannelDisplayState> state) {
    applyTimer_->stop();
    delete rowsBox_;
    rowsBox_ = nullptr;
    rows_.clear();
    pending_.clear();
    state_ = std::move(state);
    empty_->setVisible(!state_);
    auto_->setEnabled(state_ != nullptr);
    if (!state_) return;
    rowsBox_ = new QWidget(this);
    auto* box = new QVBoxLayout(rowsBox_);
    box->setContentsMargins(0, 0, 0, 0);
    const auto& channels = state_->channels();
    rows_.resize(channels.size());
    for (std::size_t c = 0; c < channels.size(); ++c) box->addWidget(buildRow(static_cast<int>(c), channels[c]));
    rowsLayout_->insertWidget(0, rowsBox_);
    for (int c = 0; c < channelCount(); ++c) connectRow(c);
    syncFromState();
}

QWidget* ChannelDisplayPanel::buildRow(int channel, const ChannelInfo& info) {
    auto* frame = new QFrame(rowsBox_);
    frame->setFrameShape(QFrame::StyledPanel);
    auto* grid = new QGridLayout(frame);
    Row& r = rows_[static_cast<std::size_t>(channel)];
    const QString name = info.name.empty() ? tr("Channel %1").arg(channel + 1) : QString::fromStdString(info.name);
    const int top = static_cast<int>(info.maxValue());
    r.visible = new QCheckBox(name, frame);
    r.visible->setObjectName(rowObjectName("channelVisible", channel));
    r.colour = new QToolButton(frame);
    r.colour->setObjectName(rowObjectName("channelColour", channel));
    r.colour->setToolTip(tr("Colour of %1").arg(name));
    r.lowSlider = windowSlider(top, frame);
    r.lowSlider->setObjectName(rowObjectName("channelLowSlider", channel));
    r.low = windowSpin(top, frame);
    r.low->setObjectName(rowObjectName("channelLow", channel));
    r.highSlider = windowSlider(top, frame);
    r.highSlider->setObjectName(rowObjectName("channelHighSlider", channel));
    r.high = windowSpin(top, frame);
    r.high->setObjectName(rowObjectName("channelHigh", channel));
    r.gamma = new QDoubleSpinBox(frame);
    r.gamma->setObjectName(rowObjectName("channelGamma", channel));
    r.gamma->setRange(0.1, 5.0);
    r.gamma->setSingleStep(0.1);
    r.gamma->setDecimals(2);
    r.gamma->setToolTip(tr("Below 1 brightens faint signal, above 1 darkens it"));
    grid->addWidget(r.visible, 0, 0, 1, 2);
    grid->addWidget(r.colour, 0, 2, Qt::AlignRight);
    grid->addWidget(new QLabel(tr("Low"), frame), 1, 0);
    grid->addWidget(r.lowSlider, 1, 1);
    grid->addWidget(r.low, 1, 2);
    grid->addWidget(new QLabel(tr("High"), frame), 2, 0);
    grid->addWidget(r.highSlider, 2, 1);
    grid->addWidget(r.high, 2, 2);
    grid->addWidget(new QLabel(tr("Gamma"), frame), 3, 0);
    grid->addWidget(r.gamma, 3, 2);
    grid->setColumnStretch(1, 1);
    return frame;
}

void ChannelDisplayPanel::connectRow(int channel) {
    const Row& r = rows_[static_cast<std::size_t>(channel)];
    connect(r.visible, &QCheckBox::toggled, this, [this, channel](bool on) {
        pending_[static_cast<std::size_t>(channel)].visible = on;
        apply();
    });
    connect(r.colour, &QToolButton::clicked, this, [this, channel] { chooseColour(channel); });
    connect(r.lowSlider, &QSlider::valueChanged, this, [this, channel](int v) { editWindow(channel, true, v); });
    connect(r.low, &QSpinBox::valueChanged, this, [this, channel](int v) { editWindow(channel, true, v); });
    connect(r.highSlider, &QSlider::valueChanged, this, [this, channel](int v) { editWindow(channel, false, v); });
    connect(r.high, &QSpinBox::valueChanged, this, [this, channel](int v) { editWindow(channel, false, v); });
    connect(r.gamma, &QDoubleSpinBox::valueChanged, this, [this, channel](double g) {
        pending_[static_cast<std::size_t>(channel)].gamma = g;
        scheduleApply();
    });
}

void ChannelDisplayPanel::syncFromState() {
    if (!state_) return;
    pending_ = state_->settings();
    for (int c = 0; c < channelCount(); ++c) showRow(c);
}

void ChannelDisplayPanel::showRow(int channel) {
    const Row& r = rows_[static_cast<std::size_t>(channel)];
    const ChannelDisplay& d = pending_[static_cast<std::size_t>(channel)];
    const QSignalBlocker b0(r.visible), b1(r.lowSlider), b2(r.low), b3(r.highSlider), b4(r.high), b5(r.gamma);
    r.visible->setChecked(d.visible);
    r.colour->setIcon(swatch(d.colour));
    const int low = static_cast<int>(std::lround(d.low)), high = static_cast<int>(std::lround(d.high));
    r.lowSlider->setValue(low);
    r.low->setValue(low);
    r.highSlider->setValue(high);
    r.high->setValue(high);
    r.gamma->setValue(d.gamma);
}

void ChannelDisplayPanel::editWindow(int channel, bool lowEdited, int value) {
    ChannelDisplay& d = pending_[static_cast<std::size_t>(channel)];
    const double top = state_->channels()[static_cast<std::size_t>(channel)].maxValue();
    // The edited end gives way: the window never closes or turns over.
    if (lowEdited) d.low = std::max(0.0, std::min<double>(value, d.high - 1));
    else d.high = std::min(top, std::max<double>(value, d.low + 1));
    showRow(channel);
    scheduleApply();
}

void ChannelDisplayPanel::chooseColour(int channel) {
    const Rgb8& c = pending_[static_cast<std::size_t>(channel)].colour;
    const QColor chosen = QColorDialog::getColor(QColor(c[0], c[1], c[2]), this,
                                                 rows_[static_cast<std::size_t>(channel)].colour->toolTip());
    if (chosen.isValid()) setChannelColour(channel, chosen);
}

void ChannelDisplayPanel::setChannelColour(int channel, const QColor& colour) {
    if (channel < 0 || channel >= channelCount() || !colour.isValid()) return;
    pending_[static_cast<std::size_t>(channel)].colour = {static_cast<std::uint8_t>(colour.red()),
                                                          static_cast<std::uint8_t>(colour.green()),
                                                          static_cast<std::uint8_t>(colour.blue())};
    showRow(channel);
    apply();
}

void ChannelDisplayPanel::scheduleApply() {
    // Not restarted while running: a steady drag applies every interval, not only when it stops.
    if (!applyTimer_->isActive()) applyTimer_->start();
}

void ChannelDisplayPanel::apply() {
    applyTimer_->stop();
    if (!state_) return;
    const auto before = state_->generation();
    try {
        state_->setSettings(pending_);
    } catch (const std::invalid_argument&) {
        // The controls keep windows valid; should another writer have raced us, show what holds.
        syncFromState();
        return;
    }
    if (state_->generation() != before) Q_EMIT displayChanged();
}

void ChannelDisplayPanel::resetToAuto() {
    applyTimer_->stop();
    if (!state_) return;
    const auto before = state_->generation();
    state_->reset();
    syncFromState();
    if (state_->generation() != before) Q_EMIT displayChanged();
}

}  // namespace hescape
