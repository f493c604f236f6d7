// SimilarityMapPanel: a small form; every change emits mapChanged once.
#include "widgets/eval/SimilarityMapPanel.h"

#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace hescape {

SimilarityMapPanel::SimilarityMapPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    open_ = new QPushButton(tr("Open run results\u2026"), this);
    open_->setToolTip(tr("A results file of `hescape train --results`, the training panel, or `hescape embed`"));
    layout->addWidget(open_);
    run_ = new QLabel(tr("No run open."), this);
    run_->setWordWrap(true);
    layout->addWidget(run_);
    auto* form = new QFormLayout;
    mode_ = new QComboBox(this);
    mode_->addItem(tr("Off (colour by expression)"));
    mode_->addItem(tr("Alignment: image vs own gene embedding"));
    mode_->addItem(tr("Query: clicked spot's image \u2192 genes"));
    mode_->addItem(tr("Query: clicked spot's genes \u2192 images"));
    mode_->addItem(tr("Gene direction seen in images"));
    mode_->setEnabled(false);
    form->addRow(tr("Map"), mode_);
    gene_ = new QLineEdit(this);
    gene_->setPlaceholderText(tr("gene, e.g. ERBB2"));
    form->addRow(tr("Gene"), gene_);
    topK_ = new QSpinBox(this);
    topK_->setRange(1, 100);
    topK_->setValue(5);
    topK_->setToolTip(tr("How many retrieved spots a query marks"));
    form->addRow(tr("Mark top"), topK_);
    layout->addLayout(form);
    message_ = new QLabel(this);
    message_->setWordWrap(true);
    message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(message_);
    layout->addStretch(1);
    connect(open_, &QPushButton::clicked, this, &SimilarityMapPanel::openRunRequested);
    connect(mode_, &QComboBox::currentIndexChanged, this, &SimilarityMapPanel::mapChanged);
    connect(gene_, &QLineEdit::editingFinished, this, &SimilarityMapPanel::mapChanged);
    connect(topK_, &QSpinBox::valueChanged, this, &SimilarityMapPanel::mapChanged);
}

SimilarityMapMode SimilarityMapPanel::mode() const { return static_cast<SimilarityMapMode>(mode_->currentIndex()); }
void SimilarityMapPanel::setMode(SimilarityMapMode m) { mode_->setCurrentIndex(static_cast<int>(m)); }
QString SimilarityMapPanel::gene() const { return gene_->text().trimmed(); }
void SimilarityMapPanel::setGene(const QString& g) {
    gene_->setText(g);
    Q_EMIT mapChanged();
}
int SimilarityMapPanel::topK() const { return topK_->value(); }

void SimilarityMapPanel::setRunSummary(const QString& text) {
    run_->setText(text.isEmpty() ? tr("No run open.") : text);
    mode_->setEnabled(!text.isEmpty());
}

void SimilarityMapPanel::showMessage(const QString& text) { message_->setText(text); }
QString SimilarityMapPanel::message() const { return message_->text(); }

}  // namespace hescape
