// One shapes element of a SpatialData store (a group under shapes/, attribute
// encoding-type "ngff:shapes"), as spatialdata's _io/io_shapes.py writes it:
// format 0.2 / 0.3 keep a GeoParquet file, shapes.parquet (geopandas
// to_parquet: WKB geometry column, a "radius" column for circles, the pandas
// index in the "pandas" metadata -- a range or a column); format 0.1 keeps
// Zarr arrays: coords, Index, radius (circles), offset0.. (polygons), with the
// geometry type in spatialdata_attrs.geos. Each shape gives its index (the id
// a table's instance_key refers to), centre and diameter (ShapeGeometry).
#pragma once

#include "core/spatial/ShapeGeometry.h"
#include "core/spatial/SpatialDataTransforms.h"

#include <string>
#include <vector>

namespace hescape {

struct ShapesElement {
    std::string name;
    std::string dir;
    std::string layout;                // "geoparquet (format 0.3)", "zarr arrays (format 0.1)", ...
    std::vector<std::string> ids;      // the index, as text (integers in decimal)
    std::vector<ShapeCentre> shapes;   // one per id
    std::vector<double> radius;        // circles: one per id; empty for polygons
    std::vector<ElementTransform> transforms;

    // 2 x radius for circles, the equal-area diameter for polygons.
    double diameter(std::size_t i) const { return radius.empty() ? shapes[i].diameter : 2 * radius[i]; }
};

// The element's coordinate transformations alone (its "axes" attribute names
// the element's axes), for listings. Throws DatasetError naming the file.
std::vector<ElementTransform> readShapesTransforms(const std::string& dir);

// The whole element. Throws DatasetError naming the file and the field (or
// row) at fault: an unknown layout or geometry type, a missing radius, ids
// that repeat, lengths that disagree.
ShapesElement readShapesElement(const std::string& dir, const std::string& name);

}  // namespace hescape
