// Shared checks and plumbing of the embedding layouts (PCA, UMAP,
// trustworthiness): the shape and finiteness of row-major n x d input, how
// many threads to use, and a deterministic parallel loop over fixed chunks.
#pragma once

#include "core/common/Progress.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace hescape {

// Rows in `data` (row-major, `dim` columns). Throws std::invalid_argument,
// naming `what`, when dim < 1, the size is not a multiple of dim, there are
// fewer than `minRows` rows, or a value is NaN or infinite.
inline std::int64_t checkLayoutInput(const std::vector<float>& data, std::int64_t dim, std::int64_t minRows,
                                     const std::string& what) {
    if (dim < 1) throw std::invalid_argument(what + ": the dimension must be at least 1 (got " + std::to_string(dim) + ")");
    const auto size = static_cast<std::int64_t>(data.size());
    if (size % dim != 0)
        throw std::invalid_argument(what + ": " + std::to_string(size) + " values are not whole rows of " + std::to_string(dim));
    const std::int64_t rows = size / dim;
    if (rows < minRows)
        throw std::invalid_argument(what + ": needs at least " + std::to_string(minRows) + " points, got " + std::to_string(rows));
    for (std::int64_t i = 0; i < size; ++i) {
        if (!std::isfinite(data[static_cast<std::size_t>(i)]))
            throw std::invalid_argument(what + ": value " + std::to_string(i % dim) + " of point " + std::to_string(i / dim) +
                                        " is not finite");
    }
    return rows;
}

// `requested` threads, or every hardware thread when requested <= 0.
inline int layoutThreads(int requested) {
    if (requested > 0) return requested;
    return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
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

// A Progress for one stage of a longer job: fractions map to [from, to] of
// `outer` (which must outlive it), cancellation is outer's.
inline Progress stageProgress(const Progress& outer, double from, double to) {
    Progress stage;
    stage.cancel = outer.cancel;
    if (outer.report)
        stage.report = [&outer, from, to](double fraction, const std::string& step) { outer.update(from + (to - from) * fraction, step); };
    return stage;
}

// Calls fn(chunk, begin, end) for every chunk of [0, count) cut every
// `chunkSize` items, on up to `threads` threads (the caller's among them).
// The cut depends only on count and chunkSize, never on the thread count, so
// per-chunk results combined in chunk order are the same bits however many
// threads ran. Cancellation is checked before each chunk; the first exception
// (CancelledError included) stops the remaining chunks and is rethrown here.
template <class Fn>
void forEachChunk(std::int64_t count, std::int64_t chunkSize, int threads, const Progress& progress, Fn&& fn) {
    if (count <= 0) return;
    chunkSize = std::max<std::int64_t>(1, chunkSize);
    const std::int64_t chunks = (count + chunkSize - 1) / chunkSize;
    std::atomic<std::int64_t> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr error;
    std::mutex errorMutex;
    auto work = [&] {
        for (;;) {
            const std::int64_t c = next.fetch_add(1);
            if (c >= chunks || failed.load()) return;
            try {
                progress.throwIfCancelled();
                const std::int64_t begin = c * chunkSize;
                fn(c, begin, std::min(count, begin + chunkSize));
            } catch (...) {
                const std::lock_guard lock(errorMutex);
                if (!error) error = std::current_exception();
                failed = true;
                return;
            }
        }
    };
    {
        std::vector<std::jthread> pool;
        const auto extra = std::min<std::int64_t>(std::max(1, threads), chunks) - 1;
        for (std::int64_t t = 0; t < extra; ++t) pool.emplace_back(work);
        work();
    }  // joins the pool
    if (error) std::rethrow_exception(error);
}

}  // namespace hescape
