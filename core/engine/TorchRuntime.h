// Process-wide LibTorch settings made once at start-up. Kept free of torch
// headers so that executables can call it without paying torch's compile time.
#pragma once

#include <string>

namespace hescape {

// Sets torch's intra-op thread count (it defaults to 1 on Debian's build) to
// `threads`; when 0, to $HESCAPE_TORCH_THREADS if that is a positive number,
// else the process's thread budget (core/compute/ThreadBudget.h:
// $HESCAPE_THREADS or every hardware thread). Returns the count torch reports
// afterwards. (Float sums depend on the thread count, so repeating a run bit
// for bit needs the same count.)
int configureTorchThreads(int threads = 0);
int torchThreadCount();
std::string torchVersion();

}  // namespace hescape
