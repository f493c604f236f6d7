// A std::vector whose resize(n) leaves new elements of trivial types unset
// instead of zeroing them, for buffers that are filled completely right
// after: the bulk reads of large HDF5 arrays. Zero-filling a 1 GB buffer
// first is a whole extra pass over memory (and, on one thread, it is where
// every fresh page gets faulted in).
#pragma once

#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace hescape {

// std::allocator, except that construct() without arguments
// default-initialises (no zeroing for float, int, ...).
template <typename T>
struct DefaultInitAllocator : std::allocator<T> {
    using std::allocator<T>::allocator;
    template <typename U>
    struct rebind {
        using other = DefaultInitAllocator<U>;
    };
    template <typename U>
    void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
        ::new (static_cast<void*>(p)) U;
    }
    template <typename U, typename... Args>
    void construct(U* p, Args&&... args) {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
};

template <typename T>
using UninitializedVector = std::vector<T, DefaultInitAllocator<T>>;

}  // namespace hescape
