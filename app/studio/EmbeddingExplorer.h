// The embedding explorer dock: a run's image embeddings, gene embeddings, or
// both (joint, with lines between a selected spot's two points) laid out by
// PCA or UMAP in 2-D or 3-D on a worker thread (progress, cancel), coloured by
// section, by alignment, or by whatever the slide's spots show (a gene, an
// annotation, a similarity map); with selection linked to the slide and the
// batch-effects panel beside it. It knows runs by row; the document maps
// rows to the open data set's observations (LinkedViews).
#pragma once

#include "app/studio/model/DocumentTypes.h"
#include "app/studio/model/RowColouring.h"

#include <QList>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;

namespace hescape {

class BatchEffectsPanel;
class TaskService;
struct EmbeddingLayoutResult;
class EmbeddingScatterView;
struct RunEmbeddings;

class EmbeddingExplorer : public QWidget {
    Q_OBJECT
public:
    // `tasks`: where layouts and batch metrics run (in the background; the
    // status bar shows their progress, this dock its own bar too).
    explicit EmbeddingExplorer(TaskService* tasks, QWidget* parent = nullptr);
    ~EmbeddingExplorer() override;

    // A new run (or a live training snapshot): lays it out again with the
    // current settings when it has at most autoLayoutRows rows, else waits
    // for Lay Out. The selection (by row) is kept where the rows still exist.
    // While the explorer is hidden nothing is computed until it is shown.
    void setRun(std::shared_ptr<const RunEmbeddings> run);
    const RunEmbeddings* run() const { return run_.get(); }
    void setSlideColouring(RowColouring colouring);
    const RowColouring& slideColouring() const { return slideColouring_; }

    EmbeddingLayoutSettings settings() const;
    void setSettings(const EmbeddingLayoutSettings& s);  // lays out again when a run is there
    // "section", "alignment" or "slide".
    QString colourBy() const;
    void setColourBy(const QString& name);

    // Starts the layout on a worker thread; emits layoutReady or layoutFailed.
    void computeLayout();
    void cancelLayout();
    bool isComputing() const { return computing_; }
    // The laid-out coordinates (points * dims), empty before the first layout.
    const std::vector<float>& layout() const { return layout_; }

    // Selection by run row (from the slide): shown without emitting rowsSelected.
    void setSelectedRows(const std::vector<std::int64_t>& rows);
    std::vector<std::int64_t> selectedRows() const;
    // Rings the point of a run row hovered in another view (-1: none), without rowHovered.
    void showHoveredRow(std::int64_t row);
    EmbeddingScatterView* scatter() const { return scatter_; }
    EmbeddingScatterView* geneScatter() const { return geneScatter_; }  // shown side by side only
    BatchEffectsPanel* batchPanel() const { return batch_; }
    QString message() const;
    // The view with its legend as PNG, written atomically; an error naming the file, or empty.
    QString exportPng(const QString& path) const;
    // The same as SVG: every drawn point as a circle, links and legend as vectors
    // (both views when side by side); an error naming the file, or empty.
    QString exportSvg(const QString& path) const;

    static constexpr std::int64_t autoLayoutRows = 20000;

Q_SIGNALS:
    void layoutReady();
    void layoutFailed(const QString& message);
    void rowsSelected(const QList<qint64>& rows);  // by the user in the embedding
    void rowHovered(qint64 row);                   // -1: none
    void rowActivated(qint64 row);                 // double-click
    void settingsChanged();                        // the layout settings or the colouring choice

protected:
    void showEvent(QShowEvent* e) override;

private:
    void finishLayout(const EmbeddingLayoutResult* result, const QString& error, bool cancelled,
                      const std::shared_ptr<const RunEmbeddings>& run, const EmbeddingLayoutSettings& s);
    void applyColouring();
    void colourView(EmbeddingScatterView* view, const QString& suffix);
    void applySelection(const std::vector<std::int64_t>& rows);
    std::int64_t rowOfPoint(std::int64_t point) const;
    void showMessage(const QString& text);

    TaskService* tasks_;
    QComboBox* method_;
    QComboBox* points_;
    QComboBox* dims_;
    QComboBox* colourBy_;
    QPushButton* compute_;
    QPushButton* cancel_;
    QProgressBar* progress_;
    QLabel* message_;
    EmbeddingScatterView* scatter_;
    EmbeddingScatterView* geneScatter_;
    BatchEffectsPanel* batch_;

    std::shared_ptr<const RunEmbeddings> run_;
    std::shared_ptr<const RunEmbeddings> laidOut_;  // the run the layout belongs to
    EmbeddingPoints laidOutPoints_ = EmbeddingPoints::Image;
    std::vector<float> layout_;
    int layoutDims_ = 2;
    RowColouring slideColouring_;
    bool computing_ = false;
    bool updatingSelection_ = false;
    std::uint64_t seed_ = 42;  // of UMAP (PCA has none)
    bool staleWhileHidden_ = false;  // a run arrived while hidden: lay it out when shown
};

}  // namespace hescape
