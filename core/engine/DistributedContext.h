// One process's membership in a data-parallel training run on PyTorch's c10d:
// a TCPStore rendezvous at the master (rank 0 serves it) and a process group,
// Gloo for CPU tensors, NCCL for CUDA ones where this LibTorch was built with
// it. Every collective is blocking or returns a PendingReduction, and every
// failure (a peer that died, a timeout) becomes a DistributedError naming this
// rank, the operation and the timeout, so that no rank hangs.
// c10d's headers stay in the .cpp: users of this header only see torch types.
#pragma once

#include "core/engine/DistributedEnvironment.h"

#include <torch/types.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace hescape {

class DistributedError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class DistributedContext {
public:
    // Connects to the rendezvous at env.masterAddress:masterPort (rank 0 opens
    // it and waits for the others) and forms the process group. `timeout`
    // bounds the rendezvous and every later collective. `cuda`: the NCCL
    // backend (refused when this LibTorch has no NCCL). Throws DistributedError.
    DistributedContext(const DistributedEnvironment& env, std::chrono::milliseconds timeout, bool cuda = false);
    ~DistributedContext();
    DistributedContext(const DistributedContext&) = delete;
    DistributedContext& operator=(const DistributedContext&) = delete;

    int rank() const { return env_.rank; }
    int worldSize() const { return env_.worldSize; }
    std::chrono::milliseconds timeout() const { return timeout_; }
    std::string backendName() const;  // "gloo" or "nccl"

    // An in-flight all-reduce; wait() throws DistributedError on failure.
    class PendingReduction {
    public:
        PendingReduction();
        ~PendingReduction();
        PendingReduction(PendingReduction&&) noexcept;
        PendingReduction& operator=(PendingReduction&&) noexcept;
        void wait();

    private:
        friend class DistributedContext;
        struct Impl;
        std::unique_ptr<Impl> impl_;
    };

    // Sums `tensor` in place over all ranks. `what` names the operation in errors.
    void allReduceSum(torch::Tensor& tensor, const std::string& what);
    PendingReduction allReduceSumAsync(torch::Tensor tensor, const std::string& what);
    // Every rank's `tensor` (same shape on all), concatenated along dim 0 in rank order.
    torch::Tensor allGather(const torch::Tensor& tensor, const std::string& what);
    // Replaces `tensor` with rank `root`'s.
    void broadcast(torch::Tensor& tensor, int root, const std::string& what);
    // Waits until every rank has called it with this `name`, up to `timeout`
    // (for phases longer than a collective's timeout, such as data
    // preparation). Goes through the store, not the process group.
    void waitForAll(const std::string& name, std::chrono::milliseconds timeout);
    // Tells the other ranks, through the store, that this rank is stopping
    // with `message`; their waitForAll() then fails at once with it instead of
    // waiting out its long timeout. Best effort: never throws.
    void reportFailure(const std::string& message) noexcept;

private:
    [[noreturn]] void fail(const std::string& what, const std::string& cause) const;

    struct Impl;
    std::unique_ptr<Impl> impl_;
    DistributedEnvironment env_;
    std::chrono::milliseconds timeout_;
};

}  // namespace hescape
