// SectionGridWindow: the colouring is computed on the GUI thread (one value
// per spot of each section: a gene column or a dot product per spot, well
// under a frame for the demo's sections); reading the sections is a task.
#include "app/studio/SectionGridWindow.h"

#include "app/studio/model/StudioDocument.h"
#include "app/studio/tasks/TaskService.h"
#include "core/eval/RunMetrics.h"
#include "core/eval/SimilarityMaps.h"
#include "core/spatial/ExpressionValues.h"
#include "core/spatial/SectionGrid.h"
#include "widgets/spatial/SectionGridView.h"

#include <QComboBox>
#include <QCompleter>
#include <QFileInfo>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace hescape {

namespace {
constexpr Normalisation kNormalisations[] = {Normalisation::Log1p, Normalisation::CountsPer10kLog1p, Normalisation::Raw};
const QString kLoadTask = QStringLiteral("section-grid");
}  // namespace

SectionGridWindow::SectionGridWindow(StudioDocument* document, TaskService* tasks, QWidget* parent)
    : QWidget(parent, Qt::Window), document_(document), tasks_(tasks) {
    setWindowTitle(tr("All Sections"));
    resize(1100, 760);
    auto* layout = new QVBoxLayout(this);
    buildControls();
    grid_ = new SectionGridView(this);
    layout->addWidget(grid_, 1);
    connect(grid_, &SectionGridView::selectionChanged, this, &SectionGridWindow::selectFromGrid);
    connect(grid_, &SectionGridView::spotHovered, this, &SectionGridWindow::hoverFromGrid);
    connect(grid_, &SectionGridView::spotActivated, this, [this](int panel, qint64 spot) {
        const auto p = static_cast<std::size_t>(panel);
        if (p < rows_.size() && rows_[p][static_cast<std::size_t>(spot)] >= 0) {
            setQueryRow(rows_[p][static_cast<std::size_t>(spot)]);
            setColouring(Colouring::Query);
        }
    });
    connect(document_, &StudioDocument::runChanged, this, [this] {
        queryRow_ = -1;
        matchRun();
        recolour();
    });
    connect(document_, &StudioDocument::queryChanged, this, [this] {
        const auto obs = document_->queryObservation();
        const auto& rows = document_->runRows();
        if (obs >= 0 && static_cast<std::size_t>(obs) < rows.size() && rows[static_cast<std::size_t>(obs)] >= 0) setQueryRow(rows[static_cast<std::size_t>(obs)]);
    });
    connect(document_, &StudioDocument::selectionChanged, this, &SectionGridWindow::showDocumentSelection);
    // Another data set: the sections of its folder (the open panel is found by path, so nothing links to a stale folder).
    connect(document_, &StudioDocument::datasetChanged, this, [this] {
        const QString path = document_->datasetPath();
        if (path.isEmpty()) return;
        const QString folder = QFileInfo(path).absolutePath();
        if (folder != sections_.folder) load(folder);
    });
    connect(document_, &StudioDocument::hoverChanged, this, &SectionGridWindow::showDocumentHover);
}

void SectionGridWindow::buildControls() {
    auto* row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("Colour by"), this));
    colourBy_ = new QComboBox(this);
    colourBy_->addItems({tr("Alignment (image \u00B7 gene cosine)"), tr("Gene"), tr("Similarity to a query spot")});
    colourBy_->setToolTip(tr("One colour scale for all sections: the same colour is the same value on every tissue"));
    row->addWidget(colourBy_);
    gene_ = new QLineEdit(this);
    gene_->setPlaceholderText(tr("gene"));
    gene_->setMaximumWidth(140);
    row->addWidget(gene_);
    normalisation_ = new QComboBox(this);
    for (const Normalisation n : kNormalisations) normalisation_->addItem(QString::fromStdString(normalisationName(n)));
    normalisation_->setToolTip(tr("log1p of raw counts shows each section's sequencing depth; counts per 10k removes it"));
    row->addWidget(normalisation_);
    direction_ = new QComboBox(this);
    direction_->addItems({tr("image \u2192 gene"), tr("gene \u2192 image")});
    direction_->setToolTip(tr("The query spot's image embedding against every spot's gene embedding, or the reverse"));
    row->addWidget(direction_);
    row->addStretch(1);
    auto* exportButton = new QPushButton(tr("Export Figure\u2026"), this);
    exportButton->setToolTip(tr("The grid with its legend and scale bar as one PNG or SVG"));
    row->addWidget(exportButton);
    static_cast<QVBoxLayout*>(layout())->addLayout(row);
    message_ = new QLabel(tr("Open a data set to see every section of its folder."), this);
    message_->setWordWrap(true);
    layout()->addWidget(message_);
    const auto changed = [this] {
        const auto c = colouring();
        gene_->setVisible(c == Colouring::Gene);
        normalisation_->setVisible(c == Colouring::Gene);
        direction_->setVisible(c == Colouring::Query);
        recolour();
    };
    connect(colourBy_, &QComboBox::currentIndexChanged, this, changed);
    connect(normalisation_, &QComboBox::currentIndexChanged, this, [this] { recolour(); });
    connect(direction_, &QComboBox::currentIndexChanged, this, [this] { recolour(); });
    connect(gene_, &QLineEdit::editingFinished, this, [this] { recolour(); });
    connect(exportButton, &QPushButton::clicked, this, &SectionGridWindow::chooseAndExport);
    changed();
}

void SectionGridWindow::load(const QString& folder) {
    message_->setText(tr("Reading the sections of %1\u2026").arg(folder));
    tasks_->run<GridSections>(
        kLoadTask, tr("Reading all sections"), [folder](const Progress& progress) { return loadGridSections(folder, progress); },
        [this, folder](TaskOutcome<GridSections> outcome) {
            if (!outcome.ok()) {
                const QString error = outcome.cancelled ? tr("Reading the sections of %1 was cancelled.").arg(folder) : outcome.error;
                message_->setText(error);
                Q_EMIT failed(error);
                return;  // the sections shown stay
            }
            sections_ = std::move(*outcome.value);
            std::vector<SectionPanel> panels;
            for (const auto& s : sections_.sections) panels.push_back(s.panel);
            grid_->setPanels(std::move(panels), sections_.micrometres);
            if (gene_->text().isEmpty() && !sections_.sections.empty()) {
                const SpatialDataset& ds = *sections_.sections.front().dataset;
                const QStringList chosen = document_->colouring().genes;
                gene_->setText(!chosen.isEmpty() ? chosen.front()
                               : ds.geneIndex("ERBB2") ? QStringLiteral("ERBB2")
                               : ds.geneNames.empty()  ? QString()
                                                       : QString::fromStdString(ds.geneNames.front()));
                QStringList genes;
                for (const auto& g : ds.geneNames) genes << QString::fromStdString(g);
                auto* completer = new QCompleter(genes, gene_);
                completer->setCaseSensitivity(Qt::CaseInsensitive);
                gene_->setCompleter(completer);
            }
            matchRun();
            recolour();
            showDocumentSelection(SelectionOrigin::Document);
            Q_EMIT loaded();
        });
}

SectionGridWindow::Colouring SectionGridWindow::colouring() const { return static_cast<Colouring>(colourBy_->currentIndex()); }

void SectionGridWindow::setColouring(Colouring colouring, const QString& gene) {
    if (!gene.isEmpty()) gene_->setText(gene);
    if (colourBy_->currentIndex() == static_cast<int>(colouring)) recolour();
    else colourBy_->setCurrentIndex(static_cast<int>(colouring));
}

void SectionGridWindow::setQueryRow(std::int64_t row) {
    const auto& run = document_->run();
    queryRow_ = run && row >= 0 && row < run->rows() ? row : -1;
    if (colouring() == Colouring::Query) recolour();
}

QString SectionGridWindow::message() const { return message_->text(); }

QString SectionGridWindow::exportFigure(const QString& path) const { return grid_->exportFigure(path); }

void SectionGridWindow::chooseAndExport() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export All Sections"), QStringLiteral("all-sections.png"),
                                                      tr("PNG image (*.png);;SVG figure (*.svg)"));
    if (path.isEmpty()) return;
    const QString error = exportFigure(path);
    message_->setText(error.isEmpty() ? tr("Exported %1").arg(path) : error);
}

void SectionGridWindow::matchRun() {
    rows_.clear();
    const auto& run = document_->run();
    for (const auto& s : sections_.sections)
        rows_.push_back(run ? matchObservations(*run, s.name.toStdString(), s.dataset->obsNames)
                            : std::vector<std::int64_t>(s.dataset->obsNames.size(), -1));
    // The inverse, so that a hover (every mouse move in another view) finds its spot at once.
    spotOfRow_.assign(run ? static_cast<std::size_t>(run->rows()) : 0, {-1, -1});
    for (std::size_t p = 0; p < rows_.size(); ++p)
        for (std::size_t k = 0; k < rows_[p].size(); ++k)
            if (const std::int64_t r = rows_[p][k]; r >= 0 && static_cast<std::size_t>(r) < spotOfRow_.size() && spotOfRow_[static_cast<std::size_t>(r)].first < 0)
                spotOfRow_[static_cast<std::size_t>(r)] = {static_cast<int>(p), static_cast<std::int64_t>(k)};  // the first panel that has it
    // Each panel says its split and donor in the run, so the held-out donor is plain to see.
    std::map<std::string, SectionRole> roles;
    if (run && !document_->runPath().isEmpty()) {
        try {
            roles = runSectionRoles(document_->runPath().toStdString());
        } catch (const std::exception&) {
            // The run's metrics panel reports a damaged file; the titles stay plain.
        }
    }
    QStringList titles;
    for (std::size_t i = 0; i < sections_.sections.size(); ++i) {
        const QString& name = sections_.sections[i].name;
        QString title = name;
        const bool inRun = std::any_of(rows_[i].begin(), rows_[i].end(), [](std::int64_t r) { return r >= 0; });
        if (run && !inRun) title += tr(" \u00B7 not in the run");
        if (const auto it = roles.find(name.toStdString()); inRun && it != roles.end()) {
            if (!it->second.split.empty()) title += QStringLiteral(" \u00B7 ") + QString::fromStdString(it->second.split);
            if (!it->second.donor.empty()) title += tr(" \u00B7 donor %1").arg(QString::fromStdString(it->second.donor));
        }
        titles << title;
    }
    grid_->setTitles(titles);
}

std::vector<std::vector<float>> SectionGridWindow::geneValuesOfSections(const QString& gene, QStringList& notes) const {
    std::vector<std::vector<float>> values;
    ColouringRequest request;
    request.genes = {gene.toStdString()};
    request.normalisation = kNormalisations[std::max(0, normalisation_->currentIndex())];
    for (const auto& s : sections_.sections) {
        try {
            values.push_back(colouringValues(*s.dataset, request, s.librarySizes).values);
        } catch (const std::exception& e) {
            values.emplace_back(s.dataset->obsNames.size(), std::numeric_limits<float>::quiet_NaN());
            notes << QStringLiteral("%1: %2").arg(s.name, QString::fromUtf8(e.what()));
        }
    }
    return values;
}

void SectionGridWindow::recolour() {
    if (!grid_ || sections_.folder.isEmpty()) return;  // still being built, or nothing read yet
    if (sections_.sections.empty()) {
        message_->setText(tr("No section of %1 could be shown.").arg(sections_.folder) +
                          (sections_.notes.isEmpty() ? QString() : QStringLiteral("\n") + sections_.notes.join(QStringLiteral("\n"))));
        grid_->setValues({}, ColormapId::Viridis, 0, 1, {});
        return;
    }
    const auto& run = document_->run();
    std::vector<std::vector<float>> values;
    QStringList notes = sections_.notes;
    QString title;
    ColormapId colormap = ColormapId::Coolwarm;
    const Colouring c = colouring();
    if (c == Colouring::Gene) {
        values = geneValuesOfSections(gene_->text().trimmed(), notes);
        title = tr("%1 (%2)").arg(gene_->text().trimmed(), normalisation_->currentText());
        colormap = ColormapId::Viridis;
    } else if (run && (c == Colouring::Alignment || queryRow_ >= 0)) {
        const bool imageToGene = direction_->currentIndex() == 0;
        for (const auto& rows : rows_) values.push_back(c == Colouring::Alignment ? alignmentMap(*run, rows) : queryRowMap(*run, rows, queryRow_, imageToGene));
        const auto q = static_cast<std::size_t>(std::max<std::int64_t>(queryRow_, 0));
        title = c == Colouring::Alignment ? tr("alignment (cosine)")
                                          : tr("similarity to %1 %2 (%3)").arg(QString::fromStdString(run->section[q]), QString::fromStdString(run->obsName[q]),
                                                                              direction_->currentText());
    } else {
        notes.prepend(!run ? tr("Open a run (File \u25B8 Open Run Results) to colour by its alignment or a query.")
                           : tr("Double-click a spot here, or click one in a query map, to make it the query."));
        for (const auto& s : sections_.sections) values.emplace_back(s.dataset->obsNames.size(), std::numeric_limits<float>::quiet_NaN());
    }
    const SharedColourRange range = sharedColourRange(values);
    grid_->setValues(std::move(values), colormap, range.lo, range.hi, title);
    QString text = tr("%1 sections of %2 at one scale").arg(sections_.sections.size()).arg(sections_.folder);
    if (range.count > 0)
        text += tr("; one colour scale for all: %1 to %2, the 1st to 99th percentile of %3 spots pooled")
                    .arg(range.lo, 0, 'g', 3)
                    .arg(range.hi, 0, 'g', 3)
                    .arg(range.count);
    message_->setText(text + (notes.isEmpty() ? QString() : QStringLiteral(".\n") + notes.join(QStringLiteral("\n"))));
}

int SectionGridWindow::openSectionPanel() const {
    if (document_->datasetPath().isEmpty()) return -1;
    const QString open = QFileInfo(document_->datasetPath()).absoluteFilePath();
    for (std::size_t i = 0; i < sections_.sections.size(); ++i)
        if (QFileInfo(sections_.sections[i].datasetPath).absoluteFilePath() == open) return static_cast<int>(i);
    return -1;
}

void SectionGridWindow::selectFromGrid() {
    const auto& selection = grid_->selection();
    if (!document_->run()) {  // no rows to link by: the open section's spots are its observations
        const int open = openSectionPanel();
        if (open >= 0) document_->selectObservations(selection[static_cast<std::size_t>(open)], SelectionOrigin::SectionGrid);
        return;
    }
    std::vector<std::int64_t> rows;
    for (std::size_t p = 0; p < selection.size() && p < rows_.size(); ++p)
        for (const std::int64_t s : selection[p])
            if (rows_[p][static_cast<std::size_t>(s)] >= 0) rows.push_back(rows_[p][static_cast<std::size_t>(s)]);
    document_->selectRows(std::move(rows), SelectionOrigin::SectionGrid);
}

void SectionGridWindow::showDocumentSelection(SelectionOrigin origin) {
    if (origin == SelectionOrigin::SectionGrid || sections_.sections.empty()) return;
    std::vector<std::vector<std::int64_t>> selection(sections_.sections.size());
    if (document_->run()) {
        for (std::size_t p = 0; p < rows_.size(); ++p)
            selection[p] = observationsOfRows(rows_[p], document_->selectedRows(), document_->run()->rows());
    } else if (const int open = openSectionPanel(); open >= 0) {
        selection[static_cast<std::size_t>(open)] = document_->selectedObservations();
    }
    grid_->setSelection(std::move(selection));
}

void SectionGridWindow::hoverFromGrid(int panel, qint64 spot) {
    const auto p = static_cast<std::size_t>(panel);
    document_->setHoveredRow(panel >= 0 && p < rows_.size() && spot >= 0 ? rows_[p][static_cast<std::size_t>(spot)] : -1);
}

void SectionGridWindow::showDocumentHover() {
    const std::int64_t row = document_->hoveredRow();
    const auto [panel, spot] = row >= 0 && static_cast<std::size_t>(row) < spotOfRow_.size() ? spotOfRow_[static_cast<std::size_t>(row)]
                                                                                             : std::pair<int, std::int64_t>{-1, -1};
    grid_->setHighlighted(panel, spot);
}

}  // namespace hescape
