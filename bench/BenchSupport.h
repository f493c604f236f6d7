// What the benchmarks that compare against a reference in another process
// share: running a child process with its wall time, peak memory (wait4's
// max RSS) and CPU, the rest of the machine's CPU meanwhile, waiting for a
// quiet machine, reading numbers from the children's one-line JSON, and the
// median / range / percentiles the tables print.
#pragma once

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

struct ChildResult {
    double wall = 0;
    long maxRssKb = 0;
    double cpu = 0;    // the child's user + system CPU seconds
    double other = 0;  // CPU seconds the rest of the machine used meanwhile
    std::string out;
    int status = -1;
};

// Machine-wide busy CPU seconds so far (/proc/stat), as bench_tiles counts them.
inline double machineBusySeconds() {
    std::ifstream in("/proc/stat");
    std::string cpu;
    std::uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0;
    if (!(in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq)) return 0;
    return static_cast<double>(user + nice + system + irq + softirq) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Waits (up to `limit` seconds) for a half second in which the machine is
// less than 10 % busy, so that a run does not start in the middle of
// somebody else's compile. Returns whether it got one.
inline bool waitForQuiet(double limit) {
    const auto start = Clock::now();
    while (std::chrono::duration<double>(Clock::now() - start).count() < limit) {
        const double b0 = machineBusySeconds();
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        if (machineBusySeconds() - b0 < 0.05) return true;
    }
    return false;
}

inline ChildResult runChild(const std::vector<std::string>& argv) {
    int pipefd[2];
    if (pipe(pipefd) != 0) return {};
    const double busy0 = machineBusySeconds();
    const auto t0 = Clock::now();
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    close(pipefd[1]);
    ChildResult r;
    char buf[4096];
    ssize_t n;
    while ((n = read(pipefd[0], buf, sizeof buf)) > 0) r.out.append(buf, static_cast<std::size_t>(n));
    close(pipefd[0]);
    rusage ru{};
    int status = 0;
    wait4(pid, &status, 0, &ru);
    r.wall = std::chrono::duration<double>(Clock::now() - t0).count();
    r.maxRssKb = ru.ru_maxrss;
    r.cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
            static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
    r.other = std::max(0.0, machineBusySeconds() - busy0 - r.cpu);
    r.status = status;
    return r;
}

inline double field(const std::string& json, const std::string& key) {
    const auto p = json.find("\"" + key + "\":");
    return p == std::string::npos ? -1 : std::strtod(json.c_str() + p + key.size() + 3, nullptr);
}

// Median, smallest and largest of a metric over the rounds.
struct Spread {
    double median = 0, min = 0, max = 0;
};
inline Spread spread(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return {n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v.front(), v.back()};
}
inline std::string show(const Spread& s, int decimals) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.*f (%.*f-%.*f)", decimals, s.median, decimals, s.min, decimals, s.max);
    return buf;
}

inline double pct(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(std::min<double>(v.size() - 1, std::ceil(p / 100.0 * v.size()) - 1))];
}

}  // namespace bench
