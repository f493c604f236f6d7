// 10x Xenium output folder: cell_feature_matrix.h5 (gene-expression features
// kept; control probes and codewords summed into obs columns), cell centroids
// in micrometres from cells.csv.gz (or cells.parquet where only that is
// there, through core/io/ParquetFile), and — when present — the H&E alignment
// (*he_imagealignment.csv) which, with the morphology pixel size, maps cells
// onto the H&E slide.
#pragma once

#include "core/spatial/SpatialDataset.h"

namespace hescape {

// `path`: the Xenium output folder or its cell_feature_matrix.h5.
// `pixelSize`: micrometres per morphology-image pixel (0.2125 on Xenium; read
// from experiment.xenium when present).
SpatialDataset readXenium(const std::string& path, double pixelSize = 0.2125);

}  // namespace hescape
