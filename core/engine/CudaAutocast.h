// bf16 mixed precision on CUDA for the scope of one forward pass: matrix
// products and convolutions run in bfloat16, reductions and the loss stay in
// float32 (the losses cast their inputs up). Wraps the autocast API, whose
// spelling changed in LibTorch 2.4, so the engine builds against Debian's
// 1.13 and a current PyTorch's LibTorch alike.
#pragma once

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace hescape {

class CudaAutocast {
public:
    explicit CudaAutocast(bool enabled) : enabled_(enabled) {
        if (!enabled_) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
        wasEnabled_ = at::autocast::is_autocast_enabled(at::kCUDA);
        previousType_ = at::autocast::get_autocast_dtype(at::kCUDA);
        at::autocast::set_autocast_enabled(at::kCUDA, true);
        at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
#else
        wasEnabled_ = at::autocast::is_enabled();
        previousType_ = at::autocast::get_autocast_gpu_dtype();
        at::autocast::set_enabled(true);
        at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
#endif
        at::autocast::increment_nesting();
    }
    ~CudaAutocast() {
        if (!enabled_) return;
        if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
        at::autocast::set_autocast_enabled(at::kCUDA, wasEnabled_);
        at::autocast::set_autocast_dtype(at::kCUDA, previousType_);
#else
        at::autocast::set_enabled(wasEnabled_);
        at::autocast::set_autocast_gpu_dtype(previousType_);
#endif
    }
    CudaAutocast(const CudaAutocast&) = delete;
    CudaAutocast& operator=(const CudaAutocast&) = delete;

private:
    bool enabled_ = false;
    bool wasEnabled_ = false;
    at::ScalarType previousType_ = at::kHalf;
};

}  // namespace hescape
