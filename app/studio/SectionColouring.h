// The slide's colouring (a gene, a gene-set score or an obs column) for the
// run rows of the other sections, so that the embedding view's "as on the
// slide" covers every section of a run and not only the open one. Each
// section's data set is <folder>/<section>.h5ad, read once on a worker thread
// and kept (SectionDatasets) for the next colouring.
#pragma once

#include "core/spatial/ExpressionValues.h"
#include "core/spatial/SpatialDataset.h"

#include <QString>
#include <QStringList>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace hescape {

struct RunEmbeddings;

// The other sections' data sets, read on first use; safe from several threads.
class SectionDatasets {
public:
    struct Entry {
        std::shared_ptr<const SpatialDataset> dataset;
        std::vector<double> librarySizes;
    };
    // Reads `path` (with its library sizes and the sorted-rows check, but no
    // column index: each section is held once, not twice) unless it is
    // already here; throws what the reader throws, naming the file.
    Entry get(const std::string& path);
    std::size_t reads() const;  // files read so far

private:
    mutable std::mutex mutex_;
    std::map<std::string, Entry> entries_;
    std::size_t reads_ = 0;
};

struct OtherSectionsColouring {
    std::vector<float> values;  // per run row; NaN for rows of the open section and of sections left out
    QStringList categories;     // the open section's categories, then names only other sections have
    QStringList notes;          // each section left out, and why
    std::int64_t rowsColoured = 0;
};

// `categories`: the open section's categories (empty for numbers); other
// sections' category codes are mapped onto them by name; a section whose
// column holds numbers where the open one has categories (or the reverse) is
// left out with a note.
OtherSectionsColouring colourOtherSections(const RunEmbeddings& run, const QString& folder, const QString& openSection,
                                           const ColouringRequest& request, const QStringList& categories,
                                           SectionDatasets& datasets);

}  // namespace hescape
