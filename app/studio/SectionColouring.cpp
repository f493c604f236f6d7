// colourOtherSections: per other section of the run, read its data set (once),
// compute the colouring there, and put each observation's value on its run row.
#include "app/studio/SectionColouring.h"

#include "core/eval/SimilarityMaps.h"
#include "core/spatial/DatasetOpener.h"

#include <QDir>
#include <QFileInfo>

#include <cmath>
#include <limits>

namespace hescape {

std::size_t SectionDatasets::reads() const {
    const std::lock_guard lock(mutex_);
    return reads_;
}

SectionDatasets::Entry SectionDatasets::get(const std::string& path) {
    {
        const std::lock_guard lock(mutex_);
        if (const auto it = entries_.find(path); it != entries_.end()) return it->second;
    }
    // Read outside the lock: two threads may read the same file once each,
    // which costs time but never blocks another section's read.
    auto ds = std::make_shared<SpatialDataset>(openSpatialDataset(path));
    // No column index (it would double the memory each section holds): on this
    // worker thread a binary search of the sorted rows per gene is quick enough.
    ds->expression.checkSortedRows();
    ds->geneIndex({});  // builds the gene lookup now: it is filled on first use, and the entry is shared across threads
    Entry e{ds, ds->expression.rowSums()};
    const std::lock_guard lock(mutex_);
    ++reads_;
    return entries_.emplace(path, std::move(e)).first->second;
}

OtherSectionsColouring colourOtherSections(const RunEmbeddings& run, const QString& folder, const QString& openSection,
                                           const ColouringRequest& request, const QStringList& categories,
                                           SectionDatasets& datasets) {
    OtherSectionsColouring out;
    out.values.assign(static_cast<std::size_t>(run.rows()), std::numeric_limits<float>::quiet_NaN());
    out.categories = categories;
    const QDir dir(folder);
    for (const std::string& name : run.sections()) {
        const QString section = QString::fromStdString(name);
        if (section == openSection) continue;
        const QString path = dir.filePath(section + QStringLiteral(".h5ad"));
        if (!QFileInfo::exists(path)) {
            out.notes << QStringLiteral("%1: no %1.h5ad in %2").arg(section, folder);
            continue;
        }
        try {
            const SectionDatasets::Entry e = datasets.get(path.toStdString());
            const ColouringValues v = colouringValues(*e.dataset, request, e.librarySizes);
            if (v.categories.empty() != categories.isEmpty()) {
                // The same column name holds numbers in one section and categories in the other.
                out.notes << QStringLiteral("%1: %2 holds %3 there, %4 here")
                                 .arg(section, QString::fromStdString(request.annotation),
                                      v.categories.empty() ? QStringLiteral("numbers") : QStringLiteral("categories"),
                                      v.categories.empty() ? QStringLiteral("categories") : QStringLiteral("numbers"));
                continue;
            }
            // This section's category codes as codes into out.categories.
            std::vector<float> code(v.categories.size());
            for (std::size_t k = 0; k < v.categories.size(); ++k) {
                const QString c = QString::fromStdString(v.categories[k]);
                auto at = out.categories.indexOf(c);
                if (at < 0) {
                    at = out.categories.size();
                    out.categories << c;
                }
                code[k] = static_cast<float>(at);
            }
            const std::vector<std::int64_t> rowOfObs = matchObservations(run, name, e.dataset->obsNames);
            for (std::size_t obs = 0; obs < rowOfObs.size() && obs < v.values.size(); ++obs) {
                const std::int64_t row = rowOfObs[obs];
                if (row < 0) continue;
                float value = v.values[obs];
                if (!code.empty() && !std::isnan(value)) {
                    const auto k = static_cast<std::size_t>(value);
                    value = k < code.size() ? code[k] : std::numeric_limits<float>::quiet_NaN();
                }
                out.values[static_cast<std::size_t>(row)] = value;
                ++out.rowsColoured;
            }
        } catch (const std::exception& e) {
            out.notes << QStringLiteral("%1: %2").arg(section, QString::fromStdString(e.what()));
        }
    }
    return out;
}

}  // namespace hescape
