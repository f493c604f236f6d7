// SimilarityMapResult: the per-mode maps and messages that used to live in
// MainWindow::applySimilarityMap, unchanged in what they compute and say.
#include "app/studio/model/SimilarityMapResult.h"

#include "core/spatial/ExpressionValues.h"
#include "core/spatial/SpatialDataset.h"

#include <QCoreApplication>

#include <algorithm>
#include <cmath>

namespace hescape {

namespace {

QString tr(const char* text) { return QCoreApplication::translate("SimilarityMapResult", text); }

QString sectionList(const RunEmbeddings& run) {
    QStringList all;
    for (const auto& s : run.sections()) all << QString::fromStdString(s);
    return all.join(QStringLiteral(", "));
}

void queryResult(const SimilarityMapRequest& rq, const RunEmbeddings& run, const std::vector<std::int64_t>& runRows,
                 const SpatialDataset& ds, std::int64_t matched, SimilarityMapResult& out) {
    const bool imageToGene = rq.mode == SimilarityMapMode::QueryImageToGene;
    out.values = queryMap(run, runRows, rq.queryObs, imageToGene);
    if (rq.queryObs < 0 || !std::isfinite(out.values[static_cast<std::size_t>(rq.queryObs)])) {
        out.message = rq.queryObs < 0 ? tr("Click a spot to query with it.") : tr("The clicked spot has no embedding in the run.");
        return;
    }
    const QString name = QString::fromStdString(ds.obsNames[static_cast<std::size_t>(rq.queryObs)]);
    out.legendTitle = imageToGene ? tr("%1's image vs genes").arg(name) : tr("%1's genes vs images").arg(name);
    const auto top = topK(out.values, rq.topK);
    const float own = out.values[static_cast<std::size_t>(rq.queryObs)];
    const auto rank = 1 + std::count_if(out.values.begin(), out.values.end(), [own](float v) { return std::isfinite(v) && v > own; });
    // Ties are shown as the range of ranks they share, never as the best of it.
    const auto tied = std::count(out.values.begin(), out.values.end(), own) - 1;
    const QString ranks = tied > 0 ? tr("%1-%2 (tied)").arg(rank).arg(rank + tied) : QString::number(rank);
    const bool found = std::find(top.begin(), top.end(), rq.queryObs) != top.end();
    out.message = tr("Query %1: its own %2 ranks %3 of %4; %5 in the top %6 (marked).")
                      .arg(name, imageToGene ? tr("gene profile") : tr("image"))
                      .arg(ranks)
                      .arg(matched)
                      .arg(found ? tr("it is") : tr("it is not"))
                      .arg(rq.topK);
    out.marked = top;
    out.shown = true;
}

void geneResult(const SimilarityMapRequest& rq, const RunEmbeddings& run, const std::vector<std::int64_t>& runRows,
                const SpatialDataset& ds, const std::vector<double>& librarySizes, SimilarityMapResult& out) {
    const auto idx = rq.gene.isEmpty() ? std::nullopt : ds.geneIndex(rq.gene.toStdString());
    if (!idx) {
        out.message = rq.gene.isEmpty() ? tr("Type a gene for its direction map.") : tr("Gene %1 is not in %2.").arg(rq.gene, rq.datasetFileName);
        return;
    }
    out.values = geneDirectionMap(run, runRows, geneValues(ds, *idx, Normalisation::Log1p, librarySizes));
    out.legendTitle = tr("%1 direction in image embeddings").arg(rq.gene);
    out.shown = true;
}

}  // namespace

SimilarityMapResult computeSimilarityMap(const SimilarityMapRequest& rq, const RunEmbeddings& run,
                                         const std::vector<std::int64_t>& runRows, const SpatialDataset& ds,
                                         const std::vector<double>& librarySizes) {
    SimilarityMapResult out;
    if (rq.mode == SimilarityMapMode::Off) return out;
    const auto matched = std::count_if(runRows.begin(), runRows.end(), [](std::int64_t r) { return r >= 0; });
    if (matched == 0) {
        out.message = tr("The run has no embeddings for the spots of %1 (its sections: %2).").arg(rq.section, sectionList(run));
        return out;
    }
    switch (rq.mode) {
        case SimilarityMapMode::Alignment:
            out.values = alignmentMap(run, runRows);
            out.legendTitle = tr("alignment (cosine)");
            out.colormap = ColormapId::Coolwarm;
            out.message = tr("%1 of %2 spots have embeddings in the run.").arg(matched).arg(runRows.size());
            out.shown = true;
            break;
        case SimilarityMapMode::QueryImageToGene:
        case SimilarityMapMode::QueryGeneToImage: queryResult(rq, run, runRows, ds, matched, out); break;
        case SimilarityMapMode::GeneDirection:
            geneResult(rq, run, runRows, ds, librarySizes, out);
            if (out.shown) out.message = tr("%1 of %2 spots have embeddings in the run.").arg(matched).arg(runRows.size());
            break;
        case SimilarityMapMode::Off: break;
    }
    return out;
}

}  // namespace hescape
