// EmbeddingExplorer: layouts and batch metrics run in QtConcurrent with a
// generation counter, so a result that arrives after the run changed is
// dropped; the newest request always wins.
#include "app/studio/EmbeddingExplorer.h"

#include "app/studio/tasks/TaskService.h"

#include "app/studio/BatchEffectsPanel.h"

#include "core/common/Progress.h"
#include "core/embedding/LayoutInput.h"
#include "core/embedding/PcaLayout.h"
#include "core/embedding/UmapLayout.h"
#include "core/eval/RetrievalMetrics.h"
#include "core/eval/SimilarityMaps.h"
#include "core/spatial/ExpressionValues.h"
#include "widgets/embedding/EmbeddingScatterView.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QFileDialog>
#include <QFormLayout>
#include <QSaveFile>
#include <QHBoxLayout>
#include <QLabel>
#include <QMetaObject>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace hescape {

namespace {

const QString kLayoutTask = QStringLiteral("embedding-layout");

}  // namespace

struct EmbeddingLayoutResult {
    std::vector<float> coordinates;
    std::vector<float> geneCoordinates;  // side by side: the gene embeddings' layout
    int dims = 2;
    QString note;  // what was computed, for the message line
};

namespace {

// The rows to lay out: image, gene, or image rows then gene rows (joint).
std::vector<float> layoutInput(const RunEmbeddings& run, EmbeddingPoints points) {
    switch (points) {
        case EmbeddingPoints::Image:
        case EmbeddingPoints::SideBySide: return run.image;
        case EmbeddingPoints::Gene: return run.gene;
        case EmbeddingPoints::Joint: {
            std::vector<float> both(run.image);
            both.insert(both.end(), run.gene.begin(), run.gene.end());
            return both;
        }
    }
    return {};
}

// Layouts can run for seconds, and during a training they follow each
// snapshot: below the GUI thread's priority (Linux nices threads one by one),
// so the window stays responsive on two cores.
void runBelowTheGui() { ::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 5); }

// Lays out `run` with settings `s` (PCA or UMAP; side by side: the gene
// embeddings too, in the second half of the progress). Throws what the
// layouts throw (CancelledError included).
EmbeddingLayoutResult layOut(const RunEmbeddings& run, const EmbeddingLayoutSettings& s, const Progress& progress) {
    EmbeddingLayoutResult job;
    job.dims = s.dims;
        const std::vector<float> data = layoutInput(run, s.points);
        const bool both = s.points == EmbeddingPoints::SideBySide;
        // Side by side: the gene embeddings get the same method, in the second half of the progress.
        const Progress first = both ? stageProgress(progress, 0, 0.5) : progress;
        const Progress second = stageProgress(progress, 0.5, 1);
        if (s.method == EmbeddingLayoutMethod::Pca) {
            const PcaResult r = pcaLayout(data, run.dim, s.dims, first);
            job.coordinates = r.coordinates;
            if (both) job.geneCoordinates = pcaLayout(run.gene, run.dim, s.dims, second).coordinates;
            double explained = 0;
            for (const double v : r.explainedVarianceRatio) explained += v;
            job.note = QObject::tr("PCA of %1 points: the %2 components explain %3% of the variance.")
                           .arg(static_cast<qint64>(data.size()) / run.dim)
                           .arg(s.dims)
                           .arg(100 * explained, 0, 'f', 1);
        } else {
            UmapOptions o;
            o.nComponents = s.dims;
            o.seed = s.seed;
            o.threads = 1;  // one core stays with the GUI (and a training, when one runs)
            const UmapResult r = umapLayout(data, run.dim, o, first);
            job.coordinates = r.coordinates;
            if (both) job.geneCoordinates = umapLayout(run.gene, run.dim, o, second).coordinates;
            job.note = QObject::tr("UMAP of %1 points (15 neighbours, min_dist 0.1, %2 epochs, seed %3).")
                           .arg(static_cast<qint64>(data.size()) / run.dim)
                           .arg(r.epochs)
                           .arg(s.seed);
        }
    return job;
}


}  // namespace

EmbeddingExplorer::EmbeddingExplorer(TaskService* tasks, QWidget* parent) : QWidget(parent), tasks_(tasks) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto* controls = new QHBoxLayout;
    method_ = new QComboBox(this);
    method_->addItems({QStringLiteral("UMAP"), QStringLiteral("PCA")});
    method_->setToolTip(tr("UMAP (umap-learn's algorithm, seed fixed) or exact PCA"));
    points_ = new QComboBox(this);
    points_->addItems({tr("Image embeddings"), tr("Gene embeddings"), tr("Joint (image + gene)"), tr("Image | gene, side by side")});
    dims_ = new QComboBox(this);
    dims_->addItems({QStringLiteral("2-D"), QStringLiteral("3-D")});
    colourBy_ = new QComboBox(this);
    colourBy_->addItem(tr("Colour: section"), QStringLiteral("section"));
    colourBy_->addItem(tr("Colour: donor"), QStringLiteral("donor"));
    colourBy_->addItem(tr("Colour: alignment"), QStringLiteral("alignment"));
    colourBy_->addItem(tr("Colour: as on the slide"), QStringLiteral("slide"));
    colourBy_->addItem(tr("Colour: modality"), QStringLiteral("modality"));
    colourBy_->setToolTip(tr("\u201Cas on the slide\u201D uses the gene, annotation or map the slide's spots show"));
    for (QComboBox* c : {method_, points_, dims_, colourBy_}) controls->addWidget(c);
    compute_ = new QPushButton(tr("Lay Out"), this);
    cancel_ = new QPushButton(tr("Cancel"), this);
    cancel_->setEnabled(false);
    controls->addWidget(compute_);
    controls->addWidget(cancel_);
    auto* exportButton = new QPushButton(tr("Export\u2026"), this);
    exportButton->setToolTip(tr("Export the embedding view with its legend: PNG, or SVG with every point as a circle"));
    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export embedding view"), QStringLiteral("embedding.png"),
                                                          tr("PNG images (*.png);;SVG, points and legend as vectors (*.svg)"));
        if (path.isEmpty()) return;
        const QString error = path.endsWith(QStringLiteral(".svg"), Qt::CaseInsensitive) ? exportSvg(path) : exportPng(path);
        showMessage(error.isEmpty() ? tr("Exported %1").arg(path) : error);
    });
    controls->addWidget(exportButton);
    layout->addLayout(controls);
    auto* status = new QHBoxLayout;
    progress_ = new QProgressBar(this);
    progress_->setRange(0, 1000);
    progress_->setMaximumWidth(160);
    progress_->setVisible(false);
    connect(tasks_, &TaskService::progressed, this, [this](const QString& key, double fraction, const QString&) {
        if (key == kLayoutTask) progress_->setValue(static_cast<int>(fraction * 1000));
    });
    message_ = new QLabel(tr("Open a run (File \u25B8 Open Run Results) or train one to explore its embeddings."), this);
    message_->setWordWrap(true);
    status->addWidget(progress_);
    status->addWidget(message_, 1);
    layout->addLayout(status);

    auto* split = new QSplitter(Qt::Vertical, this);
    auto* views = new QSplitter(Qt::Horizontal, split);
    scatter_ = new EmbeddingScatterView(views);
    scatter_->setMinimumHeight(220);
    geneScatter_ = new EmbeddingScatterView(views);
    geneScatter_->setVisible(false);
    views->addWidget(scatter_);
    views->addWidget(geneScatter_);
    batch_ = new BatchEffectsPanel(tasks_, split);
    split->addWidget(views);
    split->addWidget(batch_);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    split->setSizes({700, 260});  // the plot first; the table scrolls
    layout->addWidget(split, 1);

    connect(compute_, &QPushButton::clicked, this, &EmbeddingExplorer::computeLayout);
    connect(cancel_, &QPushButton::clicked, this, &EmbeddingExplorer::cancelLayout);
    for (QComboBox* c : {method_, points_, dims_})
        connect(c, &QComboBox::activated, this, [this] {
            Q_EMIT settingsChanged();
            if (run_) computeLayout();
        });
    connect(colourBy_, &QComboBox::currentIndexChanged, this, [this] {
        Q_EMIT settingsChanged();
        applyColouring();
    });
    for (EmbeddingScatterView* view : {scatter_, geneScatter_}) {
        connect(view, &EmbeddingScatterView::selectionChanged, this, [this, view] {
            if (updatingSelection_) return;
            std::vector<std::int64_t> rows;
            for (const std::int64_t p : view->selection()) rows.push_back(rowOfPoint(p));
            std::sort(rows.begin(), rows.end());
            rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
            applySelection(rows);  // joint: both points of each row and their link; side by side: the other view
            QList<qint64> out(rows.begin(), rows.end());
            Q_EMIT rowsSelected(out);
        });
        connect(view, &EmbeddingScatterView::pointHovered, this, [this](qint64 p) { Q_EMIT rowHovered(p < 0 ? -1 : rowOfPoint(p)); });
        connect(view, &EmbeddingScatterView::pointActivated, this, [this](qint64 p) { Q_EMIT rowActivated(rowOfPoint(p)); });
    }
}

EmbeddingExplorer::~EmbeddingExplorer() = default;

void EmbeddingExplorer::showMessage(const QString& text) { message_->setText(text); }
QString EmbeddingExplorer::message() const { return message_->text(); }

QString EmbeddingExplorer::exportPng(const QString& path) const {
    // grab() composites the VTK frame with the legend overlay.
    QImage image = scatter_->grab().toImage();
    if (geneScatter_->isVisible()) {
        // Side by side: both views in one image, as on screen.
        const QImage right = geneScatter_->grab().toImage();
        QImage both(image.width() + right.width(), std::max(image.height(), right.height()), QImage::Format_RGB32);
        both.fill(Qt::white);
        QPainter p(&both);
        p.drawImage(0, 0, image);
        p.drawImage(image.width(), 0, right);
        p.end();
        image = both;
    }
    QSaveFile file(path);
    if (image.isNull() || !file.open(QIODevice::WriteOnly) || !image.save(&file, "PNG") || !file.commit())
        return tr("%1: could not write the image (%2)").arg(path, file.errorString());
    return {};
}

QString EmbeddingExplorer::exportSvg(const QString& path) const {
    std::vector<std::pair<const EmbeddingScatterView*, QString>> views{{scatter_, QStringLiteral("embedding")}};
    if (geneScatter_->isVisible()) views = {{scatter_, QStringLiteral("image-embedding")}, {geneScatter_, QStringLiteral("gene-embedding")}};
    const QByteArray svg = EmbeddingScatterView::svgOfViews(views);
    if (svg.isEmpty()) {
        return tr("%1: more than %2 points are in view, too many for an SVG (export PNG instead), or the SVG could not be written")
            .arg(path)
            .arg(EmbeddingScatterView::kMaxSvgPoints);
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(svg) != svg.size() || !file.commit())
        return tr("%1: could not write the figure (%2)").arg(path, file.errorString());
    return {};
}

EmbeddingLayoutSettings EmbeddingExplorer::settings() const {
    EmbeddingLayoutSettings s;
    s.method = method_->currentIndex() == 1 ? EmbeddingLayoutMethod::Pca : EmbeddingLayoutMethod::Umap;
    s.points = static_cast<EmbeddingPoints>(points_->currentIndex());
    s.dims = dims_->currentIndex() == 1 ? 3 : 2;
    s.seed = seed_;
    return s;
}

void EmbeddingExplorer::setSettings(const EmbeddingLayoutSettings& s) {
    method_->setCurrentIndex(s.method == EmbeddingLayoutMethod::Pca ? 1 : 0);
    points_->setCurrentIndex(static_cast<int>(s.points));
    dims_->setCurrentIndex(s.dims == 3 ? 1 : 0);
    seed_ = s.seed;
    Q_EMIT settingsChanged();
    if (run_) computeLayout();
}

QString EmbeddingExplorer::colourBy() const { return colourBy_->currentData().toString(); }

void EmbeddingExplorer::setColourBy(const QString& name) {
    const int i = colourBy_->findData(name);
    if (i >= 0) colourBy_->setCurrentIndex(i);
}

void EmbeddingExplorer::setRun(std::shared_ptr<const RunEmbeddings> run) {
    run_ = std::move(run);
    // Layouts and batch metrics cost seconds of CPU (and follow every live
    // training snapshot): only for a dock that is shown; a hidden one catches
    // up when it is shown.
    if (!isVisible()) {
        staleWhileHidden_ = true;
        return;
    }
    staleWhileHidden_ = false;
    batch_->setRun(run_);
    if (!run_) return;
    if (run_->rows() <= autoLayoutRows) computeLayout();
    else showMessage(tr("%1 pairs: press Lay Out to compute the layout.").arg(run_->rows()));
}

void EmbeddingExplorer::showEvent(QShowEvent* e) {
    QWidget::showEvent(e);
    if (staleWhileHidden_) setRun(run_);
}

void EmbeddingExplorer::setSlideColouring(RowColouring colouring) {
    slideColouring_ = std::move(colouring);
    if (colourBy() == QLatin1String("slide")) applyColouring();
}

void EmbeddingExplorer::cancelLayout() { tasks_->cancel(kLayoutTask); }

void EmbeddingExplorer::computeLayout() {
    if (!run_) return;
    const EmbeddingLayoutSettings s = settings();
    const auto run = run_;
    computing_ = true;
    compute_->setEnabled(false);
    cancel_->setEnabled(true);
    progress_->setValue(0);
    progress_->setVisible(true);
    showMessage(tr("Laying out %1 %2\u2026").arg(run->rows()).arg(s.method == EmbeddingLayoutMethod::Pca ? tr("pairs by PCA") : tr("pairs by UMAP")));
    // A newer layout (another run, other settings) replaces one still running.
    tasks_->run<EmbeddingLayoutResult>(
        kLayoutTask, tr("Laying out the embeddings"),
        [run, s](const Progress& progress) {
            runBelowTheGui();
            return layOut(*run, s, progress);
        },
        [this, run, s](TaskOutcome<EmbeddingLayoutResult> outcome) {
            finishLayout(outcome.ok() ? &*outcome.value : nullptr, outcome.error, outcome.cancelled, run, s);
        });
}

void EmbeddingExplorer::finishLayout(const EmbeddingLayoutResult* result, const QString& error, bool cancelled,
                                     const std::shared_ptr<const RunEmbeddings>& run, const EmbeddingLayoutSettings& s) {
    computing_ = false;
    compute_->setEnabled(true);
    cancel_->setEnabled(false);
    progress_->setVisible(false);
    if (cancelled) return showMessage(tr("Layout cancelled."));
    if (!result) {
        const QString message = tr("Could not lay out the embeddings: %1").arg(error);
        showMessage(message);
        Q_EMIT layoutFailed(message);
        return;
    }
    const EmbeddingLayoutResult& job = *result;
    const std::vector<std::int64_t> keep = laidOut_ && laidOut_->rows() == run->rows() ? selectedRows() : std::vector<std::int64_t>{};
    laidOut_ = run;
    laidOutPoints_ = s.points;
    layout_ = job.coordinates;
    layoutDims_ = job.dims;
    updatingSelection_ = true;
    scatter_->setPoints(job.coordinates, job.dims);
    geneScatter_->setVisible(s.points == EmbeddingPoints::SideBySide);
    if (s.points == EmbeddingPoints::SideBySide) geneScatter_->setPoints(job.geneCoordinates, job.dims);
    updatingSelection_ = false;
    applyColouring();
    applySelection(keep);
    showMessage(job.note);
    Q_EMIT layoutReady();
}

void EmbeddingExplorer::showHoveredRow(std::int64_t row) {
    for (EmbeddingScatterView* view : {scatter_, geneScatter_}) {
        if (row >= 0 && rowOfPoint(view->hoveredPoint()) == row) continue;  // already on it (a joint view's gene point)
        view->showHovered(laidOut_ && row >= 0 && row < laidOut_->rows() ? row : -1);
    }
}

std::int64_t EmbeddingExplorer::rowOfPoint(std::int64_t point) const {
    if (!laidOut_) return -1;
    const std::int64_t n = laidOut_->rows();
    return laidOutPoints_ == EmbeddingPoints::Joint && point >= n ? point - n : point;
}

void EmbeddingExplorer::applyColouring() {
    if (!laidOut_ || scatter_->pointCount() == 0) return;
    colourView(scatter_, QString());
    if (laidOutPoints_ == EmbeddingPoints::SideBySide) colourView(geneScatter_, tr(" (gene)"));
}

void EmbeddingExplorer::colourView(EmbeddingScatterView* view, const QString& suffix) {
    const RunEmbeddings& run = *laidOut_;
    const std::int64_t n = run.rows();
    const bool joint = laidOutPoints_ == EmbeddingPoints::Joint;
    const auto perPoint = [&](const auto& perRow) {
        using T = typename std::decay_t<decltype(perRow)>::value_type;
        std::vector<T> out(perRow);
        if (joint) out.insert(out.end(), perRow.begin(), perRow.end());
        return out;
    };
    const QString by = colourBy();
    if (by == QLatin1String("alignment")) {
        const std::vector<float> cosine = pairCosine(EmbeddingView(run.image, run.dim), EmbeddingView(run.gene, run.dim));
        // The 1st-99th percentile, as the slide's alignment map.
        const std::vector<double> range = percentiles(cosine, {1.0, 99.0});
        const double lo = range[0], hi = range[1] > range[0] ? range[1] : range[0] + 1.0;
        view->setValues(perPoint(cosine), QStringLiteral("coolwarm"), lo, hi, tr("alignment (cosine)") + suffix);
    } else if (by == QLatin1String("slide") && static_cast<std::int64_t>(slideColouring_.values.size()) == n) {
        if (!slideColouring_.categories.isEmpty()) {
            std::vector<int> codes;
            for (const float v : slideColouring_.values) codes.push_back(std::isfinite(v) ? static_cast<int>(v) : -1);
            view->setCategories(perPoint(codes), slideColouring_.categories, slideColouring_.title + suffix);
        } else {
            view->setValues(perPoint(slideColouring_.values), slideColouring_.colormap, slideColouring_.lo, slideColouring_.hi,
                                slideColouring_.title + suffix);
        }
    } else if (by == QLatin1String("modality") && joint) {
        std::vector<int> codes(static_cast<std::size_t>(2 * n), 0);
        std::fill(codes.begin() + n, codes.end(), 1);
        view->setCategories(std::move(codes), {tr("image"), tr("gene")}, tr("modality"));
    } else if (by == QLatin1String("donor")) {
        QStringList donors;
        const std::vector<int> codes = batchCodes(run, QStringLiteral("donor"), donors);
        view->setCategories(perPoint(codes), donors, tr("donor") + suffix);
    } else {
        // By section (also the fallback when the chosen colouring does not apply).
        std::map<std::string, int> code;
        QStringList names;
        for (const auto& s : run.sections()) {
            code.emplace(s, static_cast<int>(names.size()));
            names << QString::fromStdString(s);
        }
        std::vector<int> codes;
        codes.reserve(run.section.size());
        for (const auto& s : run.section) codes.push_back(code[s]);
        view->setCategories(perPoint(codes), names, tr("section") + suffix);
    }
}

std::vector<std::int64_t> EmbeddingExplorer::selectedRows() const {
    std::vector<std::int64_t> rows;
    for (const std::int64_t p : scatter_->selection()) rows.push_back(rowOfPoint(p));
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    return rows;
}

void EmbeddingExplorer::applySelection(const std::vector<std::int64_t>& rows) {
    if (!laidOut_) return;
    const std::int64_t n = laidOut_->rows();
    std::vector<std::int64_t> points;
    std::vector<std::pair<std::int64_t, std::int64_t>> links;
    for (const std::int64_t r : rows) {
        if (r < 0 || r >= n) continue;
        points.push_back(r);
        if (laidOutPoints_ == EmbeddingPoints::Joint) {
            points.push_back(n + r);
            links.emplace_back(r, n + r);
        }
    }
    updatingSelection_ = true;
    if (laidOutPoints_ == EmbeddingPoints::SideBySide) geneScatter_->setSelection(points);
    scatter_->setSelection(std::move(points));
    // Lines between a spot's two embeddings; for a few spots only, or they hide the cloud.
    if (links.size() <= 200) scatter_->setLinks(std::move(links));
    else scatter_->clearLinks();
    updatingSelection_ = false;
}

void EmbeddingExplorer::setSelectedRows(const std::vector<std::int64_t>& rows) { applySelection(rows); }

}  // namespace hescape
