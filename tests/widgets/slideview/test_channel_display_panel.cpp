// ChannelDisplayPanel on a two-channel state (8-bit DAPI, 16-bit CD45): one
// row per channel with ranges from the sample depth, every control changes
// the shared state (and its generation) and emits displayChanged, the window
// stays low < high, slider drags are coalesced but still applied while they
// last, Auto goes back to the defaults, and a null state empties the panel.
#include "widgets/slideview/ChannelDisplayPanel.h"

#include <QApplication>
#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QToolButton>
#include <QtTest/QtTest>

using namespace hescape;

namespace {

std::vector<ChannelInfo> twoChannels() {
    ChannelInfo dapi;
    dapi.name = "DAPI";
    dapi.bitsPerSample = 8;
    dapi.defaultColour = {0, 110, 255};
    dapi.autoLow = 5;
    dapi.autoHigh = 200;
    ChannelInfo cd45;
    cd45.name = "CD45";
    cd45.bitsPerSample = 16;
    cd45.defaultColour = {0, 255, 0};
    cd45.autoLow = 100;
    cd45.autoHigh = 40000;
    return {dapi, cd45};
}

template <typename T>
T* child(QWidget& panel, const QString& name) {
    T* w = panel.findChild<T*>(name);
    if (!w) qFatal("no child %s", qPrintable(name));
    return w;
}

}  // namespace

class TestChannelDisplayPanel : public QObject {
    Q_OBJECT

private:
    std::shared_ptr<ChannelDisplayState> state_;
    std::unique_ptr<ChannelDisplayPanel> panel_;

private Q_SLOTS:
    void init() {
        state_ = std::make_shared<ChannelDisplayState>(twoChannels());
        panel_ = std::make_unique<ChannelDisplayPanel>();
        panel_->setState(state_);
        panel_->resize(320, 420);
        panel_->show();
        QVERIFY(QTest::qWaitForWindowExposed(panel_.get()));
    }
    void cleanup() { panel_.reset(); }

    void oneRowPerChannelWithItsRange() {
        QCOMPARE(panel_->channelCount(), 2);
        QCOMPARE(child<QCheckBox>(*panel_, "channelVisible0")->text(), QStringLiteral("DAPI"));
        QCOMPARE(child<QCheckBox>(*panel_, "channelVisible1")->text(), QStringLiteral("CD45"));
        QVERIFY(child<QCheckBox>(*panel_, "channelVisible1")->isChecked());
        QCOMPARE(child<QSlider>(*panel_, "channelLowSlider0")->maximum(), 255);
        QCOMPARE(child<QSlider>(*panel_, "channelHighSlider1")->maximum(), 65535);
        QCOMPARE(child<QSpinBox>(*panel_, "channelHigh1")->maximum(), 65535);
        // The controls start at the automatic window.
        QCOMPARE(child<QSpinBox>(*panel_, "channelLow0")->value(), 5);
        QCOMPARE(child<QSlider>(*panel_, "channelHighSlider0")->value(), 200);
        QCOMPARE(child<QSpinBox>(*panel_, "channelLow1")->value(), 100);
        QCOMPARE(child<QSpinBox>(*panel_, "channelHigh1")->value(), 40000);
        QCOMPARE(child<QDoubleSpinBox>(*panel_, "channelGamma0")->value(), 1.0);
        QCOMPARE(child<QDoubleSpinBox>(*panel_, "channelGamma0")->minimum(), 0.1);
        QCOMPARE(child<QDoubleSpinBox>(*panel_, "channelGamma0")->maximum(), 5.0);
        // The swatch shows the channel's colour.
        const QImage icon = child<QToolButton>(*panel_, "channelColour1")->icon().pixmap(18, 18).toImage();
        QCOMPARE(icon.pixelColor(9, 9), QColor(0, 255, 0));
    }

    void everyControlChangesTheState() {
        QSignalSpy changed(panel_.get(), &ChannelDisplayPanel::displayChanged);
        auto gen = state_->generation();
        child<QCheckBox>(*panel_, "channelVisible0")->setChecked(false);
        QCOMPARE(state_->settings()[0].visible, false);
        QCOMPARE(state_->settings()[1].visible, true);
        QVERIFY(state_->generation() > gen);
        QCOMPARE(changed.count(), 1);

        gen = state_->generation();
        child<QSpinBox>(*panel_, "channelHigh1")->setValue(30000);
        QTRY_COMPARE(state_->settings()[1].high, 30000.0);
        QVERIFY(state_->generation() > gen);
        QCOMPARE(child<QSlider>(*panel_, "channelHighSlider1")->value(), 30000);  // both controls agree
        QCOMPARE(changed.count(), 2);

        child<QSlider>(*panel_, "channelLowSlider1")->setValue(2500);
        QTRY_COMPARE(state_->settings()[1].low, 2500.0);
        QCOMPARE(child<QSpinBox>(*panel_, "channelLow1")->value(), 2500);

        child<QDoubleSpinBox>(*panel_, "channelGamma1")->setValue(2.5);
        QTRY_COMPARE(state_->settings()[1].gamma, 2.5);
        QCOMPARE(state_->settings()[0].gamma, 1.0);

        gen = state_->generation();
        panel_->setChannelColour(1, QColor(255, 0, 255));
        QCOMPARE(state_->settings()[1].colour, (Rgb8{255, 0, 255}));
        QVERIFY(state_->generation() > gen);
        const QImage icon = child<QToolButton>(*panel_, "channelColour1")->icon().pixmap(18, 18).toImage();
        QCOMPARE(icon.pixelColor(9, 9), QColor(255, 0, 255));
        QCOMPARE(changed.count(), 5);
        // The composite tables follow: CD45 at 2500 is black, at 30000 full.
        const auto lookup = state_->lookup();
        QCOMPARE(int(lookup->intensity[1][2500]), 0);
        QCOMPARE(int(lookup->intensity[1][30000]), 255);
    }

    void windowStaysOpen() {
        // DAPI's window is 5..200: pushing low past high stops one below it.
        child<QSlider>(*panel_, "channelLowSlider0")->setValue(250);
        QCOMPARE(child<QSlider>(*panel_, "channelLowSlider0")->value(), 199);
        QCOMPARE(child<QSpinBox>(*panel_, "channelLow0")->value(), 199);
        QTRY_COMPARE(state_->settings()[0].low, 199.0);
        QCOMPARE(state_->settings()[0].high, 200.0);
        // And high below low stops one above it.
        child<QSpinBox>(*panel_, "channelHigh0")->setValue(3);
        QCOMPARE(child<QSpinBox>(*panel_, "channelHigh0")->value(), 200);
        child<QSpinBox>(*panel_, "channelLow0")->setValue(0);
        child<QSpinBox>(*panel_, "channelHigh0")->setValue(0);
        QCOMPARE(child<QSlider>(*panel_, "channelHighSlider0")->value(), 1);
        QTRY_COMPARE(state_->settings()[0].high, 1.0);
        QCOMPARE(state_->settings()[0].low, 0.0);
        // The top of the 16-bit range is reachable.
        child<QSlider>(*panel_, "channelHighSlider1")->setValue(65535);
        QTRY_COMPARE(state_->settings()[1].high, 65535.0);
    }

    void sliderDragsAreCoalescedButApplied() {
        QSignalSpy changed(panel_.get(), &ChannelDisplayPanel::displayChanged);
        auto* slider = child<QSlider>(*panel_, "channelHighSlider1");
        // A burst without the event loop running: one change, the last value.
        const auto gen = state_->generation();
        for (int v = 41000; v <= 50900; v += 100) slider->setValue(v);
        QCOMPARE(changed.count(), 0);
        QTRY_COMPARE(changed.count(), 1);
        QCOMPARE(state_->settings()[1].high, 50900.0);
        QCOMPARE(state_->generation(), gen + 1);
        QTest::qWait(100);
        QCOMPARE(changed.count(), 1);

        // A steady drag (a move every 5 ms for ~0.4 s) redraws while it lasts.
        changed.clear();
        int moves = 0;
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < 400) {
            slider->setValue(51000 + 10 * moves++);
            QTest::qWait(5);
            if (moves == 20) QVERIFY2(changed.count() >= 1, "nothing applied during the drag");
        }
        QTRY_COMPARE(state_->settings()[1].high, 51000.0 + 10 * (moves - 1));
        QVERIFY2(changed.count() >= 4, qPrintable(QString::number(changed.count())));
        QVERIFY2(changed.count() < moves, qPrintable(QStringLiteral("%1 of %2").arg(changed.count()).arg(moves)));
    }

    void autoGoesBackToDefaults() {
        child<QCheckBox>(*panel_, "channelVisible1")->setChecked(false);
        child<QSpinBox>(*panel_, "channelLow0")->setValue(50);
        child<QDoubleSpinBox>(*panel_, "channelGamma0")->setValue(0.5);
        panel_->setChannelColour(0, Qt::red);
        QTRY_COMPARE(state_->settings()[0].gamma, 0.5);
        QVERIFY(state_->settings() != ChannelDisplayState::defaults(state_->channels()));

        QSignalSpy changed(panel_.get(), &ChannelDisplayPanel::displayChanged);
        const auto gen = state_->generation();
        QTest::mouseClick(child<QPushButton>(*panel_, "channelsAuto"), Qt::LeftButton);
        QCOMPARE(changed.count(), 1);
        QVERIFY(state_->generation() > gen);
        QVERIFY(state_->settings() == ChannelDisplayState::defaults(state_->channels()));
        QCOMPARE(state_->settings()[0].colour, (Rgb8{0, 110, 255}));
        // The controls show the defaults again.
        QVERIFY(child<QCheckBox>(*panel_, "channelVisible1")->isChecked());
        QCOMPARE(child<QSpinBox>(*panel_, "channelLow0")->value(), 5);
        QCOMPARE(child<QSlider>(*panel_, "channelLowSlider0")->value(), 5);
        QCOMPARE(child<QDoubleSpinBox>(*panel_, "channelGamma0")->value(), 1.0);
        // Already at the defaults: nothing changes, nothing is emitted.
        QTest::mouseClick(child<QPushButton>(*panel_, "channelsAuto"), Qt::LeftButton);
        QCOMPARE(changed.count(), 1);
    }

    void syncShowsOtherWriters() {
        auto s = state_->settings();
        s[1].low = 1234;
        s[1].visible = false;
        state_->setSettings(s);
        panel_->syncFromState();
        QCOMPARE(child<QSpinBox>(*panel_, "channelLow1")->value(), 1234);
        QVERIFY(!child<QCheckBox>(*panel_, "channelVisible1")->isChecked());
    }

    void nullStateEmptiesThePanel() {
        panel_->setState(nullptr);
        QCOMPARE(panel_->channelCount(), 0);
        QVERIFY(!panel_->findChild<QCheckBox*>("channelVisible0"));
        QVERIFY(!child<QPushButton>(*panel_, "channelsAuto")->isEnabled());
        // And a one-channel state afterwards gets one row.
        panel_->setState(std::make_shared<ChannelDisplayState>(std::vector<ChannelInfo>{twoChannels()[1]}));
        QCOMPARE(panel_->channelCount(), 1);
        QVERIFY(!panel_->findChild<QCheckBox*>("channelVisible1"));
        QCOMPARE(child<QCheckBox>(*panel_, "channelVisible0")->text(), QStringLiteral("CD45"));
        QVERIFY(child<QPushButton>(*panel_, "channelsAuto")->isEnabled());
    }
};

QTEST_MAIN(TestChannelDisplayPanel)
#include "test_channel_display_panel.moc"
