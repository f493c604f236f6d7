// How much memory one allocation that a file's header asks for may take:
// half of this machine's physical memory, or of its container's limit.
// Readers check a declared size against it before allocating, so that a
// 218-byte header declaring a 1,000,000 x 1,000,000 image gets a message
// naming the file and what to do, not std::bad_alloc or the kernel's
// out-of-memory killer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace hescape {

std::uint64_t memoryBudgetBytes();

// "6.4 GB", "512 MB", "12 kB" (decimal units, as file managers show sizes).
std::string formatBytes(std::uint64_t bytes);

// Empty when `bytes` fits the budget; else "needs 6.4 GB, more than half of
// this machine's memory (11.8 GB)" for the caller's message. Saturates
// instead of overflowing: pass the product of declared sizes through
// multiplyBytes.
std::optional<std::string> overMemoryBudget(std::uint64_t bytes);

// The most deflate can expand its input (258 bytes per 2 bits, zlib's bound):
// a declared size that more than this times the stored bytes cannot be real.
inline constexpr std::uint64_t kDeflateMaxExpansion = 1032;

// a * b, or UINT64_MAX when the product overflows.
std::uint64_t multiplyBytes(std::uint64_t a, std::uint64_t b);

}  // namespace hescape
