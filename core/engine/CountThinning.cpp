// Thinning draws per count, not per read: a count c becomes Binomial(c, p),
// which is what keeping each of its c reads with probability p gives.
#include "core/engine/CountThinning.h"

#include <cmath>
#include <stdexcept>

namespace hescape {

namespace {

// Counts past 2^53 are not exact in a double; none is plausible in a spot.
constexpr double kLargestCount = 9007199254740992.0;

std::int64_t wholeCount(double v, const std::string& source, const char* what) {
    if (!(v >= 0) || v > kLargestCount || std::floor(v) != v) {
        throw std::invalid_argument(source + ": thinned_copies needs raw whole counts, but a spot's " + what + " is " + std::to_string(v) +
                                    " (write the raw counts to X, or leave \"thinned_copies\" out)");
    }
    return static_cast<std::int64_t>(v);
}

}  // namespace

SpotCounts thinnedCounts(const SpotCounts& counts, int divisor, std::mt19937_64& rng, const std::string& source) {
    if (divisor < 2) throw std::invalid_argument("thinning divisor " + std::to_string(divisor) + " is not above 1");
    const double keep = 1.0 / divisor;
    SpotCounts out;
    out.genes = counts.genes;
    out.counts.resize(counts.counts.size());
    out.library.resize(counts.spots());
    for (std::size_t r = 0; r < counts.spots(); ++r) {
        double chosen = 0, kept = 0;
        for (std::size_t g = 0; g < counts.genes; ++g) {
            const std::size_t i = r * counts.genes + g;
            const std::int64_t c = wholeCount(counts.counts[i], source, "count");
            chosen += static_cast<double>(c);
            const auto t = c > 0 ? std::binomial_distribution<std::int64_t>(c, keep)(rng) : 0;
            out.counts[i] = static_cast<double>(t);
            kept += static_cast<double>(t);
        }
        const std::int64_t library = wholeCount(counts.library[r], source, "library size");
        if (static_cast<double>(library) < chosen)
            throw std::invalid_argument(source + ": a spot's library size is below the sum of its counts");
        const std::int64_t rest = library - static_cast<std::int64_t>(chosen);
        if (rest > 0) kept += static_cast<double>(std::binomial_distribution<std::int64_t>(rest, keep)(rng));
        out.library[r] = kept;
    }
    return out;
}

std::mt19937_64 thinningGenerator(std::uint64_t seed, std::size_t section, int divisor) {
    std::seed_seq mix{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), static_cast<std::uint32_t>(section),
                      static_cast<std::uint32_t>(divisor), 0x7468696eU};
    return std::mt19937_64(mix);
}

}  // namespace hescape
