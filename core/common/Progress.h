// How long-running core work reports progress and learns it was cancelled,
// without knowing anything about threads or GUIs.
#pragma once

#include <atomic>
#include <functional>
#include <stdexcept>
#include <string>

namespace hescape {

// Thrown by work that noticed its cancel flag; callers treat it as a clean stop.
class CancelledError : public std::runtime_error {
public:
    CancelledError() : std::runtime_error("cancelled") {}
};

struct Progress {
    // fraction in [0, 1] and a short description of the current step.
    std::function<void(double fraction, const std::string& step)> report;
    const std::atomic<bool>* cancel = nullptr;

    void update(double fraction, const std::string& step) const {
        if (report) report(fraction, step);
    }
    void throwIfCancelled() const {
        if (cancel && cancel->load(std::memory_order_relaxed)) throw CancelledError();
    }
};

// A Progress for one stage of a longer job: fractions map to [from, to] of
// `outer` (which must outlive it), cancellation is outer's.
inline Progress stageProgress(const Progress& outer, double from, double to) {
    Progress stage;
    stage.cancel = outer.cancel;
    if (outer.report)
        stage.report = [&outer, from, to](double fraction, const std::string& step) { outer.update(from + (to - from) * fraction, step); };
    return stage;
}

}  // namespace hescape
