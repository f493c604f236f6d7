// The coordinate transformations of SpatialData elements: the NGFF dialect
// spatialdata writes (transformations/ngff/ngff_transformations.py, to_dict
// and from_dict; transformations/transformations.py, to_ngff), one list per
// element -- a shapes or points group's "coordinateTransformations"
// attribute, an image's multiscales[0]["coordinateTransformations"] -- with
// one entry per coordinate system, named by its "output". Each entry maps the
// element's own axes (x, y for shapes; c, y, x for images) to the system's:
// identity, scale, translation, affine, rotation, mapAxis and sequence (nested,
// with the input / output axes of each step inferred as spatialdata infers
// them) are composed into one matrix over named axes, then reduced to the 2-D
// x, y map. byDimension and unknown types are refused by name.
#pragma once

#include "core/io/Json.h"
#include "core/spatial/AffineTransform.h"

#include <string>
#include <vector>

namespace hescape {

struct ElementTransform {
    std::string coordinateSystem;  // the "output" coordinate system's name
    AffineTransform toSystem;      // element x, y -> coordinate system x, y
    std::string unit;              // the system's x axis unit ("unit" is spatialdata's placeholder); may be empty
};

// Parses `list` (a JSON array). `elementAxes` are the element's own axes,
// used where a transformation names no input. `where` starts every message
// (the file and the field, e.g. "<.zattrs>: coordinateTransformations").
// Throws DatasetError for an unknown or malformed transformation, and for
// one under which x or y depends on another axis.
std::vector<ElementTransform> parseSpatialDataTransforms(const JsonValue& list, const std::vector<std::string>& elementAxes,
                                                        const std::string& where);

// Microns per unit of a coordinate system axis unit ("micrometer", "micron",
// "um", "µm", "nanometer", "millimeter"); 0 when the unit says no length
// (spatialdata's placeholder "unit", "pixel", none).
double micronsPerUnit(const std::string& unit);

}  // namespace hescape
