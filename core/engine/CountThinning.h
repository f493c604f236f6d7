// Binomial thinning of spot counts: each count kept with probability 1/d, as
// a spot read at 1/d of its sequencing depth would be. The training option
// "thinned_copies" trains on copies of every training section thinned this
// way, so that the gene encoder sees shallow sections like a held-out donor
// sequenced more thinly (the demo's patient B has ~1/15 of patient C's
// counts; docs/evaluation.md measures what this does).
#pragma once

#include "core/engine/ExpressionPreprocessing.h"

#include <cstdint>
#include <random>
#include <string>

namespace hescape {

// `counts` thinned by `divisor` (> 1): every chosen gene's count drawn from
// Binomial(count, 1/divisor), and the library size the thinned chosen genes
// plus Binomial(rest, 1/divisor) for the counts of all other genes (the sum
// of independent binomials over those genes has exactly that law). Counts
// must be whole numbers: a fractional or negative one throws
// std::invalid_argument naming `source`.
SpotCounts thinnedCounts(const SpotCounts& counts, int divisor, std::mt19937_64& rng, const std::string& source);

// The generator of one thinned copy: the run's seed, the section's place in
// the configuration and the divisor, mixed so that copies differ.
std::mt19937_64 thinningGenerator(std::uint64_t seed, std::size_t section, int divisor);

}  // namespace hescape
