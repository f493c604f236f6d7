// SlideTileCache: one mutex guards the LRU, the queue and the in-flight set;
// slide reads happen outside it so workers decode in parallel.
#include "core/slide/SlideTileCache.h"

#include <algorithm>
#include <cmath>

namespace hescape {

SlideTileCache::SlideTileCache(std::shared_ptr<const Slide> slide, Options options)
    : slide_(std::move(slide)), options_(options) {
    if (!slide_) throw SlideError("tile cache: no slide");
    if (options_.tileSize <= 0) throw SlideError(slide_->path() + ": tile size must be positive");
    int n = options_.threads > 0 ? options_.threads : static_cast<int>(std::thread::hardware_concurrency());
    n = std::max(1, n);
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

std::shared_ptr<const RgbaImage> SlideTileCache::lookupLocked(const TileKey& key) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second.image;
}

std::shared_ptr<const RgbaImage> SlideTileCache::cached(const TileKey& key) {
    std::lock_guard lock(mutex_);
    auto image = lookupLocked(key);
    if (image) ++stats_.hits;
    else ++stats_.misses;
    return image;
}

void SlideTileCache::insertLocked(const TileKey& key, std::shared_ptr<const RgbaImage> image) {
    if (entries_.count(key)) return;
    lru_.push_front(key);
    stats_.bytes += image->byteSize();
    entries_.emplace(key, Entry{std::move(image), lru_.begin()});
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
        std::list<TileKey> next;
        for (const auto& key : wanted) {
            if (!isValid(key) || !wantedSet.insert(key).second) continue;
            if (entries_.count(key) || inFlight_.count(key) || failures_.count(key)) continue;
            next.push_back(key);
        }
        for (const auto& key : queue_) {
            if (!wantedSet.count(key)) ++stats_.dropped;
        }
        queue_ = std::move(next);
        queued_.clear();
        queued_.insert(queue_.begin(), queue_.end());
    }
    workAvailable_.notify_all();
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

void SlideTileCache::workerLoop() {
    for (;;) {
        TileKey key;
        {
            std::unique_lock lock(mutex_);
            workAvailable_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            key = queue_.front();
            queue_.pop_front();
            queued_.erase(key);
            inFlight_.insert(key);
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
            inFlight_.erase(key);
            if (image) {
                ++stats_.decoded;
                insertLocked(key, std::move(image));
            } else {
                ++stats_.failed;
                failures_[key] = error;
                lastError_ = error;
            }
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
    {
        std::unique_lock lock(mutex_);
        for (;;) {
            if (auto image = lookupLocked(key)) {
                ++stats_.hits;
                return image;
            }
            if (auto f = failures_.find(key); f != failures_.end()) throw SlideError(f->second);
            if (!inFlight_.count(key) || stopping_) break;
            tileFinished_.wait(lock);
        }
        // Not being decoded by anyone: take it off the queue and do it here.
        if (queued_.erase(key)) queue_.remove(key);
        inFlight_.insert(key);
    }
    std::shared_ptr<const RgbaImage> image;
    try {
        image = decode(key);
    } catch (const std::exception& e) {
        {
            std::lock_guard lock(mutex_);
            inFlight_.erase(key);
            ++stats_.failed;
            failures_[key] = e.what();
            lastError_ = e.what();
        }
        tileFinished_.notify_all();
        throw SlideError(e.what());
    }
    {
        std::lock_guard lock(mutex_);
        inFlight_.erase(key);
        ++stats_.decoded;
        insertLocked(key, image);
    }
    tileFinished_.notify_all();
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
