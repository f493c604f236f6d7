// Only ATen's small parallel/version headers are included here, not
// <torch/torch.h>: this translation unit compiles in about a second.
#include "core/engine/TorchRuntime.h"

#include <ATen/Parallel.h>
#include <torch/version.h>

#include <algorithm>
#include <thread>

namespace hescape {

int configureTorchThreads(int threads) {
    const int n = threads > 0 ? threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    at::set_num_threads(n);
    return at::get_num_threads();
}

int torchThreadCount() { return at::get_num_threads(); }

std::string torchVersion() { return TORCH_VERSION; }

}  // namespace hescape
