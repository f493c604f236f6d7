// shuffleEpoch: the three sampling modes as permutations of the epoch, so a
// checkpoint (which stores the order) resumes any of them exactly.
#include "core/engine/BatchRobustness.h"

#include <algorithm>
#include <map>

namespace hescape {

namespace {

// Each section's pairs, shuffled; sections in sorted name order.
std::vector<std::vector<std::int64_t>> shuffledSections(const std::vector<std::int64_t>& order, const std::vector<std::string>& sections,
                                                        std::mt19937_64& rng) {
    std::map<std::string, std::vector<std::int64_t>> bySection;
    for (const auto i : order) bySection[sections[static_cast<std::size_t>(i)]].push_back(i);
    std::vector<std::vector<std::int64_t>> out;
    for (auto& [name, rows] : bySection) {
        std::sort(rows.begin(), rows.end());  // independent of the incoming order
        std::shuffle(rows.begin(), rows.end(), rng);
        out.push_back(std::move(rows));
    }
    return out;
}

void balanced(std::vector<std::int64_t>& order, std::vector<std::vector<std::int64_t>> groups) {
    // Round robin from a shuffled start, so no section always leads a batch.
    order.clear();
    std::vector<std::size_t> next(groups.size(), 0);
    for (bool any = true; any;) {
        any = false;
        for (std::size_t g = 0; g < groups.size(); ++g) {
            if (next[g] >= groups[g].size()) continue;
            order.push_back(groups[g][next[g]++]);
            any = true;
        }
    }
}

void withinSection(std::vector<std::int64_t>& order, const std::vector<std::vector<std::int64_t>>& groups, std::int64_t batch,
                   std::mt19937_64& rng) {
    std::vector<std::vector<std::int64_t>> full;
    std::vector<std::int64_t> rest;
    for (const auto& g : groups) {
        std::size_t i = 0;
        for (; i + static_cast<std::size_t>(batch) <= g.size(); i += static_cast<std::size_t>(batch))
            full.emplace_back(g.begin() + static_cast<std::ptrdiff_t>(i), g.begin() + static_cast<std::ptrdiff_t>(i + static_cast<std::size_t>(batch)));
        rest.insert(rest.end(), g.begin() + static_cast<std::ptrdiff_t>(i), g.end());
    }
    std::shuffle(full.begin(), full.end(), rng);
    std::shuffle(rest.begin(), rest.end(), rng);
    order.clear();
    for (const auto& b : full) order.insert(order.end(), b.begin(), b.end());
    order.insert(order.end(), rest.begin(), rest.end());  // the section remainders mix in the last batches
}

}  // namespace

void shuffleEpoch(std::vector<std::int64_t>& order, const std::vector<std::string>& sections, std::int64_t batch,
                  BatchSampling sampling, std::mt19937_64& rng) {
    if (sampling == BatchSampling::Random) {
        std::shuffle(order.begin(), order.end(), rng);
        return;
    }
    auto groups = shuffledSections(order, sections, rng);
    if (sampling == BatchSampling::Balanced) {
        std::shuffle(groups.begin(), groups.end(), rng);
        balanced(order, std::move(groups));
    } else {
        withinSection(order, groups, std::max<std::int64_t>(1, batch), rng);
    }
}

}  // namespace hescape
