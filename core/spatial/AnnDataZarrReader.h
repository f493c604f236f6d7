// Reads an AnnData object stored as a Zarr group (Zarr v2 or v3, anndata's
// write_zarr; the table of a SpatialData store) into the parts of a
// SpatialDataset that the .h5ad reader fills: X dense or csr_matrix /
// csc_matrix (float or integer), layers/counts, obs and var data frames
// (AnnDataZarrFrame), obsm arrays (obsm/spatial becomes the coordinates).
// Also the SpatialData table annotation in uns/spatialdata_attrs.
#pragma once

#include "core/common/Progress.h"
#include "core/spatial/SpatialDataset.h"

#include <string>
#include <vector>

namespace hescape {

// `dir` is the AnnData group's folder. Every shape is checked against the
// others (X against obs and var, sparse parts against indptr, obsm against
// obs) before anything of that size is allocated. obsm/spatial also becomes
// ds.coordinates unless `spatialAsCoordinates` is false (a SpatialData table,
// whose positions come from its shapes). Throws DatasetError naming the group
// folder and the node at fault; CancelledError when cancelled.
SpatialDataset readAnnDataZarr(const std::string& dir, const Progress& progress = {}, bool spatialAsCoordinates = true);

// What a SpatialData table annotates (uns/spatialdata_attrs; the group's own
// attributes, which spatialdata also writes, fill what uns lacks).
struct SpatialDataTableAttrs {
    std::vector<std::string> regions;  // the element(s) annotated ("region", a string or a list)
    std::string regionKey;             // the obs column naming each row's element ("region_key")
    std::string instanceKey;           // the obs column holding each row's instance id ("instance_key")
};

// Empty fields where the table says nothing. Throws DatasetError for values
// of the wrong kind.
SpatialDataTableAttrs readSpatialDataTableAttrs(const std::string& dir);

}  // namespace hescape
