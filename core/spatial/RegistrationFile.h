// Saving a user's registration (landmark pairs and the affine map fitted to
// them) beside the data set, as JSON, so it comes back next time the data set
// is opened. Written atomically (temp file + rename).
#pragma once

#include "core/spatial/LandmarkRegistration.h"

#include <optional>
#include <string>
#include <vector>

namespace hescape {

struct Registration {
    AffineTransform transform;
    std::vector<LandmarkPair> landmarks;
    std::string slide;  // file name of the slide the transform maps onto
};

// "<dataset path>.registration.json" (a folder data set: inside the folder).
std::string registrationPathFor(const std::string& datasetPath);

// Throws std::runtime_error naming the file when it cannot be written.
void saveRegistration(const std::string& path, const Registration& r);
// Empty when the file does not exist; throws std::runtime_error naming the
// file and field when it exists but is malformed.
std::optional<Registration> loadRegistration(const std::string& path);

}  // namespace hescape
