// The process-wide thread budget: how many threads compute work (parallel
// loops, torch's intra-op pool, the tile cache's decoders, bulk HDF5 reads)
// may use when the caller does not say. One number for the whole process, so
// that a user who limits HEScape to N cores (HESCAPE_THREADS=N, e.g. on a
// shared server or beside a GPU job) gets N everywhere, not N in one place and
// every core in the others.
#pragma once

namespace hescape {

// HESCAPE_THREADS when it is set to a whole number 1 .. 1024, else every
// hardware thread (at least 1). Read once, on first use; constant afterwards.
int threadBudget();

// `requested` when > 0 (capped at 1024), else threadBudget().
int computeThreads(int requested = 0);

}  // namespace hescape
