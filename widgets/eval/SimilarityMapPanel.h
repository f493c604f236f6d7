// The panel for cross-modal similarity maps: which run file is open, which
// map the spots show (none, alignment, a query from a clicked spot in either
// direction, or a gene's direction), the gene for the gene map and how many
// retrieved spots to mark. It only describes the choice; the maps are
// computed by app/studio/model/SimilarityMapResult (core/eval/SimilarityMaps).
#pragma once

#include "core/eval/SimilarityMaps.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace hescape {

class SimilarityMapPanel : public QWidget {
    Q_OBJECT
public:
    explicit SimilarityMapPanel(QWidget* parent = nullptr);

    SimilarityMapMode mode() const;
    void setMode(SimilarityMapMode mode);
    QString gene() const;
    void setGene(const QString& gene);
    int topK() const;
    void setRunSummary(const QString& text);  // empty: no run open
    void showMessage(const QString& text);
    QString message() const;
    QPushButton* openButton() const { return open_; }

Q_SIGNALS:
    void openRunRequested();
    void mapChanged();

private:
    QPushButton* open_;
    QLabel* run_;
    QComboBox* mode_;
    QLineEdit* gene_;
    QSpinBox* topK_;
    QLabel* message_;
};

}  // namespace hescape
