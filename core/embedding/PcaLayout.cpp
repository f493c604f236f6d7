// PCA with LibTorch in double. The covariance is summed over row chunks in a
// fixed number of groups run on plain threads (Debian's reference BLAS is
// single-threaded) and added in group order, then eigen-decomposed; the
// projection runs chunk by chunk so that n x dim never exists in double.
#include "core/embedding/PcaLayout.h"

#include "core/embedding/LayoutInput.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace hescape {

namespace {

constexpr std::int64_t kChunkRows = 16384;
constexpr std::int64_t kGroups = 8;  // fixed, so the summation order never depends on threads

at::Tensor rowsAsDouble(const std::vector<float>& data, std::int64_t begin, std::int64_t end, std::int64_t dim) {
    return at::from_blob(const_cast<float*>(data.data() + begin * dim), {end - begin, dim}, at::kFloat).to(at::kDouble);
}

}  // namespace

PcaResult pcaLayout(const std::vector<float>& data, std::int64_t dim, int nComponents, const Progress& progress) {
    const std::int64_t n = checkLayoutInput(data, dim, 2, "PCA");
    if (nComponents < 1 || nComponents > std::min(n, dim))
        throw std::invalid_argument("PCA: nComponents must be between 1 and min(n, dim) = " + std::to_string(std::min(n, dim)) + ", got " +
                                    std::to_string(nComponents));
    at::NoGradGuard noGrad;
    const int threads = computeThreads(0);
    const std::int64_t rowsPerGroup = (n + kGroups - 1) / kGroups;

    // Mean, per group then in group order.
    std::vector<at::Tensor> partial(kGroups);
    forEachChunk(n, rowsPerGroup, threads, progress, [&](std::int64_t g, std::int64_t b, std::int64_t e) {
        auto sum = at::zeros({dim}, at::kDouble);
        for (std::int64_t c = b; c < e; c += kChunkRows) sum += rowsAsDouble(data, c, std::min(e, c + kChunkRows), dim).sum(0);
        partial[static_cast<std::size_t>(g)] = sum;
    });
    auto mean = at::zeros({dim}, at::kDouble);
    for (const auto& p : partial)
        if (p.defined()) mean += p;
    mean /= static_cast<double>(n);
    progress.update(0.2, "PCA: covariance");

    at::Tensor vectors, variances;  // dim x c (columns), c
    double totalVariance = 0;
    if (n >= dim) {
        for (auto& p : partial) p = at::Tensor();
        forEachChunk(n, rowsPerGroup, threads, progress, [&](std::int64_t g, std::int64_t b, std::int64_t e) {
            auto cov = at::zeros({dim, dim}, at::kDouble);
            for (std::int64_t c = b; c < e; c += kChunkRows) {
                progress.throwIfCancelled();
                const auto xc = rowsAsDouble(data, c, std::min(e, c + kChunkRows), dim) - mean;
                cov.addmm_(xc.t(), xc);
            }
            partial[static_cast<std::size_t>(g)] = cov;
        });
        auto cov = at::zeros({dim, dim}, at::kDouble);
        for (const auto& p : partial)
            if (p.defined()) cov += p;
        cov /= static_cast<double>(n - 1);
        totalVariance = cov.trace().item<double>();
        progress.update(0.6, "PCA: eigenvectors");
        const auto [values, vecs] = at::linalg_eigh(cov);  // ascending
        vectors = vecs.narrow(1, dim - nComponents, nComponents).flip({1}).contiguous();
        variances = values.narrow(0, dim - nComponents, nComponents).flip({0}).contiguous();
    } else {
        // Fewer points than dimensions: the SVD of the centred data is small and exact.
        const auto xc = rowsAsDouble(data, 0, n, dim) - mean;
        const auto [u, s, vh] = at::linalg_svd(xc, false);
        const auto all = s * s / static_cast<double>(n - 1);
        totalVariance = all.sum().item<double>();
        vectors = vh.narrow(0, 0, nComponents).t().contiguous();
        variances = all.narrow(0, 0, nComponents).contiguous();
    }
    progress.update(0.7, "PCA: projecting");

    // Coordinates, chunk by chunk (rows are independent).
    std::vector<double> scores(static_cast<std::size_t>(n * nComponents));
    forEachChunk(n, kChunkRows, threads, progress, [&](std::int64_t, std::int64_t b, std::int64_t e) {
        const auto y = at::mm(rowsAsDouble(data, b, e, dim) - mean, vectors).contiguous();
        std::copy(y.data_ptr<double>(), y.data_ptr<double>() + (e - b) * nComponents, scores.begin() + b * nComponents);
    });

    PcaResult r;
    r.nComponents = nComponents;
    r.mean.assign(mean.data_ptr<double>(), mean.data_ptr<double>() + dim);
    r.components.resize(static_cast<std::size_t>(nComponents * dim));
    r.coordinates.resize(static_cast<std::size_t>(n * nComponents));
    const auto vec = vectors.accessor<double, 2>();
    for (int c = 0; c < nComponents; ++c) {
        // svd_flip (u-based): the largest |score| (first of equals) becomes positive.
        std::int64_t arg = 0;
        for (std::int64_t i = 1; i < n; ++i)
            if (std::abs(scores[static_cast<std::size_t>(i * nComponents + c)]) > std::abs(scores[static_cast<std::size_t>(arg * nComponents + c)])) arg = i;
        const double sign = scores[static_cast<std::size_t>(arg * nComponents + c)] < 0 ? -1.0 : 1.0;
        for (std::int64_t t = 0; t < dim; ++t) r.components[static_cast<std::size_t>(c * dim + t)] = sign * vec[t][c];
        for (std::int64_t i = 0; i < n; ++i)
            r.coordinates[static_cast<std::size_t>(i * nComponents + c)] = static_cast<float>(sign * scores[static_cast<std::size_t>(i * nComponents + c)]);
        const double v = std::max(0.0, variances[c].item<double>());
        r.explainedVariance.push_back(v);
        r.explainedVarianceRatio.push_back(totalVariance > 0 ? v / totalVariance : 0.0);
    }
    progress.update(1.0, "PCA: done");
    return r;
}

}  // namespace hescape
