// One training at a time per results file: two runs given the same
// --results both used to succeed, the second silently replacing the first's
// results. A training holds an flock(2) on "<results>.lock" from its start to
// its end; a second one is refused at once, naming the file and the process
// that holds it. The kernel drops the lock when the holder dies (kill -9
// included), so a crashed run never blocks the next.
#pragma once

#include <stdexcept>
#include <string>

namespace hescape {

class ResultsFileBusyError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class ResultsFileLock {
public:
    // Empty path: holds nothing. Throws ResultsFileBusyError when another
    // process holds the lock, std::runtime_error when the lock file cannot
    // be made (naming it).
    explicit ResultsFileLock(const std::string& resultsPath);
    ~ResultsFileLock();
    ResultsFileLock(const ResultsFileLock&) = delete;
    ResultsFileLock& operator=(const ResultsFileLock&) = delete;

    static std::string lockPathOf(const std::string& resultsPath) { return resultsPath + ".lock"; }

private:
    bool tryLock(const std::string& resultsPath);  // false: the file was replaced meanwhile

    std::string lockPath_;
    int fd_ = -1;
};

}  // namespace hescape
