// memoryBudgetBytes reads the physical memory and a container's cgroup limit
// on each call (both cheap), the smaller of the two counting.
#include "core/common/MemoryBudget.h"

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <limits>

namespace hescape {

namespace {

// A container's memory limit (cgroup v2, then v1), which sysconf does not see; 0 when none.
std::uint64_t cgroupLimit() {
    for (const char* file : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
        std::ifstream in(file);
        std::string text;
        if (!(in >> text) || text == "max") continue;
        std::uint64_t v = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec == std::errc() && end == text.data() + text.size() && v > 0) return v;
    }
    return 0;
}

}  // namespace

std::uint64_t memoryBudgetBytes() {
    const long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGESIZE);
    std::uint64_t memory = pages > 0 && pageSize > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(pageSize)
                                                     : std::uint64_t{8} << 30;  // unknown: a modest 8 GiB
    if (const std::uint64_t limit = cgroupLimit(); limit > 0 && limit < memory) memory = limit;
    return memory / 2;
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
