// Decoded tiles of a TIFF backend, kept by byte budget (LRU), so that one
// file tile serves every view tile it overlaps and a fluorescence slide can
// re-composite after a contrast change without decoding again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace hescape {

class DecodedTileCache {
public:
    using Tile = std::shared_ptr<const std::vector<std::uint8_t>>;
    explicit DecodedTileCache(std::size_t budgetBytes) : budget_(budgetBytes) {}

    static std::uint64_t key(std::size_t plane, int level, std::uint32_t index) {
        return (static_cast<std::uint64_t>(plane) << 40) ^ (static_cast<std::uint64_t>(level) << 32) ^ index;
    }
    Tile find(std::uint64_t key) {
        std::lock_guard lock(mutex_);
        const auto it = entries_.find(key);
        if (it == entries_.end()) return nullptr;
        lru_.splice(lru_.begin(), lru_, it->second.second);
        return it->second.first;
    }
    void insert(std::uint64_t key, Tile tile) {
        std::lock_guard lock(mutex_);
        if (entries_.count(key)) return;
        lru_.push_front(key);
        bytes_ += tile->size();
        entries_.emplace(key, std::make_pair(std::move(tile), lru_.begin()));
        while (bytes_ > budget_ && lru_.size() > 1) {
            const auto victim = entries_.find(lru_.back());
            bytes_ -= victim->second.first->size();
            entries_.erase(victim);
            lru_.pop_back();
        }
    }

private:
    const std::size_t budget_;
    std::mutex mutex_;
    std::size_t bytes_ = 0;
    std::list<std::uint64_t> lru_;
    std::unordered_map<std::uint64_t, std::pair<Tile, std::list<std::uint64_t>::iterator>> entries_;
};

}  // namespace hescape
