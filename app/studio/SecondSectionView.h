// A second tissue beside the main slide: another section of the same folder
// (its slide and data set), its spots coloured by the open run's alignment,
// with selection linked through the run's rows — a lasso in the embedding,
// or on either tissue, shows the chosen spots on both. For comparing where
// two sections (two donors, two batches) put the same kind of spot.
#pragma once

#include <QList>
#include <QString>
#include <QWidget>

#include <memory>
#include <vector>

class QComboBox;
class QLabel;

namespace hescape {

class SlideView;
class TaskService;
class SpatialDataset;
struct RunEmbeddings;

class SecondSectionView : public QWidget {
    Q_OBJECT
public:
    // `tasks`: where the section's files are read (in the background).
    SecondSectionView(TaskService* tasks, QWidget* parent = nullptr);

    // Offers the sections (slide + data set pairs) of `folder`.
    void setFolder(const QString& folder);
    // Opens a section by name in the background; emits sectionOpened or failed.
    void openSection(const QString& name);
    QString section() const { return section_; }
    void setRun(std::shared_ptr<const RunEmbeddings> run);
    // Selection by run row: the rows of this section are selected on its tissue.
    void setSelectedRows(const std::vector<std::int64_t>& rows);
    SlideView* slideView() const { return view_; }
    QComboBox* sectionCombo() const { return sections_; }
    // This section's observation of each run row selected here (for tests).
    const std::vector<std::int64_t>& obsRows() const { return rows_; }

Q_SIGNALS:
    void sectionOpened(const QString& name);
    void failed(const QString& message);
    void rowsSelected(const QList<qint64>& rows);  // by the user on this tissue

private:
    void colourSpots();

    TaskService* tasks_;
    QComboBox* sections_;
    QLabel* message_;
    SlideView* view_;
    QString folder_, section_;
    std::shared_ptr<const SpatialDataset> dataset_;
    std::shared_ptr<const RunEmbeddings> run_;
    std::vector<std::int64_t> rows_;  // per observation of this section: its run row, or -1
    bool linking_ = false;
};

}  // namespace hescape
