// Where a data set's spots land on a slide: each observation's centre in
// level-0 slide pixels through the dataset -> slide transform, and the
// radius to draw them with (the format's spot diameter, else 10 um cells for
// micrometre coordinates, else 10 px); square bins also with the angle of
// their grid on the slide.
#pragma once

#include "core/spatial/AffineTransform.h"
#include "core/spatial/SpatialDataset.h"

#include <vector>

namespace hescape {

struct SpotPlacement {
    std::vector<float> xy;  // interleaved x, y per observation
    double radius = 5.0;    // level-0 pixels (a square's half side)
    bool square = false;
    double angle = 0;  // squares: radians from the slide's x axis to the bins' columns
};

SpotPlacement placeSpotsOnSlide(const SpatialDataset& ds, const AffineTransform& toSlide);

}  // namespace hescape
