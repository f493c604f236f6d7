// Donor-safe splits. A section's donor is the configuration's "donor" for it,
// else the one value of its data set's obs column donor / donor_id / patient /
// patient_id, else the section's own name (then each section is taken as its
// own donor, and the run says so). With "test_donors" (and optionally
// "validation_donors"), the splits are made by donor: those donors' sections
// are tested (validated), sections named in "validation" validate, every other
// section trains. A test section whose
// donor also trains is refused unless "allow_shared_donors" is set; the run
// records every section's donor and whether its split was donor-safe.
#pragma once

#include "core/spatial/SpatialDataset.h"

#include <map>
#include <string>
#include <vector>

namespace hescape {

struct SectionInput;
struct TrainConfig;

struct SectionDonor {
    std::string donor;
    std::string source;  // "configuration", "obs column 'patient'", or "section name"
};

// Throws DatasetError when the obs column holds more than one donor.
SectionDonor sectionDonor(const SectionInput& section, const SpatialDataset& dataset);

struct DonorSplit {
    std::map<std::string, std::string> donorOf;  // section name -> donor
    bool donorSafe = true;                        // no test section's donor trains
    std::vector<std::string> notes;
};

// Fills config.train/validation/test from test_donors / validation_donors when
// they are set, then checks donor safety. Throws std::invalid_argument for a
// test section sharing a donor with training (unless allowed) and for donors
// named but not found.
DonorSplit applyDonorSplits(TrainConfig& config, const std::vector<SectionDonor>& donors);

}  // namespace hescape
