// Decoded tiles of one slide: a byte-budgeted LRU cache in front of a pool of
// decoding threads. Views say which tiles they want (visible first, then a
// prefetch ring); requests that fall out of that set before a worker reaches
// them are dropped, so panning never queues up stale work. refresh() marks
// every tile stale (the slide's rendering changed) while keeping it on hand,
// so views go on drawing the old picture until the new one is decoded.
#pragma once

#include "core/slide/Slide.h"

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace hescape {

struct TileKey {
    int level = 0;
    int col = 0;
    int row = 0;
    bool operator==(const TileKey&) const = default;
};

struct TileKeyHash {
    std::size_t operator()(const TileKey& k) const noexcept {
        return (static_cast<std::size_t>(k.level) * 0x9E3779B97F4A7C15ull) ^
               (static_cast<std::size_t>(k.col) * 0xC2B2AE3D27D4EB4Full) ^ (static_cast<std::size_t>(k.row) << 1);
    }
};

struct SlideTileCacheStats {
    std::uint64_t hits = 0;       // cached() / get() answered from memory
    std::uint64_t misses = 0;     // cached() found nothing
    std::uint64_t decoded = 0;    // tiles read from the slide
    std::uint64_t dropped = 0;    // queued requests withdrawn before decoding
    std::uint64_t failed = 0;     // reads that threw
    std::size_t bytes = 0;        // held now
    std::size_t tiles = 0;        // held now
};

class SlideTileCache {
public:
    struct Options {
        std::size_t budgetBytes = std::size_t{256} << 20;
        int threads = 0;  // 0: the thread budget (core/compute/ThreadBudget.h)
        int tileSize = 256;
    };
    // Called on a worker thread after a requested tile was decoded (or failed).
    using ReadyCallback = std::function<void(const TileKey&)>;

    SlideTileCache(std::shared_ptr<const Slide> slide, Options options);
    ~SlideTileCache();
    SlideTileCache(const SlideTileCache&) = delete;
    SlideTileCache& operator=(const SlideTileCache&) = delete;

    const Slide& slide() const { return *slide_; }
    int tileSize() const { return options_.tileSize; }
    int columns(int level) const;
    int rows(int level) const;
    bool isValid(const TileKey& key) const;

    void setReadyCallback(ReadyCallback callback);

    // Non-blocking look-up; refreshes the tile's LRU position. Stale tiles
    // are returned too; `stale` (when given) says whether this one is.
    std::shared_ptr<const RgbaImage> cached(const TileKey& key, bool* stale = nullptr);
    // Replaces the wanted set (priority order). Keys cached fresh or being
    // decoded since the last refresh() are skipped; stale ones are decoded
    // again; queued keys not in `wanted` are dropped.
    void request(const std::vector<TileKey>& wanted);
    // Blocking, and never a tile that was stale when called: from memory, by
    // waiting for a worker already on it, or by decoding on the calling
    // thread. Throws SlideError if the read fails.
    std::shared_ptr<const RgbaImage> get(const TileKey& key);
    // The slide now renders differently (a fluorescence channel's window,
    // say): every held tile becomes stale but stays readable through
    // cached(), recorded failures are forgotten, and decodes already running
    // will count as stale when they finish.
    void refresh();

    SlideTileCacheStats stats() const;
    // The message of the most recent failed read, empty if none failed.
    std::string lastError() const;
    std::size_t pendingCount() const;

private:
    struct Entry {
        std::shared_ptr<const RgbaImage> image;
        std::list<TileKey>::iterator lru;
        std::uint64_t generation = 0;  // generation_ when its decode started
    };

    void workerLoop();
    std::shared_ptr<const RgbaImage> decode(const TileKey& key) const;
    // Called with mutex_ held.
    void insertLocked(const TileKey& key, std::shared_ptr<const RgbaImage> image, std::uint64_t generation);
    const Entry* lookupLocked(const TileKey& key);
    void finishLocked(const TileKey& key, std::uint64_t generation, std::shared_ptr<const RgbaImage> image,
                      const std::string& error);

    const std::shared_ptr<const Slide> slide_;
    const Options options_;

    mutable std::mutex mutex_;
    std::condition_variable workAvailable_;
    std::condition_variable tileFinished_;
    std::unordered_map<TileKey, Entry, TileKeyHash> entries_;
    std::list<TileKey> lru_;  // front = most recently used
    std::list<TileKey> queue_;
    std::unordered_set<TileKey, TileKeyHash> queued_;
    // Keys being decoded, with the generation their decode started at.
    std::unordered_map<TileKey, std::uint64_t, TileKeyHash> inFlight_;
    // Wanted keys whose running decode started before a refresh(): queued
    // again when it finishes (one decoder per key at a time).
    std::unordered_set<TileKey, TileKeyHash> rerun_;
    std::unordered_map<TileKey, std::string, TileKeyHash> failures_;
    std::uint64_t generation_ = 0;  // bumped by refresh()
    SlideTileCacheStats stats_;
    std::string lastError_;
    ReadyCallback onReady_;
    bool stopping_ = false;
    std::vector<std::jthread> workers_;
};

}  // namespace hescape
