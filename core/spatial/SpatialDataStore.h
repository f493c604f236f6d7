// SpatialData stores (scverse spatialdata, as spatialdata-io, napari-spatialdata
// and Vitessce use them): one Zarr store (v2 or v3) with the element groups
// images/, labels/, points/, shapes/ and tables/ (spatialdata's
// _io/io_zarr.py). This lists the elements with their coordinate systems
// (for `hescape info`) and reads a study into a SpatialDataset: a table
// (AnnData, AnnDataZarrReader) joined through its region / region_key /
// instance_key annotation to the shapes it annotates (SpatialDataShapes),
// each observation placed at its shape's centre, and one transform from the
// dataset's coordinates to the level-0 pixels of an image element, which the
// caller opens with the OME-Zarr slide backend (OmeZarrSlide) at imagePath.
#pragma once

#include "core/common/Progress.h"
#include "core/spatial/SpatialDataTransforms.h"
#include "core/spatial/SpatialDataset.h"

#include <optional>
#include <string>
#include <vector>

namespace hescape {

struct SpatialDataElement {
    std::string kind;  // "images", "labels", "points", "shapes", "tables"
    std::string name;
    std::string path;  // its folder; for images and labels, what OmeZarrSlide opens
    std::vector<ElementTransform> transforms;  // to each coordinate system (none for tables)
    std::string detail;  // e.g. "3 levels, axes c y x" or "annotates shapes 'spots' (region_key 'region', instance_key 'spot_id')"
    std::string error;   // why its metadata could not be read; empty when it could
};

struct SpatialDataListing {
    std::string path;
    int zarrFormat = 2;
    std::string version;  // the container format ("0.1", "0.2"); empty for pre-versioned stores
    std::vector<SpatialDataElement> elements;  // by kind, then name
    std::vector<std::string> coordinateSystems;  // every system some element maps to, sorted

    const SpatialDataElement* find(const std::string& kind, const std::string& name) const;
};

// A Zarr group (not an AnnData or OME-NGFF image group) with spatialdata_attrs
// or at least one of the element groups. Cheap: metadata files only.
bool isSpatialDataStore(const std::string& path);

// Throws DatasetError when `path` is not a store; an element whose metadata is
// damaged is listed with its error.
SpatialDataListing listSpatialDataStore(const std::string& path);

struct SpatialDataOptions {
    std::string table;             // empty: the store's only table
    std::string coordinateSystem;  // empty: "global" when the shapes map to it, else the first they share
    std::string image;             // empty: the image with the finest level-0 pixels in that system
    bool withoutImage = false;     // map into the coordinate system itself, whatever images there are
};

// What readSpatialDataStore chose (ds.metadata keeps the same in its keys).
struct SpatialDataChoice {
    std::string table;
    std::vector<std::string> shapes;  // the elements the table's rows annotate
    std::string coordinateSystem;
    std::string image;      // empty when none
    std::string imagePath;  // its folder, for OmeZarrSlide
    std::optional<double> micronsPerPixel;  // of the image's level 0 (or of the system), when the store's units say
};

// Reads the table and the shapes it annotates. ds.coordinates are the shapes'
// centres in the element's own units when the rows annotate one element (in
// the coordinate system's when several); ds.toSlide maps them to the chosen
// image's level-0 pixels (into the coordinate system without an image);
// ds.spotDiameter is 2 x radius (or a polygon's equal-area diameter) when all
// shapes share it, else their median, with each one in obs column
// "shape_diameter". Throws DatasetError naming the store, the element and the
// field: a region naming no shapes element, an instance missing from its
// shapes or at a NaN position, a non-invertible image transform, and every
// fault of the table (readAnnDataZarr).
SpatialDataset readSpatialDataStore(const std::string& path, const SpatialDataOptions& options = {},
                                    const Progress& progress = {}, SpatialDataChoice* choice = nullptr);

// The image a store is shown on when none is chosen (what the app opens as
// the slide): the finest level-0 pixels among the images of "global" (else
// the first coordinate system). Empty when there is none. Metadata only.
std::string defaultImagePath(const SpatialDataListing& listing);

}  // namespace hescape
