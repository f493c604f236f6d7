// Test slide shared by the tile-cache and slide-view tests.
#pragma once

#include "core/slide/Slide.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

namespace hescape::test {

// A slide of one colour that the test changes, as a fluorescence slide's
// composite changes with its channel settings. The colour is taken when a read
// starts; reads can be held at a gate (to catch a decode half-way) or fail.
class FillSlide final : public Slide {
public:
    explicit FillSlide(std::string path, std::int64_t side = 512) : Slide(std::move(path)) { levels_.push_back({side, side, 1.0}); }
    ~FillSlide() override { releaseReads(); }
    std::string format() const override { return "fill"; }
    std::atomic<std::uint32_t> rgb{0xff0000};
    std::atomic<bool> failing{false};
    mutable std::atomic<int> reads{0};

    void holdReads() {
        std::lock_guard lock(gateMutex_);
        held_ = true;
    }
    void releaseReads() {
        {
            std::lock_guard lock(gateMutex_);
            held_ = false;
        }
        gate_.notify_all();
    }
    int readsAtGate() const {
        std::lock_guard lock(gateMutex_);
        return atGate_;
    }

protected:
    void readRegionInto(int, std::int64_t, std::int64_t, RgbaImage& out) const override {
        const std::uint32_t c = rgb.load();
        {
            std::unique_lock lock(gateMutex_);
            ++atGate_;
            gate_.wait(lock, [this] { return !held_; });
            --atGate_;
        }
        ++reads;
        if (failing) throw SlideError(path() + ": fill read failure");
        for (int py = 0; py < out.height; ++py) {
            for (int px = 0; px < out.width; ++px) {
                std::uint8_t* p = out.pixel(px, py);
                p[0] = static_cast<std::uint8_t>(c >> 16);
                p[1] = static_cast<std::uint8_t>(c >> 8);
                p[2] = static_cast<std::uint8_t>(c);
                p[3] = 255;
            }
        }
    }

private:
    mutable std::mutex gateMutex_;
    mutable std::condition_variable gate_;
    mutable int atGate_ = 0;
    bool held_ = false;
};

}  // namespace hescape::test
