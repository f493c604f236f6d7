// A HEST-1k sample (mahmoodlab/HEST, the source of HESCAPE's data) as one
// thing. HEST keeps one folder per download with a file per sample ID in each
// subfolder (HEST's iter_hest / read_HESTData): st/<id>.h5ad (the spots,
// coordinates in the WSI's full-resolution pixels), wsis/<id>.tif (the
// pyramidal H&E), metadata/<id>.json (pixel_size_um_estimated, spot_diameter
// and inter_spot_dist in um, st_technology, patient, ...), and optionally
// patches/<id>.h5 (224 px patches at 0.5 um/px: img, coords, barcode),
// tissue_seg/, transcripts/. A folder, one of its sample's files, or a
// folder and an ID resolve to the sample; its metadata gives the slide's
// pixel size (HEST's estimate, which HEST itself works with) and the spots'
// diameter. Metadata that is there but malformed is an error naming the file
// and the field.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hescape {

class Slide;
class SpatialDataset;

struct HestSample {
    std::string folder, id;
    std::string dataset, slide, metadata;  // st/<id>.h5ad, wsis/<id>.tif, metadata/<id>.json
    std::string patches;                   // patches/<id>.h5, empty when absent
    std::optional<double> pixelSize;       // um/px: pixel_size_um_estimated
    std::optional<double> spotDiameter;    // um
    std::optional<double> interSpotDistance;  // um
    std::string technology, patient;
};

// A folder with st/, wsis/ and metadata/.
bool isHestFolder(const std::string& path);
// The IDs that have all three files, sorted.
std::vector<std::string> hestSampleIds(const std::string& folder);
// The files of sample `id` of `folder` (patches only when there); no file is
// read, so it never throws: what the GUI thread may call to find paths.
HestSample hestSampleFiles(const std::string& folder, const std::string& id);
// The same with its metadata read; throws DatasetError naming the metadata
// file and the field when it is missing or malformed.
HestSample readHestSample(const std::string& folder, const std::string& id);
// The files of the sample a file belongs to (st/<id>.h5ad, wsis/<id>.tif,
// patches/<id>.h5, metadata/<id>.json of a HEST folder whose three files of
// that sample exist), or none. Reads no metadata.
std::optional<HestSample> hestSampleOfFile(const std::string& path);

// The slide's pixel size from its sample's metadata; false when the slide is
// not a HEST WSI (or the metadata has no estimate). Throws DatasetError when
// its metadata is malformed (opening the slide then says why).
bool applyHestPixelSize(Slide& slide);
// A HEST data set without its own spot size gets the metadata's (um -> px).
void applyHestSpotDiameter(SpatialDataset& ds, const HestSample& sample);

}  // namespace hescape
