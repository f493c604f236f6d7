// Process-wide LibTorch settings made once at start-up. Kept free of torch
// headers so that executables can call it without paying torch's compile time.
#pragma once

#include <string>

namespace hescape {

// Sets torch's intra-op thread count (it defaults to 1 on Debian's build) to
// `threads`, or to the machine's hardware threads when 0. Returns the count
// torch reports afterwards.
int configureTorchThreads(int threads = 0);
int torchThreadCount();
std::string torchVersion();

}  // namespace hescape
