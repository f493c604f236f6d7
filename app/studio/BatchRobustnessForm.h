// The Training dock's "Batch robustness" group: the honest protocol's knobs
// (normalisation target, minimum counts, whether a test section may share a
// training donor) and the batch-robust methods (genes z-scored per section,
// how batches are sampled, Reinhard stain normalisation, HED stain
// augmentation, an adversarial batch classifier, batch norm per section,
// thinned copies of the training sections).
// Defaults are the engine's.
#pragma once

#include "app/studio/TrainingRunner.h"

#include <QGroupBox>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QSpinBox;

namespace hescape {

class BatchRobustnessForm : public QGroupBox {
    Q_OBJECT
public:
    explicit BatchRobustnessForm(QWidget* parent = nullptr);
    TrainingRobustness robustness() const;
    void setRobustness(const TrainingRobustness& r);

private:
    QComboBox* normaliseTo_;
    QComboBox* genes_;
    QSpinBox* minCounts_;
    QComboBox* sampling_;
    QComboBox* stain_;
    QDoubleSpinBox* hed_;
    QDoubleSpinBox* adversary_;
    QComboBox* adversaryBatches_;
    QCheckBox* sharedDonors_;
    QCheckBox* sectionNorm_;
    QComboBox* thinned_;  // item data: the divisors (a QVariantList of int)
};

}  // namespace hescape
