// 10x Genomics feature-barcode matrices in HDF5 (Cell Ranger / Space Ranger
// / Xenium `*_feature_bc_matrix.h5`): features x barcodes CSC on disk, which
// is barcodes x features CSR in memory. Value types (int32, float64, ...) and
// index types (int32, uint32, int64) all accepted; the Cell Ranger 2 layout
// (/<genome>/genes, gene_names) too.
#pragma once

#include "core/spatial/SpatialDataset.h"

namespace hescape {

struct TenxMatrix {
    std::vector<std::string> barcodes;
    std::vector<std::string> featureIds;
    std::vector<std::string> featureNames;
    std::vector<std::string> featureTypes;  // may be empty (old layout)
    ExpressionMatrix counts;                // barcodes x features, CSR
};

// Throws DatasetError naming the file and the field.
TenxMatrix readTenxMatrix(const std::string& path);

}  // namespace hescape
