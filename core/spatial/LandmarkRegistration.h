// Registration by landmarks: pairs of (data-set point, slide point) picked by
// the user; three or more give the least-squares affine map between them.
#pragma once

#include "core/spatial/AffineTransform.h"
#include "core/spatial/SpatialDataset.h"

#include <vector>

namespace hescape {

struct LandmarkPair {
    Point2 dataset;
    Point2 slide;
};

struct AffineFit {
    AffineTransform transform;
    double rmsError = 0;  // slide pixels, over the landmarks
};

// Throws std::invalid_argument for fewer than 3 pairs or collinear points.
AffineFit fitAffine(const std::vector<LandmarkPair>& pairs);

}  // namespace hescape
