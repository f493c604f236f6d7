// The autograd side of the collectives is written as torch::autograd::Node
// subclasses (not torch::autograd::Function) because backward needs the
// DistributedContext, which Function's saved_data (IValues) cannot hold.
#include "core/engine/DistributedOps.h"

#include <torch/csrc/autograd/function.h>
#include <torch/torch.h>

namespace hescape {

namespace {

using torch::autograd::variable_list;

// Gradient of out = concat over ranks: every rank's loss may depend on this
// rank's rows, so the incoming gradients are summed over the ranks first.
class AllGatherBackward : public torch::autograd::Node {
public:
    AllGatherBackward(DistributedContext& dist, std::vector<std::int64_t> fullShape, torch::TensorOptions options,
                      std::int64_t rows, std::string what)
        : dist_(dist), fullShape_(std::move(fullShape)), options_(options), rows_(rows), what_(std::move(what)) {}

    variable_list apply(variable_list&& grads) override {
        // Every rank must take part even when no gradient reached this node here.
        auto g = grads[0].defined() ? grads[0].contiguous().clone() : torch::zeros(fullShape_, options_);
        dist_.allReduceSum(g, what_ + " backward");
        return {g.narrow(0, static_cast<std::int64_t>(dist_.rank()) * rows_, rows_)};
    }
    std::string name() const override { return "hescape::AllGatherWithGradBackward"; }

private:
    DistributedContext& dist_;
    std::vector<std::int64_t> fullShape_;
    torch::TensorOptions options_;
    std::int64_t rows_;
    std::string what_;
};

class AllReduceBackward : public torch::autograd::Node {
public:
    AllReduceBackward(DistributedContext& dist, std::vector<std::int64_t> shape, torch::TensorOptions options, std::string what)
        : dist_(dist), shape_(std::move(shape)), options_(options), what_(std::move(what)) {}

    variable_list apply(variable_list&& grads) override {
        auto g = grads[0].defined() ? grads[0].contiguous().clone() : torch::zeros(shape_, options_);
        dist_.allReduceSum(g, what_ + " backward");
        return {g};
    }
    std::string name() const override { return "hescape::AllReduceWithGradBackward"; }

private:
    DistributedContext& dist_;
    std::vector<std::int64_t> shape_;
    torch::TensorOptions options_;
    std::string what_;
};

// Makes `out` (computed without a graph) the output of `node`, whose input is `in`.
torch::Tensor attach(torch::Tensor out, const torch::Tensor& in, std::shared_ptr<torch::autograd::Node> node) {
    node->set_next_edges(torch::autograd::collect_next_edges(in));
    torch::autograd::create_gradient_edge(out, std::move(node));
    return out;
}

template <typename NormImpl>
torch::Tensor globalBatchNormOf(NormImpl& norm, const torch::Tensor& x, DistributedContext& dist) {
    TORCH_CHECK(x.dim() >= 2, "globalBatchNorm: expected [batch, channels, ...]");
    const auto& options = norm.options;
    if (!norm.is_training()) return norm.forward(x);
    const std::int64_t channels = x.size(1);
    std::vector<std::int64_t> reduceDims{0};
    for (std::int64_t d = 2; d < x.dim(); ++d) reduceDims.push_back(d);
    // Sums in double (as the CPU kernel accumulates), one all-reduce for both.
    const auto xd = x.to(torch::kDouble);
    auto sums = allReduceSumWithGrad(torch::cat({xd.sum(reduceDims), (xd * xd).sum(reduceDims)}), dist, "batch-norm statistics");
    const double count = static_cast<double>(x.numel() / channels) * dist.worldSize();
    const auto mean = sums.narrow(0, 0, channels) / count;
    const auto var = (sums.narrow(0, channels, channels) / count - mean * mean).clamp_min(0.0);  // biased, as used to normalise

    if (options.track_running_stats()) {
        torch::NoGradGuard guard;
        double factor = options.momentum().value_or(0.0);
        if (norm.num_batches_tracked.defined()) {
            norm.num_batches_tracked += 1;
            if (!options.momentum().has_value()) factor = 1.0 / norm.num_batches_tracked.template item<double>();
        }
        const auto unbiased = var.detach() * (count / std::max(1.0, count - 1.0));
        norm.running_mean.mul_(1.0 - factor).add_(mean.detach().to(norm.running_mean.dtype()) * factor);
        norm.running_var.mul_(1.0 - factor).add_(unbiased.to(norm.running_var.dtype()) * factor);
    }
    std::vector<std::int64_t> shape(static_cast<std::size_t>(x.dim()), 1);
    shape[1] = channels;
    const auto invstd = (var + options.eps()).rsqrt();
    auto y = (x - mean.to(x.scalar_type()).view(shape)) * invstd.to(x.scalar_type()).view(shape);
    if (options.affine()) y = y * norm.weight.view(shape) + norm.bias.view(shape);
    return y;
}

}  // namespace

torch::Tensor allGatherWithGrad(const torch::Tensor& local, DistributedContext& dist, const std::string& what) {
    TORCH_CHECK(local.dim() >= 1, "allGatherWithGrad: expected at least one dimension");
    torch::Tensor all;
    {
        torch::NoGradGuard guard;
        all = dist.allGather(local.detach(), what);
    }
    if (!local.requires_grad() || !torch::GradMode::is_enabled()) return all;
    auto node = std::shared_ptr<AllGatherBackward>(
        new AllGatherBackward(dist, all.sizes().vec(), all.options(), local.size(0), what), torch::autograd::deleteNode);
    return attach(all, local, std::move(node));
}

torch::Tensor allReduceSumWithGrad(const torch::Tensor& tensor, DistributedContext& dist, const std::string& what) {
    torch::Tensor sum;
    {
        torch::NoGradGuard guard;
        sum = tensor.detach().contiguous().clone();
        dist.allReduceSum(sum, what);
    }
    if (!tensor.requires_grad() || !torch::GradMode::is_enabled()) return sum;
    auto node = std::shared_ptr<AllReduceBackward>(new AllReduceBackward(dist, sum.sizes().vec(), sum.options(), what),
                                                   torch::autograd::deleteNode);
    return attach(sum, tensor, std::move(node));
}

torch::Tensor globalBatchNorm(torch::nn::BatchNorm1dImpl& norm, const torch::Tensor& x, DistributedContext& dist) {
    return globalBatchNormOf(norm, x, dist);
}

torch::Tensor globalBatchNorm(torch::nn::BatchNorm2dImpl& norm, const torch::Tensor& x, DistributedContext& dist) {
    return globalBatchNormOf(norm, x, dist);
}

torch::Tensor globalBatchDropout(const torch::Tensor& x, double p, bool training, DistributedContext& dist) {
    // The same steps as ATen's CPU dropout (empty_like, bernoulli_(1 - p),
    // div_, multiply), on the global batch's mask.
    if (p == 0 || !training || x.numel() == 0) return x;
    if (p == 1) return x * torch::zeros({}, x.options());
    auto sizes = x.sizes().vec();
    const std::int64_t rows = sizes[0];
    sizes[0] *= dist.worldSize();
    auto noise = torch::empty(sizes, x.options()).bernoulli_(1 - p).narrow(0, static_cast<std::int64_t>(dist.rank()) * rows, rows);
    noise.div_(1 - p);
    return x * noise;
}

BucketedGradientReducer::BucketedGradientReducer(std::vector<torch::Tensor> parameters, DistributedContext& dist,
                                                 std::size_t bucketBytes)
    : parameters_(std::move(parameters)), dist_(dist) {
    const std::size_t n = parameters_.size();
    bucketOf_.assign(n, 0);
    slotOf_.assign(n, 0);
    received_.assign(n, false);
    // Reverse order: the last layers' gradients are ready first.
    std::size_t bytes = 0;
    for (std::size_t k = n; k-- > 0;) {
        const auto& p = parameters_[k];
        const std::size_t size = static_cast<std::size_t>(p.numel()) * p.element_size();
        if (buckets_.empty() || (bytes > 0 && bytes + size > bucketBytes)) {
            buckets_.emplace_back();
            bytes = 0;
        }
        Bucket& b = buckets_.back();
        bucketOf_[k] = buckets_.size() - 1;
        slotOf_[k] = b.members.size();
        b.offsets.push_back(b.members.empty() ? 0 : b.offsets.back() + parameters_[b.members.back()].numel());
        b.members.push_back(k);
        bytes += size;
    }
    for (auto& b : buckets_) {
        const auto& first = parameters_[b.members.front()];
        std::int64_t total = 0;
        for (auto m : b.members) {
            TORCH_CHECK(parameters_[m].scalar_type() == first.scalar_type() && parameters_[m].device() == first.device(),
                        "BucketedGradientReducer: parameters of one bucket must share dtype and device");
            total += parameters_[m].numel();
        }
        b.flat = torch::zeros({total}, first.options().requires_grad(false));
    }
    hooks_.reserve(n);
    for (std::size_t k = 0; k < n; ++k) {
        TORCH_CHECK(parameters_[k].requires_grad(), "BucketedGradientReducer: parameter without gradient");
        hooks_.push_back(parameters_[k].register_hook([this, k](const torch::Tensor& grad) { onGradient(k, grad); }));
    }
}

BucketedGradientReducer::~BucketedGradientReducer() {
    for (std::size_t k = 0; k < hooks_.size(); ++k) parameters_[k].remove_hook(hooks_[k]);
    // A bucket still in flight (an exception between beginBackward and
    // finish) must not outlive its buffer unobserved.
    for (auto& b : buckets_) {
        try {
            b.pending.wait();
        } catch (const std::exception&) {
            // the training loop has already failed; its error is the one to report
        }
    }
}

void BucketedGradientReducer::beginBackward() {
    const std::lock_guard lock(mutex_);
    for (auto& b : buckets_) {
        b.flat.zero_();
        b.ready = 0;
        b.launched = false;
    }
    std::fill(received_.begin(), received_.end(), false);
    nextLaunch_ = 0;
    launchedEarly_ = 0;
    inBackward_ = true;
}

void BucketedGradientReducer::onGradient(std::size_t k, const torch::Tensor& grad) {
    const std::lock_guard lock(mutex_);
    if (!inBackward_ || !grad.defined()) return;
    Bucket& b = buckets_[bucketOf_[k]];
    TORCH_CHECK(!b.launched, "BucketedGradientReducer: a gradient arrived after its bucket was reduced");
    const auto slot = slotOf_[k];
    b.flat.narrow(0, b.offsets[slot], grad.numel()).add_(grad.reshape({-1}));
    if (received_[k]) return;  // a second contribution to the same parameter
    received_[k] = true;
    ++b.ready;
    // Strictly in bucket order, so that every rank issues the same sequence of collectives.
    while (nextLaunch_ < buckets_.size() && buckets_[nextLaunch_].ready == buckets_[nextLaunch_].members.size()) {
        launch(buckets_[nextLaunch_++]);
        ++launchedEarly_;
    }
}

void BucketedGradientReducer::launch(Bucket& b) {
    b.launched = true;
    b.pending = dist_.allReduceSumAsync(b.flat, "gradient all-reduce (bucket of " + std::to_string(b.members.size()) + " tensors)");
}

void BucketedGradientReducer::finish() {
    {
        const std::lock_guard lock(mutex_);
        inBackward_ = false;
        while (nextLaunch_ < buckets_.size()) launch(buckets_[nextLaunch_++]);
    }
    torch::NoGradGuard guard;
    for (auto& b : buckets_) {
        b.pending.wait();
        for (std::size_t s = 0; s < b.members.size(); ++s) {
            auto& p = parameters_[b.members[s]];
            const auto sum = b.flat.narrow(0, b.offsets[s], p.numel()).view(p.sizes());
            if (p.grad().defined()) p.mutable_grad().copy_(sum);
            else p.mutable_grad() = sum.clone();
        }
    }
}

}  // namespace hescape
