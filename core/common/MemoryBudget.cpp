// memoryBudgetBytes reads the physical memory once per call (sysconf is cheap
// and the budget follows a container's limits as the kernel reports them).
#include "core/common/MemoryBudget.h"

#include <unistd.h>

#include <cstdio>
#include <limits>

namespace hescape {

std::uint64_t memoryBudgetBytes() {
    const long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || pageSize <= 0) return std::uint64_t{4} << 30;  // unknown: a modest 4 GiB
    return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(pageSize) / 2;
}

std::string formatBytes(std::uint64_t bytes) {
    const char* units[] = {"bytes", "kB", "MB", "GB", "TB", "PB", "EB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1000 && u < 6) {
        v /= 1000;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    return buf;
}

std::uint64_t multiplyBytes(std::uint64_t a, std::uint64_t b) {
    if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return std::numeric_limits<std::uint64_t>::max();
    return a * b;
}

std::optional<std::string> overMemoryBudget(std::uint64_t bytes) {
    const std::uint64_t budget = memoryBudgetBytes();
    if (bytes <= budget) return std::nullopt;
    const std::string needs = bytes == std::numeric_limits<std::uint64_t>::max() ? "more than 18 EB" : formatBytes(bytes);
    return "needs " + needs + ", more than half of this machine's memory (" + formatBytes(budget) + ")";
}

}  // namespace hescape
