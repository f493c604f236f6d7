// The one parallel loop of core: chunks of [0, count) on up to N threads of
// the process budget (ThreadBudget.h), the caller's thread among them.
// Cancellation is checked before each chunk; the first exception (a
// CancelledError included) stops the chunks not yet started and is rethrown
// on the calling thread. Threads are started per call (std::jthread), not
// pooled: every caller runs for milliseconds to minutes, where starting a
// thread (~20 µs) does not show, and no pool outlives the work it served.
#pragma once

#include "core/common/Progress.h"
#include "core/compute/ThreadBudget.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace hescape {

// Runs worker(claim) on min(threads, chunks) threads (threads <= 0: the
// budget); claim() hands out chunk indices 0 .. chunks - 1, each once, then -1
// (also once cancelled or after a failure elsewhere). For loops whose workers
// keep buffers across chunks.
template <class Worker>
void forEachWorker(std::int64_t chunks, int threads, const Progress& progress, const Worker& worker) {
    if (chunks <= 0) return;
    std::atomic<std::int64_t> next{0};
    std::exception_ptr error;
    std::mutex errorMutex;
    const auto claim = [&]() -> std::int64_t {
        const std::int64_t c = next.fetch_add(1);
        if (c >= chunks) return -1;
        progress.throwIfCancelled();
        return c;
    };
    const auto run = [&] {
        try {
            worker(claim);
        } catch (...) {
            const std::lock_guard lock(errorMutex);
            if (!error) error = std::current_exception();
            next.store(chunks);
        }
    };
    const auto count = std::clamp<std::int64_t>(chunks, 1, computeThreads(threads));
    {
        std::vector<std::jthread> pool;
        pool.reserve(static_cast<std::size_t>(count - 1));
        for (std::int64_t t = 1; t < count; ++t) pool.emplace_back(run);
        run();
    }  // joins
    if (error) std::rethrow_exception(error);
}

// Calls fn(chunk, begin, end) for every chunk of [0, count) cut every
// `chunkSize` items. The cut depends only on count and chunkSize, never on the
// thread count, so per-chunk results combined in chunk order are the same
// bits however many threads ran.
template <class Fn>
void forEachChunk(std::int64_t count, std::int64_t chunkSize, int threads, const Progress& progress, Fn&& fn) {
    if (count <= 0) return;
    chunkSize = std::max<std::int64_t>(1, chunkSize);
    const std::int64_t chunks = (count + chunkSize - 1) / chunkSize;
    forEachWorker(chunks, threads, progress, [&](const auto& claim) {
        for (std::int64_t c = claim(); c >= 0; c = claim()) {
            const std::int64_t begin = c * chunkSize;
            fn(c, begin, std::min(count, begin + chunkSize));
        }
    });
}

// Reports progress of `total` items done in parallel chunks as a fraction
// between `from` and `to` of the whole job. Progress::report is then called
// from worker threads, one call at a time (a mutex serialises them).
class ChunkProgress {
public:
    ChunkProgress(const Progress& progress, std::int64_t total, double from, double to, std::string step)
        : progress_(progress), total_(std::max<std::int64_t>(1, total)), from_(from), to_(to), step_(std::move(step)) {}
    void add(std::int64_t items) {
        const std::lock_guard lock(mutex_);
        done_ += items;
        progress_.update(from_ + (to_ - from_) * static_cast<double>(done_) / static_cast<double>(total_), step_);
    }

private:
    const Progress& progress_;
    std::int64_t total_;
    double from_, to_;
    std::string step_;
    std::mutex mutex_;
    std::int64_t done_ = 0;
};

}  // namespace hescape
