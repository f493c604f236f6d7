// ExpressionMatrix: construction with validation, row/column extraction, and
// the CSR -> CSC column index.
#include "core/spatial/ExpressionMatrix.h"
#include "core/compute/ParallelFor.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>
#include <stdexcept>

namespace hescape {

template <typename Values>
ExpressionMatrix ExpressionMatrix::makeDense(std::int64_t rows, std::int64_t cols, Values values) {
    if (rows < 0 || cols < 0 || static_cast<std::int64_t>(values.size()) != rows * cols) {
        throw std::invalid_argument("dense matrix: " + std::to_string(values.size()) + " values for shape " +
                                    std::to_string(rows) + " x " + std::to_string(cols));
    }
    ExpressionMatrix m;
    m.layout_ = MatrixLayout::Dense;
    m.rows_ = rows;
    m.cols_ = cols;
    auto owned = std::make_shared<const Values>(std::move(values));  // moving keeps the buffer where it is
    m.dense_ = *owned;
    m.storage_ = std::move(owned);
    return m;
}

template <typename Indptr, typename Indices, typename Data>
ExpressionMatrix ExpressionMatrix::makeSparse(MatrixLayout layout, std::int64_t rows, std::int64_t cols, Indptr indptr,
                                              Indices indices, Data data, std::optional<IndexBounds> knownBounds) {
    if (layout == MatrixLayout::Dense) throw std::invalid_argument("sparse(): layout must be CSR or CSC");
    const std::int64_t major = layout == MatrixLayout::Csr ? rows : cols;
    const std::int64_t minor = layout == MatrixLayout::Csr ? cols : rows;
    if (static_cast<std::int64_t>(indptr.size()) != major + 1) {
        throw std::invalid_argument("indptr has " + std::to_string(indptr.size()) + " entries, expected " +
                                    std::to_string(major + 1));
    }
    if (indices.size() != data.size()) {
        throw std::invalid_argument("indices has " + std::to_string(indices.size()) + " entries but data has " +
                                    std::to_string(data.size()));
    }
    if (indptr.front() != 0 || indptr.back() != static_cast<std::int64_t>(data.size())) {
        throw std::invalid_argument("indptr must start at 0 and end at the number of stored values (" +
                                    std::to_string(data.size()) + "), found " + std::to_string(indptr.front()) +
                                    " .. " + std::to_string(indptr.back()));
    }
    for (std::size_t i = 1; i < indptr.size(); ++i) {
        if (indptr[i] < indptr[i - 1]) {
            throw std::invalid_argument("indptr is not monotone at position " + std::to_string(i));
        }
    }
    const bool boundsInRange = knownBounds && knownBounds->min >= 0 && knownBounds->max < minor;
    for (std::size_t i = 0; !boundsInRange && i < indices.size(); ++i) {
        if (indices[i] < 0 || indices[i] >= minor) {
            throw std::invalid_argument("indices[" + std::to_string(i) + "] = " + std::to_string(indices[i]) +
                                        " is outside 0.." + std::to_string(minor - 1));
        }
    }
    ExpressionMatrix m;
    m.layout_ = layout;
    m.rows_ = rows;
    m.cols_ = cols;
    struct Arrays {
        Indptr indptr;
        Indices indices;
        Data data;
    };
    auto owned = std::make_shared<const Arrays>(Arrays{std::move(indptr), std::move(indices), std::move(data)});
    m.indptr_ = owned->indptr;
    m.indices_ = owned->indices;
    m.data_ = owned->data;
    m.storage_ = std::move(owned);
    return m;
}

ExpressionMatrix ExpressionMatrix::dense(std::int64_t rows, std::int64_t cols, std::vector<float> values) {
    return makeDense(rows, cols, std::move(values));
}

ExpressionMatrix ExpressionMatrix::denseFromBulk(std::int64_t rows, std::int64_t cols, UninitializedVector<float> values) {
    return makeDense(rows, cols, std::move(values));
}

ExpressionMatrix ExpressionMatrix::sparse(MatrixLayout layout, std::int64_t rows, std::int64_t cols,
                                          std::vector<std::int64_t> indptr, std::vector<std::int32_t> indices,
                                          std::vector<float> data, std::optional<IndexBounds> knownBounds) {
    return makeSparse(layout, rows, cols, std::move(indptr), std::move(indices), std::move(data), knownBounds);
}

ExpressionMatrix ExpressionMatrix::sparseFromBulk(MatrixLayout layout, std::int64_t rows, std::int64_t cols,
                                                  UninitializedVector<std::int64_t> indptr,
                                                  UninitializedVector<std::int32_t> indices,
                                                  UninitializedVector<float> data, std::optional<IndexBounds> knownBounds) {
    return makeSparse(layout, rows, cols, std::move(indptr), std::move(indices), std::move(data), knownBounds);
}

std::int64_t ExpressionMatrix::storedValues() const {
    return layout_ == MatrixLayout::Dense ? rows_ * cols_ : static_cast<std::int64_t>(data_.size());
}

ExpressionMatrix::ValueSummary ExpressionMatrix::summariseValues() const {
    const std::span<const float> values = layout_ == MatrixLayout::Dense ? dense_ : data_;
    // The (row, column) of stored value k: the compressed axis from indptr, the other from indices.
    const auto locate = [&](std::size_t k) -> std::pair<std::int64_t, std::int64_t> {
        if (layout_ == MatrixLayout::Dense) return {static_cast<std::int64_t>(k) / cols_, static_cast<std::int64_t>(k) % cols_};
        const auto major = static_cast<std::int64_t>(std::upper_bound(indptr_.begin(), indptr_.end(), static_cast<std::int64_t>(k)) - indptr_.begin()) - 1;
        const std::int64_t minor = indices_[k];
        return layout_ == MatrixLayout::Csr ? std::make_pair(major, minor) : std::make_pair(minor, major);
    };
    ValueSummary s;
    float lo = std::numeric_limits<float>::max();
    for (std::size_t k = 0; k < values.size(); ++k) {
        const float v = values[k];
        if (!std::isfinite(v)) {
            if (s.nonFinite++ == 0) std::tie(s.nonFiniteRow, s.nonFiniteCol) = locate(k);
            continue;
        }
        lo = std::min(lo, v);
        if (v < 0 && s.negative++ == 0) std::tie(s.negativeRow, s.negativeCol) = locate(k);
    }
    s.min = values.size() > static_cast<std::size_t>(s.nonFinite) ? lo : 0.0f;
    return s;
}

std::vector<float> ExpressionMatrix::column(std::int64_t col) const {
    if (col < 0 || col >= cols_) throw std::out_of_range("gene column " + std::to_string(col) + " out of range");
    std::vector<float> out(static_cast<std::size_t>(rows_), 0.0f);
    switch (layout_) {
        case MatrixLayout::Dense:
            for (std::int64_t r = 0; r < rows_; ++r) out[r] = dense_[r * cols_ + col];
            break;
        case MatrixLayout::Csc:
            for (std::int64_t k = indptr_[col]; k < indptr_[col + 1]; ++k) out[indices_[k]] = data_[k];
            break;
        case MatrixLayout::Csr:
            if (const auto idx = columnIndex_.get()) {
                for (std::int64_t k = idx->indptr[col]; k < idx->indptr[col + 1]; ++k) out[idx->rows[k]] = idx->data[k];
            } else if (rowsSorted_) {
                const auto target = static_cast<std::int32_t>(col);
                for (std::int64_t r = 0; r < rows_; ++r) {
                    const auto first = indices_.begin() + indptr_[r], last = indices_.begin() + indptr_[r + 1];
                    const auto it = std::lower_bound(first, last, target);
                    if (it != last && *it == target) out[r] = data_[it - indices_.begin()];
                }
            } else {
                for (std::int64_t r = 0; r < rows_; ++r)
                    for (std::int64_t k = indptr_[r]; k < indptr_[r + 1]; ++k)
                        if (indices_[k] == col) out[r] = data_[k];
            }
            break;
    }
    return out;
}

std::vector<float> ExpressionMatrix::row(std::int64_t r) const {
    if (r < 0 || r >= rows_) throw std::out_of_range("observation " + std::to_string(r) + " out of range");
    std::vector<float> out(static_cast<std::size_t>(cols_), 0.0f);
    switch (layout_) {
        case MatrixLayout::Dense:
            std::copy(dense_.begin() + r * cols_, dense_.begin() + (r + 1) * cols_, out.begin());
            break;
        case MatrixLayout::Csr:
            for (std::int64_t k = indptr_[r]; k < indptr_[r + 1]; ++k) out[indices_[k]] = data_[k];
            break;
        case MatrixLayout::Csc:
            for (std::int64_t c = 0; c < cols_; ++c)
                for (std::int64_t k = indptr_[c]; k < indptr_[c + 1]; ++k)
                    if (indices_[k] == r) out[c] = data_[k];
            break;
    }
    return out;
}

// A sparse matrix sums along its major axis (CSR rows, CSC columns) through
// indptr, and along its minor axis by scattering through indices.
std::vector<double> ExpressionMatrix::sums(bool perRow) const {
    std::vector<double> out(static_cast<std::size_t>(perRow ? rows_ : cols_), 0.0);
    if (layout_ == MatrixLayout::Dense) {
        for (std::int64_t r = 0; r < rows_; ++r)
            for (std::int64_t c = 0; c < cols_; ++c) out[static_cast<std::size_t>(perRow ? r : c)] += dense_[r * cols_ + c];
    } else if (perRow == (layout_ == MatrixLayout::Csr)) {
        for (std::size_t i = 0; i < out.size(); ++i)
            for (std::int64_t k = indptr_[i]; k < indptr_[i + 1]; ++k) out[i] += data_[k];
    } else {
        for (std::size_t k = 0; k < data_.size(); ++k) out[static_cast<std::size_t>(indices_[k])] += data_[k];
    }
    return out;
}

std::vector<double> ExpressionMatrix::rowSums() const { return sums(true); }

std::vector<double> ExpressionMatrix::columnSums() const { return sums(false); }

ExpressionMatrix ExpressionMatrix::selectColumns(const std::vector<std::int64_t>& columns) const {
    std::vector<std::int64_t> newIndex(static_cast<std::size_t>(cols_), -1);
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (columns[i] < 0 || columns[i] >= cols_) throw std::out_of_range("selectColumns: column out of range");
        newIndex[columns[i]] = static_cast<std::int64_t>(i);
    }
    const auto n = static_cast<std::int64_t>(columns.size());
    ExpressionMatrix out;
    if (layout_ == MatrixLayout::Dense) {
        std::vector<float> v(static_cast<std::size_t>(rows_ * n));
        for (std::int64_t r = 0; r < rows_; ++r)
            for (std::int64_t c = 0; c < n; ++c) v[r * n + c] = dense_[r * cols_ + columns[c]];
        out = dense(rows_, n, std::move(v));
    } else if (layout_ == MatrixLayout::Csc) {
        std::vector<std::int64_t> indptr{0};
        std::vector<std::int32_t> idx;
        std::vector<float> data;
        for (const auto c : columns) {
            for (std::int64_t k = indptr_[c]; k < indptr_[c + 1]; ++k) {
                idx.push_back(indices_[k]);
                data.push_back(data_[k]);
            }
            indptr.push_back(static_cast<std::int64_t>(data.size()));
        }
        out = sparse(MatrixLayout::Csc, rows_, n, std::move(indptr), std::move(idx), std::move(data));
    } else {
        std::vector<std::int64_t> indptr{0};
        std::vector<std::int32_t> idx;
        std::vector<float> data;
        for (std::int64_t r = 0; r < rows_; ++r) {
            for (std::int64_t k = indptr_[r]; k < indptr_[r + 1]; ++k) {
                if (newIndex[indices_[k]] >= 0) {
                    idx.push_back(static_cast<std::int32_t>(newIndex[indices_[k]]));
                    data.push_back(data_[k]);
                }
            }
            indptr.push_back(static_cast<std::int64_t>(data.size()));
        }
        out = sparse(MatrixLayout::Csr, rows_, n, std::move(indptr), std::move(idx), std::move(data));
    }
    out.integerValued_ = integerValued_;
    return out;
}

// A parallel transpose: the rows are cut into one block per thread (equal
// numbers of non-zeros); each thread counts its block's entries per column,
// so that it gets its own write range inside every column, after the blocks
// above it, and then scatters its block with no sharing. The result is the
// same as a one-thread pass (rows ascending inside each column). The output
// is left unzeroed (every slot is written once), so its pages are faulted in
// by the scatter, on all threads, instead of by a zero-fill pass on one.
void ExpressionMatrix::buildColumnIndex(unsigned threads) const {
    if (layout_ != MatrixLayout::Csr || columnIndex_.get()) return;
    const auto nnz = static_cast<std::int64_t>(indices_.size());
    std::size_t blocks = threads;
    if (threads == 0) {
        constexpr std::int64_t kValuesPerThread = 1 << 20;  // below this, starting threads costs more than it saves
        const auto hardware = static_cast<std::int64_t>(std::min(threadBudget(), 8));
        blocks = static_cast<std::size_t>(std::clamp<std::int64_t>(nnz / kValuesPerThread, 1, hardware));
    }
    // Block b holds rows [first[b], first[b + 1]).
    std::vector<std::int64_t> first(blocks + 1, rows_);
    first[0] = 0;
    for (std::size_t b = 1; b < blocks; ++b) {
        const std::int64_t target = nnz * static_cast<std::int64_t>(b) / static_cast<std::int64_t>(blocks);
        first[b] = std::lower_bound(indptr_.begin(), indptr_.begin() + rows_, target) - indptr_.begin();
    }
    std::vector<std::vector<std::int64_t>> cursor(blocks, std::vector<std::int64_t>(static_cast<std::size_t>(cols_), 0));
    auto idx = std::make_shared<ColumnIndex>();
    idx->indptr.assign(static_cast<std::size_t>(cols_ + 1), 0);
    idx->rows.resize(static_cast<std::size_t>(nnz));
    idx->data.resize(static_cast<std::size_t>(nnz));
    // One thread per block: each block's cursor is its own (core/compute/ParallelFor.h).
    auto inParallel = [blocks](const auto& work) {
        const auto n = static_cast<std::int64_t>(blocks);
        forEachChunk(n, 1, static_cast<int>(n), Progress{}, [&](std::int64_t b, std::int64_t, std::int64_t) { work(static_cast<std::size_t>(b)); });
    };
    inParallel([&](std::size_t b) {
        auto& count = cursor[b];
        for (std::int64_t k = indptr_[first[b]]; k < indptr_[first[b + 1]]; ++k) ++count[static_cast<std::size_t>(indices_[k])];
    });
    std::int64_t offset = 0;
    for (std::int64_t c = 0; c < cols_; ++c) {
        const auto col = static_cast<std::size_t>(c);
        idx->indptr[col] = offset;
        for (auto& count : cursor) {
            const std::int64_t n = count[col];
            count[col] = offset;  // from here on: where this block writes next in column c
            offset += n;
        }
    }
    idx->indptr[static_cast<std::size_t>(cols_)] = offset;
    std::int32_t* const rowsOut = idx->rows.data();
    float* const dataOut = idx->data.data();
    inParallel([&](std::size_t b) {
        auto& next = cursor[b];
        for (std::int64_t r = first[b]; r < first[b + 1]; ++r) {
            for (std::int64_t k = indptr_[r]; k < indptr_[r + 1]; ++k) {
                const auto pos = next[static_cast<std::size_t>(indices_[k])]++;
                rowsOut[pos] = static_cast<std::int32_t>(r);
                dataOut[pos] = data_[k];
            }
        }
    });
    columnIndex_.set(std::move(idx));
}

void ExpressionMatrix::checkSortedRows() {
    if (layout_ != MatrixLayout::Csr) return;
    bool sorted = true;
    for (std::int64_t r = 0; r < rows_ && sorted; ++r)
        for (std::int64_t k = indptr_[r] + 1; k < indptr_[r + 1]; ++k)
            if (indices_[k] <= indices_[k - 1]) {
                sorted = false;
                break;
            }
    rowsSorted_ = sorted;
}

}  // namespace hescape
