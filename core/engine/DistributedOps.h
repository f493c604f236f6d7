// The data-parallel pieces of a training step, on a DistributedContext:
// - allGatherWithGrad: every rank's rows in rank order, with gradients that
//   reach the local rows from every rank's loss (backward all-reduces the
//   incoming gradients and keeps this rank's slice, like open_clip's
//   gather_with_grad), so a contrastive loss sees the global batch;
// - allReduceSumWithGrad: a sum over ranks that gradients flow back through;
// - globalBatchNorm / globalBatchDropout: batch norm over the statistics of
//   the global batch and dropout masks drawn for the global batch, so that N
//   ranks of b rows compute what one process does with N * b rows;
// - BucketedGradientReducer: sums the parameters' gradients over the ranks in
//   flattened buckets, launched from gradient hooks while backward runs.
#pragma once

#include "core/engine/DistributedContext.h"

#include <torch/nn/modules/batchnorm.h>
#include <torch/types.h>

#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

namespace hescape {

// `local`: [b, ...], the same shape on every rank. Returns [world * b, ...].
torch::Tensor allGatherWithGrad(const torch::Tensor& local, DistributedContext& dist, const std::string& what = "all-gather");
torch::Tensor allReduceSumWithGrad(const torch::Tensor& tensor, DistributedContext& dist, const std::string& what = "all-reduce");

// In training mode: normalises with the mean and biased variance of the
// global batch and updates the running statistics (unbiased variance, global
// count) exactly as the module's own forward would on the whole batch.
torch::Tensor globalBatchNorm(torch::nn::BatchNorm1dImpl& norm, const torch::Tensor& x, DistributedContext& dist);
torch::Tensor globalBatchNorm(torch::nn::BatchNorm2dImpl& norm, const torch::Tensor& x, DistributedContext& dist);

// Draws the mask of the whole global batch from torch's generator (which is
// in step on every rank) and applies this rank's rows: on the CPU the same
// numbers the dropout of one process over the global batch draws.
torch::Tensor globalBatchDropout(const torch::Tensor& x, double p, bool training, DistributedContext& dist);

// Sums the gradients of `parameters` over all ranks. Parameters go into
// buckets of about `bucketBytes` in reverse order (roughly the order backward
// produces their gradients); a hook on each parameter copies its gradient into
// its bucket, and a full bucket's all-reduce starts at once, in bucket order
// on every rank, overlapping the rest of backward. finish() reduces what is
// left (a parameter that got no gradient counts as zero), waits, and writes
// the sums into the parameters' .grad.
class BucketedGradientReducer {
public:
    static constexpr std::size_t kDefaultBucketBytes = std::size_t{1} << 20;

    BucketedGradientReducer(std::vector<torch::Tensor> parameters, DistributedContext& dist,
                            std::size_t bucketBytes = kDefaultBucketBytes);
    ~BucketedGradientReducer();  // removes the hooks
    BucketedGradientReducer(const BucketedGradientReducer&) = delete;
    BucketedGradientReducer& operator=(const BucketedGradientReducer&) = delete;

    void beginBackward();  // before each backward()
    void finish();         // after it

    std::size_t bucketCount() const { return buckets_.size(); }
    // Buckets whose all-reduce started inside the last backward (the overlap).
    std::size_t launchedDuringBackward() const { return launchedEarly_; }

private:
    struct Bucket {
        std::vector<std::size_t> members;   // indices into parameters_
        std::vector<std::int64_t> offsets;  // of each member in `flat`
        torch::Tensor flat;
        std::size_t ready = 0;
        bool launched = false;
        DistributedContext::PendingReduction pending;
    };

    void onGradient(std::size_t parameter, const torch::Tensor& grad);
    void launch(Bucket& bucket);

    std::vector<torch::Tensor> parameters_;
    std::vector<unsigned> hooks_;
    std::vector<std::size_t> bucketOf_, slotOf_;
    std::vector<bool> received_;
    std::vector<Bucket> buckets_;
    DistributedContext& dist_;
    std::size_t nextLaunch_ = 0, launchedEarly_ = 0;
    bool inBackward_ = false;
    std::mutex mutex_;  // hooks may run on autograd's device threads
};

}  // namespace hescape
