// DonorSplits: runs in ClipTrainer::prepare once the data sets are read,
// because a donor may come from the data set itself.
#include "core/engine/DonorSplits.h"

#include "core/engine/ClipTrainer.h"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace hescape {

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

std::string joined(const std::set<std::string>& s) {
    std::string out;
    for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
    return out;
}

}  // namespace

SectionDonor sectionDonor(const SectionInput& section, const SpatialDataset& dataset) {
    if (!section.donor.empty()) return {section.donor, "configuration"};
    for (const char* name : {"donor", "donor_id", "patient", "patient_id"}) {
        const ObsColumn* column = dataset.obsColumn(name);
        if (!column) continue;
        std::set<std::string> values;
        for (std::size_t i = 0; i < column->size(); ++i)
            if (const auto v = column->text(i); !v.empty()) values.insert(v);
        if (values.empty()) continue;
        if (values.size() > 1)
            throw DatasetError(dataset.source + ": obs column '" + name + "' names " + std::to_string(values.size()) + " donors (" +
                               joined(values) + ") in section " + section.name + "; give the section's \"donor\" in the configuration");
        return {*values.begin(), "obs column '" + std::string(name) + "'"};
    }
    return {section.name, "section name"};
}

DonorSplit applyDonorSplits(TrainConfig& config, const std::vector<SectionDonor>& donors) {
    DonorSplit out;
    std::set<std::string> known;
    for (std::size_t k = 0; k < config.sections.size(); ++k) {
        out.donorOf[config.sections[k].name] = donors[k].donor;
        known.insert(donors[k].donor);
        if (donors[k].source == "section name")
            out.notes.push_back("section " + config.sections[k].name + " names no donor: it is taken as its own donor");
    }
    for (const auto* list : {&config.testDonors, &config.validationDonors})
        for (const auto& d : *list)
            if (!known.count(d)) throw std::invalid_argument("donor " + d + " is named in the splits but no section has it (donors: " + joined(known) + ")");
    if (!config.testDonors.empty()) {
        // Sections named for validation stay there (e.g. one section of a training donor, for early stopping).
        const std::vector<std::string> namedValidation = config.validation;
        config.train.clear();
        config.validation.clear();
        config.test.clear();
        for (const auto& s : config.sections) {
            const std::string& d = out.donorOf[s.name];
            if (contains(config.testDonors, d)) config.test.push_back(s.name);
            else if (contains(config.validationDonors, d) || contains(namedValidation, s.name)) config.validation.push_back(s.name);
            else config.train.push_back(s.name);
        }
    }
    std::set<std::string> trainDonors, shared;
    for (const auto& s : config.train) trainDonors.insert(out.donorOf[s]);
    for (const auto& s : config.test)
        if (trainDonors.count(out.donorOf[s])) shared.insert(s + " (donor " + out.donorOf[s] + ")");
    out.donorSafe = shared.empty();
    if (!shared.empty() && !config.allowSharedDonors)
        throw std::invalid_argument("test section(s) " + joined(shared) + " share a donor with the training sections: the test would "
                                    "not show whether alignment crosses donors. Split by donor (\"test_donors\"), or set "
                                    "\"allow_shared_donors\": true to test within donors anyway");
    if (!shared.empty()) out.notes.push_back("not donor-safe: test section(s) " + joined(shared) + " share a donor with training");
    return out;
}

}  // namespace hescape
