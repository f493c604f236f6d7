// What an evaluation of the cross-modal model reports, kept free of torch
// headers so that result writers and GUIs can use it cheaply.
#pragma once

#include <cstdint>

namespace hescape {

struct EvalMetrics {
    double loss = 0;
    double recallAt1 = 0;  // HESCAPE's in-batch protocol: batches of 64, image -> gene, averaged
    double recallAt5 = 0;
    double chanceAt5 = 0;  // 5 / batch size, averaged the same way
    std::int64_t pairs = 0;
};

}  // namespace hescape
