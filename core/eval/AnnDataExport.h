// Writes a loaded data set with a run's results as an AnnData .h5ad that
// scanpy and anndata open: X as loaded (dense or CSR, float32), obs with the
// data set's numeric and text columns plus each spot's alignment, var with
// the gene names, obsm['spatial'] (the coordinates), obsm['X_image_emb'] and
// obsm['X_gene_emb'] (NaN rows for spots the run has no embedding for), and
// the run's metrics in uns. Written atomically (AnnData's on-disk format 0.1,
// the encoding attributes anndata >= 0.8 expects).
#pragma once

#include "core/eval/SimilarityMaps.h"
#include "core/spatial/SpatialDataset.h"

#include <map>
#include <string>
#include <vector>

namespace hescape {

struct AnnDataExportExtras {
    const RunEmbeddings* run = nullptr;  // optional
    std::vector<std::int64_t> rows;      // per observation: its row in run, or -1
    std::map<std::string, double> metrics;  // into uns['hescape_metrics']
};

// Throws Hdf5Error naming the file.
void writeAnnDataExport(const std::string& path, const SpatialDataset& dataset, const AnnDataExportExtras& extras = {});

}  // namespace hescape
