// The metadata of a SpatialData image or labels element (an OME-NGFF
// multiscales group; spatialdata's _io/io_raster.py): its axes, level count
// and the transformations of its level-0 pixels to each coordinate system,
// which spatialdata keeps in multiscales[0]["coordinateTransformations"]
// (overwrite_coordinate_transformations_raster; .zattrs for Zarr v2, the
// "ome" attributes of zarr.json for v3). As spatialdata does, the per-level
// dataset transformations are left to the image reader (OmeZarrSlide): level
// 0's array pixels are the element's own x, y.
#pragma once

#include "core/spatial/SpatialDataTransforms.h"

#include <string>
#include <vector>

namespace hescape {

struct RasterElement {
    std::vector<std::string> axes;  // e.g. c, y, x
    int levels = 0;
    std::vector<ElementTransform> transforms;
};

// Throws DatasetError naming the metadata file and the field at fault.
RasterElement readRasterElement(const std::string& dir);

}  // namespace hescape
