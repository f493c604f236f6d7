// A 10x Xenium output folder seen as one thing: which of its images to show
// (the morphology image of XOA 1 or XOA >= 2, or a post-Xenium H&E with its
// Xenium Explorer alignment) and the cells that belong on them. The cells'
// transform onto each image is transformForSlide's (DatasetOpener.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hescape {

class Slide;

struct XeniumBundle {
    std::string folder;
    // morphology_focus.ome.tif (XOA 1), morphology_focus/ (XOA >= 2: the first
    // channel file, whose OME-XML names the others), morphology.ome.tif, or
    // morphology_mip.ome.tif; empty when the folder has none.
    std::string morphologyImage;
    std::string heImage;      // "*he_image.ome.tif", empty if none
    std::string heAlignment;  // "*he_imagealignment.csv" beside it, empty if none
    std::optional<double> pixelSize;  // micrometres per morphology pixel, from experiment.xenium
    // Every image of the bundle a user can switch between.
    std::vector<std::string> images() const;
    // What File > Open shows: the H&E when it has an alignment, else the morphology.
    std::string preferredImage() const;
};

// The bundle at `folder` (a folder holding cell_feature_matrix.h5), or empty.
std::optional<XeniumBundle> findXeniumBundle(const std::string& folder);

// The bundle an image belongs to: the image lies in the bundle's folder or
// in its morphology_focus/ folder. Empty for other images.
std::optional<XeniumBundle> xeniumBundleOfImage(const std::string& imagePath);

// True when `imagePath` is one of the bundle's morphology images (cells map
// onto it by the pixel size alone, no alignment).
bool isXeniumMorphologyImage(const std::string& imagePath);

// Gives a morphology image that records no pixel size the bundle's
// experiment.xenium pixel size. Returns true when it did.
bool applyXeniumPixelSize(Slide& slide);

}  // namespace hescape
