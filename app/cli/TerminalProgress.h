// A progress bar on stderr for long command-line work: redrawn in place on a
// terminal, one line per 10 % otherwise (logs, CI).
#pragma once

#include "core/common/Progress.h"

#include <cstdio>
#include <string>
#include <unistd.h>

namespace hescape::cli {

class TerminalProgress {
public:
    explicit TerminalProgress(std::string label) : label_(std::move(label)), tty_(::isatty(2) != 0) {}

    Progress progress() {
        Progress p;
        p.report = [this](double f, const std::string& step) { draw(f, step); };
        return p;
    }
    void done() { draw(1.0, "done"); if (tty_) std::fputc('\n', stderr); }

private:
    void draw(double f, const std::string& step) {
        const int percent = static_cast<int>(f * 100.0 + 0.5);
        if (tty_) {
            const int filled = percent * 30 / 100;
            std::fprintf(stderr, "\r%s [%.*s%*s] %3d%% %-24s", label_.c_str(), filled,
                         "##############################", 30 - filled, "", percent, step.c_str());
            std::fflush(stderr);
        } else if (percent / 10 != lastDecile_) {
            lastDecile_ = percent / 10;
            std::fprintf(stderr, "%s: %d%% (%s)\n", label_.c_str(), percent, step.c_str());
        }
    }
    std::string label_;
    bool tty_;
    int lastDecile_ = -1;
};

}  // namespace hescape::cli
