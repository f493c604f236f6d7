// The centre and size of one SpatialData shape, which is what a spot or cell
// observation needs: a circle (POINT + radius) keeps its centre; a POLYGON or
// MULTIPOLYGON (cell boundaries) is reduced to its area centroid and the
// diameter of the circle of equal area, 2 sqrt(area / pi). Shapes come as
// well-known binary (GeoParquet's WKB: OGC / ISO 19125, little- or
// big-endian, ISO Z/M type codes and EWKB flags; x and y are kept) or as
// rings of the ragged arrays of spatialdata's older zarr shapes layout.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hescape {

enum class ShapeKind { Point, Polygon, MultiPolygon };

struct ShapeCentre {
    ShapeKind kind = ShapeKind::Point;
    double x = 0, y = 0;
    double diameter = 0;  // 0 for points (their radius is a column of its own)
};

// Sums rings into an area centroid: the first ring of each polygon is its
// shell, the others holes, whichever way they wind.
class PolygonAccumulator {
public:
    // `xy`: x0, y0, x1, y1, ...; `count` points (a closing point repeating the first is fine).
    void addRing(const double* xy, std::size_t count, bool shell);
    // Throws std::invalid_argument for shapes without area.
    ShapeCentre result(ShapeKind kind) const;

private:
    double area_ = 0, sx_ = 0, sy_ = 0;
};

// One WKB geometry; throws std::invalid_argument naming what is wrong (the
// caller adds the file and row). POINT EMPTY gives NaN coordinates.
ShapeCentre wkbShapeCentre(std::string_view wkb);

}  // namespace hescape
