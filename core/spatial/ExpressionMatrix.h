// Observations x genes expression, as stored: dense row-major, CSR or CSC,
// values kept as float (integer counts are exact in float up to 2^24).
// Gene (column) access is what views need; for CSR a column index is built
// once (buildColumnIndex, possibly in the background) so that switching genes
// does not scan the matrix; until then sorted rows are binary-searched.
// The arrays never change after construction, so copies share them.
#pragma once

#include "core/common/UninitializedVector.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace hescape {

enum class MatrixLayout { Dense, Csr, Csc };

class ExpressionMatrix {
public:
    ExpressionMatrix() = default;
    static ExpressionMatrix dense(std::int64_t rows, std::int64_t cols, std::vector<float> values);
    // The smallest and largest entry of a sparse matrix's indices.
    struct IndexBounds {
        std::int32_t min = 0;
        std::int32_t max = -1;
    };
    // Validates indptr (length, monotone, ends at nnz) and index ranges;
    // throws std::invalid_argument with a message naming the field. A caller
    // that has already computed the exact bounds of `indices` (a bulk reader
    // does, while each block is in cache) passes them to spare a pass over
    // every index; out-of-range bounds still get the full scan, so the
    // message names the first bad index either way.
    static ExpressionMatrix sparse(MatrixLayout layout, std::int64_t rows, std::int64_t cols,
                                   std::vector<std::int64_t> indptr, std::vector<std::int32_t> indices,
                                   std::vector<float> data, std::optional<IndexBounds> knownBounds = std::nullopt);
    // The same, keeping the arrays of Hdf5File's bulk reads as they are (a
    // copy into std::vectors would cost another pass over a 1 GB matrix).
    static ExpressionMatrix denseFromBulk(std::int64_t rows, std::int64_t cols, UninitializedVector<float> values);
    static ExpressionMatrix sparseFromBulk(MatrixLayout layout, std::int64_t rows, std::int64_t cols,
                                           UninitializedVector<std::int64_t> indptr,
                                           UninitializedVector<std::int32_t> indices, UninitializedVector<float> data,
                                           std::optional<IndexBounds> knownBounds = std::nullopt);

    MatrixLayout layout() const { return layout_; }
    std::int64_t rows() const { return rows_; }
    std::int64_t cols() const { return cols_; }
    std::int64_t storedValues() const;  // nnz for sparse, rows*cols for dense
    bool integerValued() const { return integerValued_; }
    void setIntegerValued(bool v) { integerValued_ = v; }

    // What the stored values are, from one pass over them: how many are NaN
    // or infinite and how many negative, where the first of each is (row,
    // column; -1 when none), and the smallest finite stored value.
    struct ValueSummary {
        std::int64_t nonFinite = 0, negative = 0;
        std::int64_t nonFiniteRow = -1, nonFiniteCol = -1, negativeRow = -1, negativeCol = -1;
        float min = 0;
    };
    ValueSummary summariseValues() const;

    // One gene's values for every observation (zeros filled in).
    std::vector<float> column(std::int64_t col) const;
    // One observation's values for every gene.
    std::vector<float> row(std::int64_t r) const;
    // The same observations with only the given columns, in that order.
    ExpressionMatrix selectColumns(const std::vector<std::int64_t>& columns) const;
    // Per-observation sums (library sizes).
    std::vector<double> rowSums() const;
    // Per-gene sums over all observations (one pass, any layout).
    std::vector<double> columnSums() const;

    // For CSR matrices: builds a CSC copy of the index so column() is
    // proportional to that gene's non-zeros, on `threads` threads (0: one per
    // hardware thread, at most 8, and one per million values at least; the
    // result is the same for any count). A no-op for other layouts or when
    // built already. It is a cache: it may run on a worker thread while other
    // threads call column() on the same (shared) matrix, which scans the rows
    // until the index is in place, then uses it.
    void buildColumnIndex(unsigned threads = 0) const;
    bool hasColumnIndex() const { return columnIndex_.get() != nullptr; }
    // For CSR matrices: checks, once, whether every row's column indices are
    // ascending (scanpy/anndata's canonical form); if so, column() without the
    // index binary-searches each row instead of reading every stored value.
    // Call before the matrix is shared (a loading thread does).
    void checkSortedRows();
    bool rowsSorted() const { return rowsSorted_; }

private:
    struct ColumnIndex {
        std::vector<std::int64_t> indptr;
        UninitializedVector<std::int32_t> rows;  // every slot is written by the build
        UninitializedVector<float> data;
    };
    std::vector<double> sums(bool perRow) const;  // rowSums / columnSums
    template <typename Values>
    static ExpressionMatrix makeDense(std::int64_t rows, std::int64_t cols, Values values);
    template <typename Indptr, typename Indices, typename Data>
    static ExpressionMatrix makeSparse(MatrixLayout layout, std::int64_t rows, std::int64_t cols, Indptr indptr,
                                       Indices indices, Data data, std::optional<IndexBounds> knownBounds);

    MatrixLayout layout_ = MatrixLayout::Dense;
    std::int64_t rows_ = 0;
    std::int64_t cols_ = 0;
    // Views of the arrays, which storage_ owns (std::vectors or bulk-read
    // buffers, whichever the matrix was made from).
    std::span<const float> dense_;
    std::span<const std::int64_t> indptr_;
    std::span<const std::int32_t> indices_;
    std::span<const float> data_;
    std::shared_ptr<const void> storage_;
    bool integerValued_ = false;
    bool rowsSorted_ = false;
    // The column index, set once by buildColumnIndex from any thread; copies
    // of the matrix take the index it has at the time.
    class SharedIndex {
    public:
        SharedIndex() = default;
        SharedIndex(const SharedIndex& o) : ptr_(o.ptr_.load()) {}
        SharedIndex& operator=(const SharedIndex& o) {
            ptr_.store(o.ptr_.load());
            return *this;
        }
        std::shared_ptr<const ColumnIndex> get() const { return ptr_.load(); }
        void set(std::shared_ptr<const ColumnIndex> p) const { ptr_.store(std::move(p)); }

    private:
        mutable std::atomic<std::shared_ptr<const ColumnIndex>> ptr_;
    };
    SharedIndex columnIndex_;
};

}  // namespace hescape
