// ResultsFileLock: the holder writes its PID into the lock file for the
// refusal's message; the file is removed when the lock is released. A
// process that opened the file just before that removal and locks it then
// sees (by device and inode) that it holds a removed file, and starts again.
#include "core/engine/ResultsFileLock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hescape {

ResultsFileLock::ResultsFileLock(const std::string& resultsPath) {
    if (resultsPath.empty()) return;
    lockPath_ = lockPathOf(resultsPath);
    // A lock taken on a file its holder has just removed locks nothing: try again on the new one.
    for (int attempt = 0; attempt < 16; ++attempt) {
        if (tryLock(resultsPath)) return;
    }
    throw std::runtime_error(lockPath_ + ": the results file's lock keeps being replaced; try again");
}

bool ResultsFileLock::tryLock(const std::string& resultsPath) {
    fd_ = ::open(lockPath_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error(lockPath_ + ": cannot create the results file's lock: " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        char holder[32] = {};
        const ssize_t n = ::pread(fd_, holder, sizeof holder - 1, 0);
        ::close(fd_);
        fd_ = -1;
        if (err != EWOULDBLOCK) throw std::runtime_error(lockPath_ + ": cannot lock the results file: " + std::strerror(err));
        const std::string pid = n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : std::string("unknown");
        throw ResultsFileBusyError(resultsPath + ": another training is writing this results file (process " + pid +
                                   ", lock " + lockPath_ + "); wait for it to finish or choose another results file");
    }
    struct stat held {}, named {};
    if (::fstat(fd_, &held) != 0 || ::stat(lockPath_.c_str(), &named) != 0 || held.st_dev != named.st_dev || held.st_ino != named.st_ino) {
        ::close(fd_);  // the file was removed after we opened it
        fd_ = -1;
        return false;
    }
    const std::string pid = std::to_string(::getpid());
    // Best effort: without the PID the lock still holds and a refusal says "unknown".
    const bool recorded = ::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, pid.data(), pid.size(), 0) == static_cast<ssize_t>(pid.size());
    (void)recorded;
    return true;
}

ResultsFileLock::~ResultsFileLock() {
    if (fd_ < 0) return;
    ::unlink(lockPath_.c_str());
    ::close(fd_);  // releases the flock
}

}  // namespace hescape
