// Only ATen's small parallel/version headers are included here, not
// <torch/torch.h>: this translation unit compiles in about a second.
#include "core/engine/TorchRuntime.h"

#include "core/compute/ThreadBudget.h"

#include <ATen/Parallel.h>
#include <torch/version.h>

#include <algorithm>
#include <cstdlib>

namespace hescape {

int configureTorchThreads(int threads) {
    int n = threads;
    if (n <= 0) {
        const char* env = std::getenv("HESCAPE_TORCH_THREADS");
        const int asked = env ? std::atoi(env) : 0;
        n = computeThreads(asked);
    }
    at::set_num_threads(n);
    return at::get_num_threads();
}

int torchThreadCount() { return at::get_num_threads(); }

std::string torchVersion() { return TORCH_VERSION; }

}  // namespace hescape
