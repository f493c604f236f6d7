// loadGridSections: the same slide and data set loaders as the main window,
// the same placement of spots on the slide (placeSpotsOnSlide), then one
// conversion of slide pixels to the grid's unit.
#include "app/studio/SectionGridSections.h"

#include "app/studio/DatasetLoadTask.h"
#include "app/studio/SlideLoadTask.h"
#include "core/spatial/DatasetOpener.h"
#include "core/spatial/SpotPlacement.h"
#include "widgets/common/RgbaQImage.h"

#include <algorithm>

namespace hescape {

namespace {

constexpr int kThumbnailSide = 768;
constexpr std::int64_t kMaxLevelPixels = std::int64_t{16} << 20;

// The slide's coarse picture, at most kThumbnailSide on its longer side; null
// when even its coarsest level is too large to read whole.
QImage thumbnailOf(const Slide& slide) {
    const double side = static_cast<double>(std::max(slide.width(), slide.height()));
    const int level = slide.bestLevelForDownsample(side / kThumbnailSide);
    const auto& lv = slide.level(level);
    if (lv.width * lv.height > kMaxLevelPixels) return {};
    const QImage image = toQImage(slide.readRegion(level, 0, 0, static_cast<int>(lv.width), static_cast<int>(lv.height)));
    return image.width() > kThumbnailSide || image.height() > kThumbnailSide
               ? image.scaled(kThumbnailSide, kThumbnailSide, Qt::KeepAspectRatio, Qt::SmoothTransformation)
               : image;
}

struct PixelSize {
    double x = 1, y = 1;
    bool known = false;
};

}  // namespace

GridSections loadGridSections(const QString& folder, const Progress& progress) {
    GridSections out;
    out.folder = folder;
    const auto found = slidesWithDataIn(folder);
    std::vector<PixelSize> sizes;
    for (qsizetype i = 0; i < found.size(); ++i) {
        const SlideWithData& s = found[i];
        progress.update(static_cast<double>(i) / static_cast<double>(found.size()), "Reading " + s.name.toStdString());
        progress.throwIfCancelled();
        const SlideLoadResult slide = loadSlide(s.slide, AssociatedImageDecoding::Skip);
        if (!slide.slide) {
            out.notes << QStringLiteral("%1: %2").arg(s.name, slide.error);
            continue;
        }
        DatasetLoadResult data = loadDataset(s.dataset);
        if (!data.dataset) {
            out.notes << QStringLiteral("%1: %2").arg(s.name, data.error);
            continue;
        }
        GridSection g{s.name, s.dataset, {}, data.dataset, std::move(data.librarySizes)};
        try {
            SpotPlacement placed = placeSpotsOnSlide(*g.dataset, transformForSlide(*g.dataset, s.slide.toStdString()));
            g.panel = {s.name, thumbnailOf(*slide.slide), static_cast<double>(slide.slide->width()), static_cast<double>(slide.slide->height()),
                       std::move(placed.xy), placed.radius, placed.square};
        } catch (const std::exception& e) {  // a tile that cannot be read, a transform that cannot be made
            out.notes << QStringLiteral("%1: %2").arg(s.name, QString::fromUtf8(e.what()));
            continue;
        }
        PixelSize size;
        if (const auto mpp = slide.slide->micronsPerPixel()) size = {mpp->x, mpp->y, true};
        else out.notes << QStringLiteral("%1: the slide has no pixel size, so all sections are drawn in pixels").arg(s.name);
        sizes.push_back(size);
        out.sections.push_back(std::move(g));
    }
    out.micrometres = std::all_of(sizes.begin(), sizes.end(), [](const PixelSize& p) { return p.known; });
    if (out.micrometres)
        for (std::size_t i = 0; i < out.sections.size(); ++i) {
            SectionPanel& p = out.sections[i].panel;
            for (std::size_t k = 0; k + 1 < p.xy.size(); k += 2) {
                p.xy[k] = static_cast<float>(p.xy[k] * sizes[i].x);
                p.xy[k + 1] = static_cast<float>(p.xy[k + 1] * sizes[i].y);
            }
            p.width *= sizes[i].x;
            p.height *= sizes[i].y;
            p.radius *= sizes[i].x;
        }
    progress.update(1.0, "Read " + std::to_string(out.sections.size()) + " sections");
    return out;
}

}  // namespace hescape
