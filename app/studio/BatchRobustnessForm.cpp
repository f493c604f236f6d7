// BatchRobustnessForm: combo indices follow the engine's enum order, so the
// mapping is a cast; tooltips say what each option does and where it is
// measured (docs/evaluation.md).
#include "app/studio/BatchRobustnessForm.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QSpinBox>
#include <QVariantList>

namespace hescape {

namespace {
constexpr int kThinnedPresets = 3;  // off, 1/4 and 1/16, the ladder of halvings
}

BatchRobustnessForm::BatchRobustnessForm(QWidget* parent) : QGroupBox(tr("Batch robustness"), parent) {
    auto* form = new QFormLayout(this);
    normaliseTo_ = new QComboBox(this);
    normaliseTo_->addItems({tr("Training sections' median"), tr("Each section's median (batch-prone)"), tr("10,000")});
    normaliseTo_->setToolTip(tr("The library size every spot is scaled to before log1p; one target for all sections "
                                "keeps sequencing depth from becoming a batch effect"));
    form->addRow(tr("Normalise to"), normaliseTo_);
    genes_ = new QComboBox(this);
    genes_->addItems({tr("As normalised"), tr("Z-scored per section")});
    genes_->setToolTip(tr("Z-score each gene within each section (no labels, no other section)"));
    form->addRow(tr("Genes"), genes_);
    minCounts_ = new QSpinBox(this);
    minCounts_->setRange(0, 1000000);
    minCounts_->setToolTip(tr("Spots with fewer counts are left out (reported in the log)"));
    form->addRow(tr("Minimum counts"), minCounts_);
    sampling_ = new QComboBox(this);
    sampling_->addItems({tr("Random"), tr("Balanced over sections"), tr("Within one section")});
    sampling_->setToolTip(tr("How training batches are drawn; within one section, the negatives share the section's batch effect"));
    form->addRow(tr("Batches"), sampling_);
    stain_ = new QComboBox(this);
    stain_->addItems({tr("None"), tr("Reinhard (to the training sections)")});
    form->addRow(tr("Stain normalisation"), stain_);
    hed_ = new QDoubleSpinBox(this);
    hed_->setRange(0, 0.5);
    hed_->setSingleStep(0.01);
    hed_->setDecimals(3);
    hed_->setSpecialValueText(tr("off"));
    hed_->setToolTip(tr("HED stain augmentation: each patch's stains scaled and shifted by up to this much"));
    form->addRow(tr("HED jitter"), hed_);
    adversary_ = new QDoubleSpinBox(this);
    adversary_->setRange(0, 100);
    adversary_->setSingleStep(0.1);
    adversary_->setSpecialValueText(tr("off"));
    adversary_->setToolTip(tr("Weight of an adversarial batch classifier on both embeddings (gradient reversal)"));
    adversaryBatches_ = new QComboBox(this);
    adversaryBatches_->addItems({tr("sections"), tr("donors")});
    auto* adversaryRow = new QHBoxLayout;
    adversaryRow->addWidget(adversary_);
    adversaryRow->addWidget(adversaryBatches_);
    form->addRow(tr("Adversary"), adversaryRow);
    sectionNorm_ = new QCheckBox(tr("Batch norm per section (AdaBN)"), this);
    sectionNorm_->setToolTip(tr("Batch norms see one section at a time: within-section training batches, and each section's "
                                "own statistics when embedding"));
    form->addRow(sectionNorm_);
    thinned_ = new QComboBox(this);
    thinned_->setObjectName(QStringLiteral("thinnedCopies"));
    thinned_->addItem(tr("Off"), QVariantList{});
    thinned_->addItem(tr("1/4 and 1/16 of the counts"), QVariantList{4, 16});
    thinned_->addItem(tr("1/2, 1/4, 1/8 and 1/16 of the counts"), QVariantList{2, 4, 8, 16});
    thinned_->setToolTip(tr("Also train on copies of each training section with its counts thinned (each read kept with "
                            "probability 1/d), so that sections sequenced more thinly align; every copy adds the training "
                            "set again to each epoch"));
    form->addRow(tr("Thinned copies"), thinned_);
    sharedDonors_ = new QCheckBox(tr("Allow test sections of training donors"), this);
    sharedDonors_->setToolTip(tr("Off: a test section whose donor also trains is refused, so the test shows whether alignment crosses donors"));
    form->addRow(sharedDonors_);
    setRobustness({});
}

TrainingRobustness BatchRobustnessForm::robustness() const {
    TrainingRobustness r;
    r.normaliseTo = static_cast<ExpressionOptions::Target>(normaliseTo_->currentIndex());
    r.genesPerSection = genes_->currentIndex() == 1;
    r.minCounts = minCounts_->value();
    r.options.sampling = static_cast<BatchSampling>(sampling_->currentIndex());
    r.options.stain = static_cast<StainNormalisation>(stain_->currentIndex());
    r.options.adversarialWeight = adversary_->value();
    r.options.adversaryTarget = static_cast<AdversaryTarget>(adversaryBatches_->currentIndex());
    r.hedJitter = hed_->value();
    r.allowSharedDonors = sharedDonors_->isChecked();
    r.options.sectionBatchNorm = sectionNorm_->isChecked();
    for (const QVariant& d : thinned_->currentData().toList()) r.options.thinnedCopies.push_back(d.toInt());
    return r;
}

void BatchRobustnessForm::setRobustness(const TrainingRobustness& r) {
    normaliseTo_->setCurrentIndex(static_cast<int>(r.normaliseTo));
    genes_->setCurrentIndex(r.genesPerSection ? 1 : 0);
    minCounts_->setValue(static_cast<int>(r.minCounts));
    sampling_->setCurrentIndex(static_cast<int>(r.options.sampling));
    stain_->setCurrentIndex(static_cast<int>(r.options.stain));
    adversary_->setValue(r.options.adversarialWeight);
    adversaryBatches_->setCurrentIndex(static_cast<int>(r.options.adversaryTarget));
    hed_->setValue(r.hedJitter);
    sharedDonors_->setChecked(r.allowSharedDonors);
    sectionNorm_->setChecked(r.options.sectionBatchNorm);
    QVariantList divisors;
    QStringList shares;
    for (const int d : r.options.thinnedCopies) {
        divisors.push_back(d);
        shares.push_back(QStringLiteral("1/%1").arg(d));
    }
    int index = thinned_->findData(divisors);
    if (index < 0) {  // a configuration's own list: shown as it is, in the one item after the presets
        if (thinned_->count() > kThinnedPresets) thinned_->removeItem(kThinnedPresets);
        thinned_->addItem(tr("%1 of the counts").arg(shares.join(QStringLiteral(", "))), divisors);
        index = kThinnedPresets;
    }
    thinned_->setCurrentIndex(index);
}

}  // namespace hescape
