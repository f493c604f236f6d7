// Reads AnnData .h5ad files (HDF5): X dense, CSR or CSC (float or integer),
// layers/counts, obs and var data frames with both categorical encodings,
// obsm arrays (obsm/spatial becomes the coordinates) and the Visium spot
// diameter from uns/spatial/<library>/scalefactors.
#pragma once

#include "core/common/Progress.h"
#include "core/spatial/SpatialDataset.h"

#include <string>

namespace hescape {

// Throws DatasetError naming the file and the field for anything missing,
// inconsistent or of an unknown encoding; CancelledError when cancelled.
SpatialDataset readAnnData(const std::string& path, const Progress& progress = {});

}  // namespace hescape
