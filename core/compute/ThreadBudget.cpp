// HESCAPE_THREADS is read once: a budget that changed under running loops
// would give one job two answers.
#include "core/compute/ThreadBudget.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <thread>

namespace hescape {

namespace {

constexpr int kMaxThreads = 1024;

int budgetFromEnvironment() {
    if (const char* env = std::getenv("HESCAPE_THREADS")) {
        char* end = nullptr;
        const long asked = std::strtol(env, &end, 10);
        if (end != env && *end == '\0' && asked >= 1 && asked <= kMaxThreads) return static_cast<int>(asked);
    }
    return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

}  // namespace

int threadBudget() {
    static const int budget = budgetFromEnvironment();
    return budget;
}

int computeThreads(int requested) { return requested > 0 ? std::min(requested, kMaxThreads) : threadBudget(); }

}  // namespace hescape
