// LayersPanel: one grid row per layer.
#include "widgets/spatial/LayersPanel.h"

#include <QCheckBox>
#include <QGridLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>

#include <cmath>

namespace hescape {

LayersPanel::LayersPanel(QWidget* parent) : QGroupBox(tr("Layers"), parent) {
    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(6, 6, 6, 6);
    grid->setColumnStretch(1, 1);
}

int LayersPanel::addLayer(const QString& name, bool visible, double opacity) {
    const int id = static_cast<int>(rows_.size());
    Row row{new QCheckBox(name, this), new QSlider(Qt::Horizontal, this), new QLabel(this)};
    row.visible->setChecked(visible);
    row.opacity->setRange(0, 100);
    row.opacity->setValue(static_cast<int>(std::lround(opacity * 100)));
    row.opacity->setToolTip(tr("Opacity of %1").arg(name));
    row.percent->setText(QStringLiteral("%1 %").arg(row.opacity->value()));
    row.percent->setMinimumWidth(QFontMetrics(font()).horizontalAdvance(QStringLiteral("100 %")));
    auto* grid = static_cast<QGridLayout*>(layout());
    grid->addWidget(row.visible, id, 0);
    grid->addWidget(row.opacity, id, 1);
    grid->addWidget(row.percent, id, 2);
    connect(row.visible, &QCheckBox::toggled, this, [this, id] { Q_EMIT layerChanged(id); });
    connect(row.opacity, &QSlider::valueChanged, this, [this, id](int v) {
        rows_[static_cast<std::size_t>(id)].percent->setText(QStringLiteral("%1 %").arg(v));
        Q_EMIT layerChanged(id);
    });
    rows_.push_back(row);
    return id;
}

void LayersPanel::setLayerName(int id, const QString& name) { rows_.at(static_cast<std::size_t>(id)).visible->setText(name); }

void LayersPanel::setLayerEnabled(int id, bool enabled) {
    const Row& r = rows_.at(static_cast<std::size_t>(id));
    r.visible->setEnabled(enabled);
    r.opacity->setEnabled(enabled);
    r.percent->setEnabled(enabled);
}

bool LayersPanel::isLayerVisible(int id) const { return rows_.at(static_cast<std::size_t>(id)).visible->isChecked(); }

double LayersPanel::layerOpacity(int id) const { return rows_.at(static_cast<std::size_t>(id)).opacity->value() / 100.0; }

void LayersPanel::setLayerState(int id, bool visible, double opacity) {
    const Row& r = rows_.at(static_cast<std::size_t>(id));
    {
        const QSignalBlocker b1(r.visible), b2(r.opacity);
        r.visible->setChecked(visible);
        r.opacity->setValue(static_cast<int>(std::lround(opacity * 100)));
        r.percent->setText(QStringLiteral("%1 %").arg(r.opacity->value()));
    }
    Q_EMIT layerChanged(id);
}

}  // namespace hescape
