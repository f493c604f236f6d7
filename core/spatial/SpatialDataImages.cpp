// SpatialDataImages: multiscales[0] of an image or labels group.
#include "core/spatial/SpatialDataImages.h"

#include "core/io/ZarrHierarchy.h"
#include "core/spatial/SpatialDataset.h"

namespace hescape {

RasterElement readRasterElement(const std::string& dir) {
    const std::string file = zarrAttributesFile(dir);
    JsonValue attrs;
    try {
        attrs = zarrAttributes(dir);
    } catch (const std::runtime_error& e) {
        throw DatasetError(e.what());
    }
    const JsonValue* ome = attrs.find("ome");  // NGFF 0.5 (Zarr v3) nests its metadata here
    const JsonValue* list = (ome ? ome : &attrs)->find("multiscales");
    if (!list || !list->isArray() || list->asArray().empty()) throw DatasetError(file + ": has no OME-NGFF 'multiscales'");
    const JsonValue& ms = list->asArray().front();
    RasterElement r;
    if (const JsonValue* axes = ms.find("axes"); axes && axes->isArray()) {
        for (const auto& a : axes->asArray()) {
            const JsonValue* n = a.isString() ? &a : a.find("name");
            if (!n || !n->isString()) throw DatasetError(file + ": multiscales 'axes' has an axis without a name");
            r.axes.push_back(n->asString());
        }
    }
    if (r.axes.empty()) throw DatasetError(file + ": multiscales has no 'axes'");
    const JsonValue* datasets = ms.find("datasets");
    if (!datasets || !datasets->isArray() || datasets->asArray().empty()) throw DatasetError(file + ": multiscales has no 'datasets'");
    r.levels = static_cast<int>(datasets->asArray().size());
    const JsonValue* transforms = ms.find("coordinateTransformations");
    if (!transforms) throw DatasetError(file + ": multiscales[0] has no 'coordinateTransformations' (not written by spatialdata?)");
    r.transforms = parseSpatialDataTransforms(*transforms, r.axes, file + ": multiscales[0].coordinateTransformations");
    return r;
}

}  // namespace hescape
