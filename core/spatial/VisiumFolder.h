// A Visium or Visium HD output folder as one thing: which bin folder of a
// Visium HD output opens (binned_outputs/square_NNNum), which image is its
// slide (spatial/tissue_hires_image.png, else the lowres one; the CytAssist
// image can be chosen where its map is known, VisiumCytAssist.h), which data
// folder an image belongs to, and the image's pixel size from the scale
// factors (Visium HD: microns_per_pixel; Visium: 55 um over
// spot_diameter_fullres, marked as derived), divided by the image's own
// scale factor (the CytAssist image: times its pixel's side in
// full-resolution pixels, marked as derived).
#pragma once

#include <string>
#include <vector>

namespace hescape {

class Slide;
class SpatialDataset;

struct VisiumBinFolder {
    double binMicrons = 0;
    std::string folder;
};

// The bin folders under `path` (an HD output folder, its outs/, or its
// binned_outputs/), smallest bins first; empty when there are none.
std::vector<VisiumBinFolder> visiumHdBinFolders(const std::string& path);
// The bin folder opened when none is chosen: 8 um bins where they exist (2 um
// bins of a full capture area are too many to hold), else the smallest above
// 2 um, else the smallest. Empty when `path` has no bin folders.
std::string defaultVisiumHdBinFolder(const std::string& path);

// A Visium data folder (matrix .h5 + spatial/) or a Visium HD bin folder.
bool isVisiumFolder(const std::string& path);
// The image to show for such a folder; empty when its spatial/ has none.
std::string visiumImageOf(const std::string& folder);
// The data folder whose spatial/ holds `imagePath` (a tissue_*_image.png or
// cytassist_image.tiff); empty when it is not such an image. Names only.
std::string visiumFolderOfImage(const std::string& imagePath);

// Sets the pixel size of a Visium image that records none; false when the
// slide is not one (or its scale factors do not say, or the CytAssist
// image's map is not known).
bool applyVisiumPixelSize(Slide& slide);

// An image of a Visium data set's spatial/ that can be its slide.
struct VisiumSlideImage {
    std::string name;  // "hires", "lowres" or "CytAssist"
    std::string path;
    bool placed = false;  // the data set has a map onto it
    std::string note;     // how the spots are placed on it, or why they are not
};
// tissue_hires_image.png and tissue_lowres_image.png (by their scale factors)
// and cytassist_image.tiff (placed when readVisium found its map,
// ds.toImages; else ds.imageNotes says why), those that exist. Empty for
// data sets that are not Visium. Checks which files exist; reads none.
std::vector<VisiumSlideImage> visiumSlideImages(const SpatialDataset& ds);

}  // namespace hescape
