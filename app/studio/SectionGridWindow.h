// View > All Sections: every section of the open data set's folder side by
// side at one scale (SectionGridView), coloured by the run's alignment, by a
// gene, or by one spot's cross-modal similarity, on one colour scale and
// legend shared by all sections -- where a user sees a batch effect on the
// tissue. Selection and hover are linked through the document's run rows to
// the slide, the embedding view and the second section (without a run, the
// open section's spots link by observation). The sections are read in the
// background; the grid exports as one figure.
#pragma once

#include "app/studio/SectionGridSections.h"
#include "app/studio/model/DocumentTypes.h"

#include <QWidget>

#include <cstdint>
#include <utility>
#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;

namespace hescape {

class SectionGridView;
class StudioDocument;
class TaskService;

class SectionGridWindow : public QWidget {
    Q_OBJECT
public:
    enum class Colouring { Alignment, Gene, Query };

    SectionGridWindow(StudioDocument* document, TaskService* tasks, QWidget* parent = nullptr);

    // Reads the sections of `folder` in the background; emits loaded or failed.
    // The sections shown meanwhile stay.
    void load(const QString& folder);
    QString folder() const { return sections_.folder; }
    const GridSections& sections() const { return sections_; }
    SectionGridView* grid() const { return grid_; }

    // `gene`: for Colouring::Gene (empty: keep the current gene).
    void setColouring(Colouring colouring, const QString& gene = {});
    Colouring colouring() const;
    // The query of Colouring::Query as a run row (-1: none); a double-click on a spot sets it too.
    void setQueryRow(std::int64_t row);
    std::int64_t queryRow() const { return queryRow_; }
    // Each panel's spots' run rows (-1: not in the run).
    const std::vector<std::vector<std::int64_t>>& rowsOfSpots() const { return rows_; }
    QString message() const;
    // PNG, or SVG for a .svg path; an error naming the file, or empty.
    QString exportFigure(const QString& path) const;

Q_SIGNALS:
    void loaded();
    void failed(const QString& message);

private:
    void buildControls();
    void chooseAndExport();
    void matchRun();
    void recolour();
    std::vector<std::vector<float>> geneValuesOfSections(const QString& gene, QStringList& notes) const;
    void showDocumentSelection(SelectionOrigin origin);
    void showDocumentHover();
    void selectFromGrid();
    void hoverFromGrid(int panel, qint64 spot);
    int openSectionPanel() const;  // the panel of the document's data set, or -1

    StudioDocument* document_;
    TaskService* tasks_;
    QComboBox* colourBy_;
    QLineEdit* gene_;
    QComboBox* normalisation_;
    QComboBox* direction_;
    QLabel* message_;
    SectionGridView* grid_ = nullptr;
    GridSections sections_;
    std::vector<std::vector<std::int64_t>> rows_;
    std::vector<std::pair<int, std::int64_t>> spotOfRow_;  // per run row: its (panel, spot), or (-1, -1)
    std::int64_t queryRow_ = -1;
    QString loadMessage_;
};

}  // namespace hescape
