// The panel that says how spots are coloured: by a gene (type-ahead over all
// gene names, or several genes for a gene-set score) or by an obs column,
// with normalisation, colormap, value range (percentiles or by hand) and
// outline mode (visibility and opacity belong to the LayersPanel). It only
// describes the choice (SpotColoring); the studio's document holds it and its
// presenter computes the values and hands them to the SlideView.
#pragma once

#include "widgets/spatial/SpotColoring.h"

#include <QStringList>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;

namespace hescape {

class SpotColoringPanel : public QWidget {
    Q_OBJECT
public:
    explicit SpotColoringPanel(QWidget* parent = nullptr);

    void setDataset(const QString& summary, const QStringList& genes, const QStringList& annotations);
    void clearDataset();
    SpotColoring coloring() const;
    // Shows the range actually used (after auto-ranging) without emitting.
    void showRange(double vmin, double vmax);
    void showMessage(const QString& text);
    void showSelection(const QString& text);
    QString selectionText() const;

    QLineEdit* geneEdit() const { return geneEdit_; }
    QComboBox* annotationCombo() const { return annotation_; }
    QComboBox* colormapCombo() const { return colormap_; }

    void setGenes(const QStringList& genes);  // programmatic choice (tests, sessions)
    void setAnnotation(const QString& name);
    // Every field at once (sessions); emits coloringChanged once.
    void setColoring(const SpotColoring& c);

Q_SIGNALS:
    void coloringChanged();

private:
    QLabel* summary_;
    QComboBox* source_;
    QLineEdit* geneEdit_;
    QComboBox* annotation_;
    QComboBox* normalisation_;
    QComboBox* colormap_;
    QCheckBox* autoRange_;
    QDoubleSpinBox* vmin_;
    QDoubleSpinBox* vmax_;
    QCheckBox* outline_;
    QLabel* message_;
    QLabel* selection_;
};

}  // namespace hescape
