// Observations x genes expression, as stored: dense row-major, CSR or CSC,
// values kept as float (integer counts are exact in float up to 2^24).
// Gene (column) access is what views need; for CSR a column index is built
// once (buildColumnIndex) so that switching genes does not scan the matrix.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace hescape {

enum class MatrixLayout { Dense, Csr, Csc };

class ExpressionMatrix {
public:
    ExpressionMatrix() = default;
    static ExpressionMatrix dense(std::int64_t rows, std::int64_t cols, std::vector<float> values);
    // Validates indptr (length, monotone, ends at nnz) and index ranges;
    // throws std::invalid_argument with a message naming the field.
    static ExpressionMatrix sparse(MatrixLayout layout, std::int64_t rows, std::int64_t cols,
                                   std::vector<std::int64_t> indptr, std::vector<std::int32_t> indices,
                                   std::vector<float> data);

    MatrixLayout layout() const { return layout_; }
    std::int64_t rows() const { return rows_; }
    std::int64_t cols() const { return cols_; }
    std::int64_t storedValues() const;  // nnz for sparse, rows*cols for dense
    bool integerValued() const { return integerValued_; }
    void setIntegerValued(bool v) { integerValued_ = v; }

    // One gene's values for every observation (zeros filled in).
    std::vector<float> column(std::int64_t col) const;
    // One observation's values for every gene.
    std::vector<float> row(std::int64_t r) const;
    // The same observations with only the given columns, in that order.
    ExpressionMatrix selectColumns(const std::vector<std::int64_t>& columns) const;
    // Per-observation sums (library sizes).
    std::vector<double> rowSums() const;

    // For CSR matrices: builds a CSC copy of the index so column() is
    // proportional to that gene's non-zeros. Safe to call from a worker
    // thread before the matrix is shared; a no-op for other layouts.
    void buildColumnIndex();
    bool hasColumnIndex() const { return columnIndex_ != nullptr; }

private:
    struct ColumnIndex {
        std::vector<std::int64_t> indptr;
        std::vector<std::int32_t> rows;
        std::vector<float> data;
    };
    MatrixLayout layout_ = MatrixLayout::Dense;
    std::int64_t rows_ = 0;
    std::int64_t cols_ = 0;
    std::vector<float> dense_;
    std::vector<std::int64_t> indptr_;
    std::vector<std::int32_t> indices_;
    std::vector<float> data_;
    bool integerValued_ = false;
    std::shared_ptr<const ColumnIndex> columnIndex_;
};

}  // namespace hescape
