// Changing the document's registration as the user does it: a landmark fit
// that is applied and saved beside the data set, or a reset to the format's
// own transform (the saved file removed). No widgets.
#pragma once

#include "core/spatial/LandmarkRegistration.h"

#include <QString>

#include <vector>

namespace hescape {

class StudioDocument;

struct RegistrationOutcome {
    QString error;    // empty on success
    QString summary;  // "Registered with N landmarks (RMS error E px), saved beside the data set"
};

// Fits an affine map to `pairs`, saves it beside the data set and applies it.
RegistrationOutcome applyLandmarks(StudioDocument& document, const std::vector<LandmarkPair>& pairs);
void resetRegistration(StudioDocument& document);

}  // namespace hescape
