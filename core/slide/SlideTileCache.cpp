// SlideTileCache: one mutex guards the LRU, the queue and the in-flight set;
// slide reads happen outside it so workers decode in parallel. Every entry and
// decode carries the generation it started at; refresh() bumps the current
// one, so a tile is stale when its generation is older, however late the
// decode that made it finished.
#include "core/slide/SlideTileCache.h"
#include "core/compute/ThreadBudget.h"

#include <algorithm>
#include <cmath>

namespace hescape {

SlideTileCache::SlideTileCache(std::shared_ptr<const Slide> slide, Options options)
    : slide_(std::move(slide)), options_(options) {
    if (!slide_) throw SlideError("tile cache: no slide");
    if (options_.tileSize <= 0) throw SlideError(slide_->path() + ": tile size must be positive");
    const int n = computeThreads(options_.threads);
    for (int i = 0; i < n; ++i) workers_.emplace_back([this] { workerLoop(); });
}

SlideTileCache::~SlideTileCache() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        queue_.clear();
        queued_.clear();
    }
    workAvailable_.notify_all();
    tileFinished_.notify_all();
    workers_.clear();  // joins
}

int SlideTileCache::columns(int level) const {
    const auto w = slide_->level(level).width;
    return static_cast<int>((w + options_.tileSize - 1) / options_.tileSize);
}

int SlideTileCache::rows(int level) const {
    const auto h = slide_->level(level).height;
    return static_cast<int>((h + options_.tileSize - 1) / options_.tileSize);
}

bool SlideTileCache::isValid(const TileKey& key) const {
    return key.level >= 0 && key.level < slide_->levelCount() && key.col >= 0 && key.row >= 0 &&
           key.col < columns(key.level) && key.row < rows(key.level);
}

void SlideTileCache::setReadyCallback(ReadyCallback callback) {
    std::lock_guard lock(mutex_);
    onReady_ = std::move(callback);
}

const SlideTileCache::Entry* SlideTileCache::lookupLocked(const TileKey& key) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return &it->second;
}

std::shared_ptr<const RgbaImage> SlideTileCache::cached(const TileKey& key, bool* stale) {
    std::lock_guard lock(mutex_);
    const Entry* entry = lookupLocked(key);
    if (stale) *stale = entry && entry->generation != generation_;
    if (!entry) {
        ++stats_.misses;
        return nullptr;
    }
    ++stats_.hits;
    return entry->image;
}

void SlideTileCache::insertLocked(const TileKey& key, std::shared_ptr<const RgbaImage> image, std::uint64_t generation) {
    if (auto it = entries_.find(key); it != entries_.end()) {
        // Keep what is there when it is as new: callers may hold that very object.
        if (it->second.generation >= generation) return;
        stats_.bytes -= it->second.image->byteSize();
        stats_.bytes += image->byteSize();
        it->second.image = std::move(image);
        it->second.generation = generation;
        lru_.splice(lru_.begin(), lru_, it->second.lru);
    } else {
        lru_.push_front(key);
        stats_.bytes += image->byteSize();
        entries_.emplace(key, Entry{std::move(image), lru_.begin(), generation});
    }
    // Evict least recently used tiles, but never the one just inserted.
    while (stats_.bytes > options_.budgetBytes && lru_.size() > 1) {
        const TileKey victim = lru_.back();
        lru_.pop_back();
        auto it = entries_.find(victim);
        stats_.bytes -= it->second.image->byteSize();
        entries_.erase(it);
    }
    stats_.tiles = entries_.size();
}

void SlideTileCache::request(const std::vector<TileKey>& wanted) {
    {
        std::lock_guard lock(mutex_);
        std::unordered_set<TileKey, TileKeyHash> wantedSet;
        std::unordered_set<TileKey, TileKeyHash> rerun;
        std::list<TileKey> next;
        for (const auto& key : wanted) {
            if (!isValid(key) || !wantedSet.insert(key).second || failures_.count(key)) continue;
            if (auto f = inFlight_.find(key); f != inFlight_.end()) {
                // Its decode began before a refresh(): do it again once that one is done.
                if (f->second != generation_) rerun.insert(key);
                continue;
            }
            if (auto e = entries_.find(key); e != entries_.end() && e->second.generation == generation_) continue;
            next.push_back(key);
        }
        for (const auto& key : queue_) {
            if (!wantedSet.count(key)) ++stats_.dropped;
        }
        queue_ = std::move(next);
        queued_.clear();
        queued_.insert(queue_.begin(), queue_.end());
        rerun_ = std::move(rerun);
    }
    workAvailable_.notify_all();
}

void SlideTileCache::refresh() {
    std::lock_guard lock(mutex_);
    ++generation_;
    // A failure may have come from the old rendering; let the next request try again.
    failures_.clear();
}

std::shared_ptr<const RgbaImage> SlideTileCache::decode(const TileKey& key) const {
    const int ts = options_.tileSize;
    const SlideLevel& lv = slide_->level(key.level);
    const std::int64_t lx = static_cast<std::int64_t>(key.col) * ts, ly = static_cast<std::int64_t>(key.row) * ts;
    const int w = static_cast<int>(std::min<std::int64_t>(ts, lv.width - lx));
    const int h = static_cast<int>(std::min<std::int64_t>(ts, lv.height - ly));
    const auto x0 = static_cast<std::int64_t>(std::llround(static_cast<double>(lx) * lv.downsample));
    const auto y0 = static_cast<std::int64_t>(std::llround(static_cast<double>(ly) * lv.downsample));
    return std::make_shared<const RgbaImage>(slide_->readRegion(key.level, x0, y0, w, h));
}

void SlideTileCache::finishLocked(const TileKey& key, std::uint64_t generation,
                                  std::shared_ptr<const RgbaImage> image, const std::string& error) {
    inFlight_.erase(key);
    if (image) {
        ++stats_.decoded;
        insertLocked(key, std::move(image), generation);
    } else {
        ++stats_.failed;
        lastError_ = error;
        // A read of the old rendering that failed says nothing about the new one.
        if (generation == generation_) failures_[key] = error;
    }
    if (rerun_.erase(key) && !stopping_ && queued_.insert(key).second) {
        queue_.push_front(key);
        workAvailable_.notify_one();
    }
}

void SlideTileCache::workerLoop() {
    for (;;) {
        TileKey key;
        std::uint64_t generation = 0;
        {
            std::unique_lock lock(mutex_);
            workAvailable_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            key = queue_.front();
            queue_.pop_front();
            queued_.erase(key);
            generation = generation_;
            inFlight_[key] = generation;
        }
        std::shared_ptr<const RgbaImage> image;
        std::string error;
        try {
            image = decode(key);
        } catch (const std::exception& e) {
            error = e.what();
        }
        ReadyCallback callback;
        {
            std::lock_guard lock(mutex_);
            finishLocked(key, generation, std::move(image), error);
            callback = onReady_;
        }
        tileFinished_.notify_all();
        if (callback) callback(key);
    }
}

std::shared_ptr<const RgbaImage> SlideTileCache::get(const TileKey& key) {
    if (!isValid(key)) {
        throw SlideError(slide_->path() + ": tile (level " + std::to_string(key.level) + ", column " +
                         std::to_string(key.col) + ", row " + std::to_string(key.row) + ") is outside the slide");
    }
    std::uint64_t generation = 0;
    {
        std::unique_lock lock(mutex_);
        for (;;) {
            if (const Entry* entry = lookupLocked(key); entry && entry->generation == generation_) {
                ++stats_.hits;
                return entry->image;
            }
            if (auto f = failures_.find(key); f != failures_.end()) throw SlideError(f->second);
            // Wait for any decode of it, even a stale one: one decoder per key.
            if (!inFlight_.count(key) || stopping_) break;
            tileFinished_.wait(lock);
        }
        // Not being decoded by anyone: take it off the queue and do it here.
        if (queued_.erase(key)) queue_.remove(key);
        generation = generation_;
        inFlight_[key] = generation;
    }
    std::shared_ptr<const RgbaImage> image;
    std::string error;
    try {
        image = decode(key);
    } catch (const std::exception& e) {
        error = e.what();
    }
    {
        std::lock_guard lock(mutex_);
        finishLocked(key, generation, image, error);
    }
    tileFinished_.notify_all();
    if (!image) throw SlideError(error);
    return image;
}

SlideTileCacheStats SlideTileCache::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

std::string SlideTileCache::lastError() const {
    std::lock_guard lock(mutex_);
    return lastError_;
}

std::size_t SlideTileCache::pendingCount() const {
    std::lock_guard lock(mutex_);
    return queue_.size() + inFlight_.size();
}

}  // namespace hescape
