// A read-only view of n embeddings of one dimension, stored row-major as
// float (what run files and .h5ad obsm arrays hold). The evaluation metrics
// take these so that they work on any owner of the numbers without copies.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace hescape {

struct EmbeddingView {
    const float* data = nullptr;
    std::int64_t rows = 0;
    std::int64_t dim = 0;

    EmbeddingView() = default;
    EmbeddingView(const float* d, std::int64_t n, std::int64_t k) : data(d), rows(n), dim(k) {}
    // Throws std::invalid_argument when the vector's size is not n * dim.
    EmbeddingView(const std::vector<float>& v, std::int64_t dim_) : data(v.data()), rows(dim_ > 0 ? static_cast<std::int64_t>(v.size()) / dim_ : 0), dim(dim_) {
        if (dim_ <= 0 || static_cast<std::int64_t>(v.size()) != rows * dim_)
            throw std::invalid_argument("embeddings: " + std::to_string(v.size()) + " values are not rows of " + std::to_string(dim_));
    }
    const float* row(std::int64_t i) const { return data + i * dim; }
};

}  // namespace hescape
