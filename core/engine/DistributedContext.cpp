// DistributedContext over c10d: TCPStore (rank 0 is the server) + a prefix
// store per process group, ProcessGroupGloo on a device bound to the
// loopback, to GLOO_SOCKET_IFNAME's interface or to this host's address.
// ProcessGroupNCCL only where LibTorch was built with it (USE_C10D_NCCL).
#include "core/engine/DistributedContext.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#if defined(USE_C10D_NCCL)
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <cstdlib>
#include <thread>

namespace hescape {

namespace {

// Set by a rank that stops before training starts (see reportFailure).
const std::string kFailureKey = "hescape/failed";

bool isLoopback(const std::string& host) { return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1"; }

std::string seconds(std::chrono::milliseconds t) {
    const double s = static_cast<double>(t.count()) / 1000.0;
    std::string text = std::to_string(s);
    text.erase(text.find_last_not_of('0') + 1);
    if (!text.empty() && text.back() == '.') text.pop_back();
    return text + " s";
}

// c10::Error carries a C++ backtrace in what(); users need the first line.
std::string causeOf(const std::exception& e) {
    if (const auto* c = dynamic_cast<const c10::Error*>(&e)) return c->what_without_backtrace();
    return e.what();
}

}  // namespace

struct DistributedContext::Impl {
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<c10d::ProcessGroup> group;
    std::string backend;
};

struct DistributedContext::PendingReduction::Impl {
    c10::intrusive_ptr<c10d::Work> work;
    const DistributedContext* owner = nullptr;
    std::string what;
};

DistributedContext::PendingReduction::PendingReduction() = default;
DistributedContext::PendingReduction::~PendingReduction() = default;
DistributedContext::PendingReduction::PendingReduction(PendingReduction&&) noexcept = default;
DistributedContext::PendingReduction& DistributedContext::PendingReduction::operator=(PendingReduction&&) noexcept = default;

void DistributedContext::PendingReduction::wait() {
    if (!impl_) return;
    try {
        impl_->work->wait(impl_->owner->timeout_);
    } catch (const std::exception& e) {
        const auto& owner = *impl_->owner;
        const std::string what = impl_->what;
        impl_.reset();
        owner.fail(what, causeOf(e));
    }
    impl_.reset();
}

DistributedContext::DistributedContext(const DistributedEnvironment& env, std::chrono::milliseconds timeout, bool cuda)
    : impl_(std::make_unique<Impl>()), env_(env), timeout_(timeout) {
    if (env.worldSize < 1 || env.rank < 0 || env.rank >= env.worldSize) {
        throw DistributedError("rank " + std::to_string(env.rank) + " is outside a world of " + std::to_string(env.worldSize));
    }
    const std::string where = env.masterAddress + ":" + std::to_string(env.masterPort);
    try {
        c10d::TCPStoreOptions options;
        options.port = static_cast<std::uint16_t>(env.masterPort);
        options.isServer = env.rank == 0;
        options.numWorkers = static_cast<std::size_t>(env.worldSize);
        options.waitWorkers = true;  // rank 0 returns only once every rank has connected (or the timeout passed)
        options.timeout = timeout;
        impl_->store = c10::make_intrusive<c10d::TCPStore>(env.masterAddress, options);
    } catch (const std::exception& e) {
        throw DistributedError(
            "rank " + std::to_string(env.rank) + ": no rendezvous at MASTER_ADDR:MASTER_PORT = " + where + " within " + seconds(timeout) +
            " (" + causeOf(e) + "). " +
            (env.rank == 0 ? "Rank 0 serves it: is the port free, and were all " + std::to_string(env.worldSize) + " ranks started?"
                           : "Is MASTER_ADDR reachable from this node, and is rank 0 running?"));
    }
    try {
        auto prefixed = c10::make_intrusive<c10d::PrefixStore>("hescape/pg", impl_->store);
        if (cuda) {
#if defined(USE_C10D_NCCL)
            // One GPU per process: LOCAL_RANK (or SLURM_LOCALID) picks it.
            c10::cuda::set_device(static_cast<c10::DeviceIndex>(env.localRank));
            auto options = c10d::ProcessGroupNCCL::Options::create();
            options->timeout = timeout;
            impl_->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(prefixed, env.rank, env.worldSize, options);
            impl_->backend = "nccl";
#else
            throw DistributedError("this LibTorch was built without NCCL: multi-process training on CUDA is not available "
                                   "(train on \"device\": \"cpu\" with Gloo, or build against a LibTorch with NCCL)");
#endif
        } else {
            auto options = c10d::ProcessGroupGloo::Options::create(timeout);
            if (const char* iface = std::getenv("GLOO_SOCKET_IFNAME"); iface && *iface) {
                options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(iface));
            } else if (isLoopback(env.masterAddress)) {
                options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
            } else {
                options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
            }
            // Two threads run the queued collectives, so one bucket's all-reduce
            // can start while another is still on the wire.
            options->threads = 2;
            impl_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, env.rank, env.worldSize, options);
            impl_->backend = "gloo";
        }
    } catch (const DistributedError&) {
        throw;
    } catch (const std::exception& e) {
        throw DistributedError("rank " + std::to_string(env.rank) + ": cannot form the " + (cuda ? "NCCL" : "Gloo") +
                               " process group of " + std::to_string(env.worldSize) + " ranks via " + where + " within " +
                               seconds(timeout) + ": " + causeOf(e) + ". Were all " + std::to_string(env.worldSize) +
                               " ranks started, with the same MASTER_ADDR and MASTER_PORT?");
    }
}

DistributedContext::~DistributedContext() = default;

std::string DistributedContext::backendName() const { return impl_->backend; }

void DistributedContext::fail(const std::string& what, const std::string& cause) const {
    throw DistributedError("rank " + std::to_string(env_.rank) + " of " + std::to_string(env_.worldSize) + ": " + what +
                           " failed: " + cause + ". Another rank has stopped (killed, crashed or cancelled) or did not answer within the " +
                           seconds(timeout_) + " timeout (distributed_timeout_s); this rank stops too");
}

void DistributedContext::allReduceSum(torch::Tensor& tensor, const std::string& what) {
    auto pending = allReduceSumAsync(tensor, what);
    pending.wait();
}

DistributedContext::PendingReduction DistributedContext::allReduceSumAsync(torch::Tensor tensor, const std::string& what) {
    TORCH_CHECK(tensor.is_contiguous(), "allReduceSum: the tensor must be contiguous");
    PendingReduction p;
    p.impl_ = std::make_unique<PendingReduction::Impl>();
    p.impl_->owner = this;
    p.impl_->what = what;
    try {
        std::vector<torch::Tensor> tensors{std::move(tensor)};
        c10d::AllreduceOptions options;
        options.reduceOp = c10d::ReduceOp::SUM;
        options.timeout = timeout_;
        p.impl_->work = impl_->group->allreduce(tensors, options);
    } catch (const std::exception& e) {
        fail(what, causeOf(e));
    }
    return p;
}

torch::Tensor DistributedContext::allGather(const torch::Tensor& tensor, const std::string& what) {
    const auto local = tensor.contiguous();
    std::vector<torch::Tensor> inputs{local};
    std::vector<std::vector<torch::Tensor>> outputs(1);
    for (int r = 0; r < env_.worldSize; ++r) outputs[0].push_back(torch::empty_like(local));
    try {
        c10d::AllgatherOptions options;
        options.timeout = timeout_;
        impl_->group->allgather(outputs, inputs, options)->wait(timeout_);
    } catch (const std::exception& e) {
        fail(what, causeOf(e));
    }
    return torch::cat(outputs[0], 0);
}

void DistributedContext::broadcast(torch::Tensor& tensor, int root, const std::string& what) {
    TORCH_CHECK(tensor.is_contiguous(), "broadcast: the tensor must be contiguous");
    std::vector<torch::Tensor> tensors{tensor};
    try {
        c10d::BroadcastOptions options;
        options.rootRank = root;
        options.timeout = timeout_;
        impl_->group->broadcast(tensors, options)->wait(timeout_);
    } catch (const std::exception& e) {
        fail(what, causeOf(e));
    }
}

void DistributedContext::waitForAll(const std::string& name, std::chrono::milliseconds timeout) {
    const std::string key = "hescape/arrived/" + name;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    try {
        impl_->store->add(key, 1);
        // Poll rather than Store::wait: the count, not a key's presence, says
        // whether everyone is here.
        while (impl_->store->add(key, 0) < env_.worldSize) {
            if (impl_->store->check({kFailureKey})) {
                const auto why = impl_->store->get(kFailureKey);
                fail(name, std::string(why.begin(), why.end()));
            }
            if (std::chrono::steady_clock::now() > deadline) {
                fail(name, "not every rank arrived within " + seconds(timeout));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    } catch (const DistributedError&) {
        throw;
    } catch (const std::exception& e) {
        fail(name, causeOf(e));
    }
}

void DistributedContext::reportFailure(const std::string& message) noexcept {
    try {
        const std::string text = "rank " + std::to_string(env_.rank) + " stopped: " + message;
        impl_->store->set(kFailureKey, std::vector<std::uint8_t>(text.begin(), text.end()));
    } catch (const std::exception&) {
        // the store may be gone with rank 0; the others then fail on their own
    }
}

}  // namespace hescape
