// SpotColoringPanel: plain form widgets; every edit re-emits coloringChanged.
#include "widgets/spatial/SpotColoringPanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCompleter>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSignalBlocker>
#include <QStringListModel>
#include <QVBoxLayout>

namespace hescape {

SpotColoringPanel::SpotColoringPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    summary_ = new QLabel(tr("No spatial data. File \u25B8 Open Spatial Data\u2026"), this);
    summary_->setWordWrap(true);
    layout->addWidget(summary_);

    auto* form = new QFormLayout;
    source_ = new QComboBox(this);
    source_->addItems({tr("Gene"), tr("Annotation")});
    form->addRow(tr("Colour by"), source_);
    geneEdit_ = new QLineEdit(this);
    geneEdit_->setPlaceholderText(tr("gene, or several: ERBB2 GRB7"));
    geneEdit_->setClearButtonEnabled(true);
    auto* completer = new QCompleter(this);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    completer->setFilterMode(Qt::MatchStartsWith);
    completer->setModel(new QStringListModel(this));
    geneEdit_->setCompleter(completer);
    form->addRow(tr("Gene(s)"), geneEdit_);
    annotation_ = new QComboBox(this);
    form->addRow(tr("Annotation"), annotation_);
    normalisation_ = new QComboBox(this);
    for (const auto n : {Normalisation::Raw, Normalisation::Log1p, Normalisation::CountsPer10kLog1p})
        normalisation_->addItem(QString::fromStdString(normalisationName(n)), static_cast<int>(n));
    normalisation_->setCurrentIndex(1);
    form->addRow(tr("Normalisation"), normalisation_);
    colormap_ = new QComboBox(this);
    for (const auto c : allColormaps()) colormap_->addItem(QString::fromStdString(colormapName(c)), static_cast<int>(c));
    form->addRow(tr("Colormap"), colormap_);
    autoRange_ = new QCheckBox(tr("1st\u201399th percentile"), this);
    autoRange_->setChecked(true);
    form->addRow(tr("Range"), autoRange_);
    vmin_ = new QDoubleSpinBox(this);
    vmax_ = new QDoubleSpinBox(this);
    for (auto* s : {vmin_, vmax_}) {
        s->setRange(-1e9, 1e9);
        s->setDecimals(3);
        s->setEnabled(false);
    }
    form->addRow(tr("Minimum"), vmin_);
    form->addRow(tr("Maximum"), vmax_);
    outline_ = new QCheckBox(tr("outline only"), this);
    form->addRow(QString(), outline_);
    layout->addLayout(form);
    message_ = new QLabel(this);
    message_->setWordWrap(true);
    message_->setStyleSheet(QStringLiteral("color: #a01010"));
    layout->addWidget(message_);
    selection_ = new QLabel(tr("Select spots: click one, Shift+drag a lasso, Ctrl+drag a rectangle, Esc clears."), this);
    selection_->setWordWrap(true);
    layout->addWidget(selection_);
    layout->addStretch(1);

    const auto changed = [this] { Q_EMIT coloringChanged(); };
    connect(source_, &QComboBox::currentIndexChanged, this, changed);
    connect(geneEdit_, &QLineEdit::editingFinished, this, changed);
    connect(completer, qOverload<const QString&>(&QCompleter::activated), this, changed);
    connect(annotation_, &QComboBox::currentIndexChanged, this, [this] {
        {
            const QSignalBlocker block(source_);
            source_->setCurrentIndex(1);
        }
        Q_EMIT coloringChanged();
    });
    connect(normalisation_, &QComboBox::currentIndexChanged, this, changed);
    connect(colormap_, &QComboBox::currentIndexChanged, this, changed);
    connect(autoRange_, &QCheckBox::toggled, this, [this](bool on) {
        vmin_->setEnabled(!on);
        vmax_->setEnabled(!on);
        Q_EMIT coloringChanged();
    });
    connect(vmin_, &QDoubleSpinBox::editingFinished, this, changed);
    connect(vmax_, &QDoubleSpinBox::editingFinished, this, changed);
    connect(outline_, &QCheckBox::toggled, this, changed);
    setEnabled(false);
    summary_->setEnabled(true);
}

void SpotColoringPanel::setDataset(const QString& summary, const QStringList& genes, const QStringList& annotations) {
    const QSignalBlocker b1(annotation_), b2(source_), b3(geneEdit_);
    setEnabled(true);
    summary_->setText(summary);
    static_cast<QStringListModel*>(geneEdit_->completer()->model())->setStringList(genes);
    annotation_->clear();
    annotation_->addItems(annotations);
    message_->clear();
}

void SpotColoringPanel::clearDataset() {
    setEnabled(false);
    summary_->setText(tr("No spatial data. File \u25B8 Open Spatial Data\u2026"));
}

void SpotColoringPanel::setGenes(const QStringList& genes) {
    {
        const QSignalBlocker b(source_);
        source_->setCurrentIndex(0);
    }
    geneEdit_->setText(genes.join(QLatin1Char(' ')));
    Q_EMIT coloringChanged();
}

void SpotColoringPanel::setAnnotation(const QString& name) {
    const int i = annotation_->findText(name);
    if (i < 0) return;
    {
        const QSignalBlocker b(source_);
        source_->setCurrentIndex(1);
    }
    if (annotation_->currentIndex() == i) Q_EMIT coloringChanged();
    else annotation_->setCurrentIndex(i);  // emits through the connection above
}

void SpotColoringPanel::setColoring(const SpotColoring& c) {
    {
        const QSignalBlocker b1(source_), b2(geneEdit_), b3(annotation_), b4(normalisation_), b5(colormap_), b6(autoRange_),
            b7(vmin_), b8(vmax_), b9(outline_);
        geneEdit_->setText(c.genes.join(QLatin1Char(' ')));
        if (const int i = annotation_->findText(c.annotation); i >= 0) annotation_->setCurrentIndex(i);
        source_->setCurrentIndex(c.source == SpotColoring::Source::Annotation && annotation_->currentIndex() >= 0 ? 1 : 0);
        if (const int i = normalisation_->findData(static_cast<int>(c.normalisation)); i >= 0) normalisation_->setCurrentIndex(i);
        if (const int i = colormap_->findData(static_cast<int>(c.colormap)); i >= 0) colormap_->setCurrentIndex(i);
        autoRange_->setChecked(c.autoRange);
        vmin_->setEnabled(!c.autoRange);
        vmax_->setEnabled(!c.autoRange);
        vmin_->setValue(c.vmin);
        vmax_->setValue(c.vmax);
        outline_->setChecked(c.outline);
    }
    Q_EMIT coloringChanged();
}

SpotColoring SpotColoringPanel::coloring() const {
    SpotColoring c;
    c.source = source_->currentIndex() == 1 ? SpotColoring::Source::Annotation : SpotColoring::Source::Gene;
    c.genes = geneEdit_->text().split(QRegularExpression(QStringLiteral("[\\s,;]+")), Qt::SkipEmptyParts);
    c.annotation = annotation_->currentText();
    c.normalisation = static_cast<Normalisation>(normalisation_->currentData().toInt());
    c.colormap = static_cast<ColormapId>(colormap_->currentData().toInt());
    c.autoRange = autoRange_->isChecked();
    c.vmin = vmin_->value();
    c.vmax = vmax_->value();
    c.outline = outline_->isChecked();
    return c;
}

void SpotColoringPanel::showRange(double vmin, double vmax) {
    const QSignalBlocker b1(vmin_), b2(vmax_);
    vmin_->setValue(vmin);
    vmax_->setValue(vmax);
}

void SpotColoringPanel::showMessage(const QString& text) { message_->setText(text); }

void SpotColoringPanel::showSelection(const QString& text) { selection_->setText(text); }

QString SpotColoringPanel::selectionText() const { return selection_->text(); }

}  // namespace hescape
