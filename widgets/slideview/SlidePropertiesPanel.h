// The slide's metadata beside the view: summary (format, size, levels, scale),
// every vendor property (filterable), and the associated images.
#pragma once

#include "core/slide/Slide.h"

#include <QImage>
#include <QList>
#include <QPair>
#include <QWidget>

class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QTreeWidget;

namespace hescape {

class SlidePropertiesPanel : public QWidget {
    Q_OBJECT
public:
    using AssociatedImages = QList<QPair<QString, QImage>>;
    explicit SlidePropertiesPanel(QWidget* parent = nullptr);

    // nullptr clears the panel.
    void setSlide(const Slide* slide, const AssociatedImages& associated = {});
    // Re-reads the summary (e.g. after the microns per pixel were set).
    void refreshSummary();

    QTreeWidget* summaryTree() const { return summary_; }
    QTreeWidget* propertyTree() const { return properties_; }
    QListWidget* associatedList() const { return associated_; }

Q_SIGNALS:
    void setMicronsPerPixelRequested();

private:
    void applyFilter(const QString& text);

    const Slide* slide_ = nullptr;
    QTreeWidget* summary_;
    QPushButton* setMpp_;
    QLineEdit* filter_;
    QTreeWidget* properties_;
    QListWidget* associated_;
};

}  // namespace hescape
