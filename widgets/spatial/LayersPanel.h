// The layers of the view — the slide itself and each overlay — each with a
// visibility box and an opacity slider, in drawing order (bottom first).
#pragma once

#include <QGroupBox>
#include <QString>

#include <vector>

class QCheckBox;
class QLabel;
class QSlider;

namespace hescape {

class LayersPanel : public QGroupBox {
    Q_OBJECT
public:
    explicit LayersPanel(QWidget* parent = nullptr);

    // Returns the layer's id.
    int addLayer(const QString& name, bool visible, double opacity);
    void setLayerName(int id, const QString& name);
    void setLayerEnabled(int id, bool enabled);
    bool isLayerVisible(int id) const;
    double layerOpacity(int id) const;  // 0..1
    // Programmatic change (tests, sessions); emits layerChanged.
    void setLayerState(int id, bool visible, double opacity);

Q_SIGNALS:
    void layerChanged(int id);

private:
    struct Row {
        QCheckBox* visible;
        QSlider* opacity;
        QLabel* percent;
    };
    std::vector<Row> rows_;
};

}  // namespace hescape
