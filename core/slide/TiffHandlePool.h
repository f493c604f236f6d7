// A few libtiff handles on one file, lent out one per thread: a TIFF* keeps
// its current directory and decoder state, so two threads must never share
// one, and reopening the file for every tile would reparse its IFDs.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

typedef struct tiff TIFF;

namespace hescape {

class TiffHandlePool {
public:
    struct Handle;
    // A borrowed handle; given back when the lease ends.
    class Lease {
    public:
        Lease(TiffHandlePool& pool, std::unique_ptr<Handle> handle);
        ~Lease();
        Lease(Lease&&) = default;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        TIFF* tiff() const;
        // Moves to the IFD at `offset` (main chain or SubIFD alike); cheap when
        // already there. Throws SlideError naming the file.
        void setDirectory(std::uint64_t offset);
        // Moves to the index-th IFD of the main chain; false when there is none.
        bool setMainDirectory(int index);
        // libtiff's messages since the last call (empty if none), then cleared.
        std::string takeErrors();

    private:
        void afterDirectoryChange();
        TiffHandlePool* pool_;
        std::unique_ptr<Handle> handle_;
    };

    // Opens one handle now so that a file libtiff cannot read fails here.
    TiffHandlePool(std::string path, std::size_t maxIdle);
    ~TiffHandlePool();
    TiffHandlePool(const TiffHandlePool&) = delete;
    TiffHandlePool& operator=(const TiffHandlePool&) = delete;

    const std::string& path() const { return path_; }
    Lease acquire();

private:
    std::unique_ptr<Handle> open() const;

    const std::string path_;
    const std::size_t maxIdle_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<Handle>> idle_;
};

}  // namespace hescape
