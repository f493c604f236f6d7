// AnnData reader. Encodings handled: anndata >= 0.7 ("encoding-type"
// attributes: csr_matrix, csc_matrix, array, dataframe, categorical,
// string-array) and the older forms: h5sparse_format/h5sparse_shape sparse
// groups and categoricals whose categories sit in obs/__categories/<name>.
#include "core/spatial/AnnDataReader.h"

#include "core/io/Hdf5File.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <mutex>
#include <sstream>

namespace hescape {

namespace {

class Reader {
public:
    Reader(const std::string& path, const Progress& progress) : f_(path), progress_(progress) {}

    SpatialDataset read() {
        SpatialDataset ds;
        ds.source = f_.path();
        ds.format = "h5ad";
        step(0.0, "reading obs");
        ds.obsNames = readIndex("/obs");
        ds.obs = readColumns("/obs", {});
        step(0.1, "reading var");
        ds.geneNames = readIndex("/var");
        for (const auto& c : readColumns("/var", {"gene_ids"}))
            if (c.name == "gene_ids" && c.kind != ObsColumn::Kind::Numeric) ds.geneIds = columnText(c);
        step(0.2, "reading X");
        if (!f_.exists("/X")) throw DatasetError(f_.where("/X") + "is missing (no expression matrix)");
        ds.expression = readMatrix("/X");
        if (f_.exists("/layers/counts")) {
            step(0.6, "reading layers/counts");
            ds.rawCounts = readMatrix("/layers/counts");
        }
        step(0.8, "reading obsm");
        readObsm(ds);
        readSpotDiameter(ds);
        checkShape(ds);
        ds.validate();
        step(1.0, "done");
        return ds;
    }

private:
    // Called for every block of the bulk reads (on their threads), so that
    // cancelling stops a large read within a block rather than at its end.
    void checkStop() const { progress_.throwIfCancelled(); }

    void step(double f, const std::string& what) {
        progress_.throwIfCancelled();
        progress_.update(f, what);
    }

    [[noreturn]] void fail(const std::string& object, const std::string& message) const {
        throw DatasetError(f_.where(object) + message);
    }

    std::string encoding(const std::string& object) const {
        return f_.attributeString(object, "encoding-type").value_or("");
    }

    std::vector<std::string> readIndex(const std::string& frame) {
        if (!f_.exists(frame)) fail(frame, "is missing");
        if (f_.isDataset(frame)) {
            fail(frame, "is a compound table (written by anndata < 0.7); re-save the file with a current anndata");
        }
        const std::string indexName = f_.attributeString(frame, "_index").value_or("_index");
        const std::string path = frame + "/" + indexName;
        if (!f_.isDataset(path)) fail(path, "is missing (the data frame has no index)");
        if (f_.type(path).cls == Hdf5Class::String) return f_.readStrings(path);
        // Numeric indices happen (e.g. a default RangeIndex): keep them as text.
        std::vector<std::string> out;
        for (const double v : f_.readDoubles(path)) out.push_back(std::to_string(static_cast<long long>(v)));
        return out;
    }

    std::vector<std::string> columnText(const ObsColumn& c) const {
        std::vector<std::string> out;
        for (std::size_t i = 0; i < c.size(); ++i) out.push_back(c.text(i));
        return out;
    }

    // Reads the columns of a data frame; `only` restricts to these names when not empty.
    std::vector<ObsColumn> readColumns(const std::string& frame, const std::vector<std::string>& only) {
        std::vector<ObsColumn> out;
        std::vector<std::string> names = f_.attributeStrings(frame, "column-order");
        if (names.empty()) {
            const std::string indexName = f_.attributeString(frame, "_index").value_or("_index");
            for (const auto& child : f_.children(frame))
                if (child != indexName && child != "__categories") names.push_back(child);
        }
        for (const auto& name : names) {
            if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
            out.push_back(readColumn(frame, name));
        }
        return out;
    }

    ObsColumn readColumn(const std::string& frame, const std::string& name) {
        const std::string path = frame + "/" + name;
        if (!f_.exists(path)) fail(path, "is listed in column-order but missing");
        ObsColumn c;
        c.name = name;
        const std::string enc = encoding(path);
        if (f_.isGroup(path)) {
            if (enc != "categorical") fail(path, "has unknown encoding '" + enc + "' (expected a categorical group)");
            c.kind = ObsColumn::Kind::Categorical;
            c.categories = readCategories(path + "/categories");
            c.codes = f_.readInt32(path + "/codes");
            c.ordered = f_.attributeBool(path, "ordered").value_or(false);
            checkCodes(path + "/codes", c);
            return c;
        }
        const Hdf5Type t = f_.type(path);
        if (f_.exists(frame + "/__categories/" + name)) {  // anndata < 0.8 categorical
            c.kind = ObsColumn::Kind::Categorical;
            c.categories = readCategories(frame + "/__categories/" + name);
            c.codes = f_.readInt32(path);
            checkCodes(path, c);
        } else if (t.cls == Hdf5Class::String) {
            c.kind = ObsColumn::Kind::String;
            c.strings = f_.readStrings(path);
        } else if (t.cls == Hdf5Class::Integer || t.cls == Hdf5Class::Float || t.cls == Hdf5Class::Boolean) {
            c.kind = ObsColumn::Kind::Numeric;
            c.numbers = f_.readDoubles(path);
        } else {
            fail(path, "has unsupported type " + t.describe());
        }
        return c;
    }

    std::vector<std::string> readCategories(const std::string& path) {
        if (!f_.isDataset(path)) fail(path, "is missing (categorical without categories)");
        if (f_.type(path).cls == Hdf5Class::String) return f_.readStrings(path);
        std::vector<std::string> out;
        for (const double v : f_.readDoubles(path)) {
            std::ostringstream s;
            s << v;
            out.push_back(s.str());
        }
        return out;
    }

    void checkCodes(const std::string& path, const ObsColumn& c) const {
        for (std::size_t i = 0; i < c.codes.size(); ++i) {
            if (c.codes[i] < -1 || c.codes[i] >= static_cast<std::int32_t>(c.categories.size())) {
                fail(path, "code " + std::to_string(c.codes[i]) + " at row " + std::to_string(i) + " is outside the " +
                               std::to_string(c.categories.size()) + " categories");
            }
        }
    }

    // Whether every value is a whole number of magnitude below 2e9 (NaN and
    // infinity are not). This scans every stored value, so it is written for
    // the vectoriser (GCC 12 does not vectorise a float -> int -> float round
    // trip): below 2^23, adding and subtracting 2^23 rounds to the nearest
    // integer in IEEE arithmetic; from 2^23 on every float is an integer.
    // Checked against the round-trip form for all 2^32 floats.
    static bool allIntegral(const float* v, std::size_t n) {
        constexpr float two23 = 8388608.0f;
        std::uint32_t bad = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const float a = std::fabs(v[i]);
            const float rounded = (a + two23) - two23;
            const bool whole = (a < 2.0e9f) & ((rounded == a) | (a >= two23));
            bad |= static_cast<std::uint32_t>(!whole);
        }
        return bad == 0;
    }

    // A sparse matrix's data, with whether every value is a whole number,
    // checked block by block while the bulk read has the block in cache.
    UninitializedVector<float> readSparseData(const std::string& path, bool& integral) {
        const bool storedAsIntegers = f_.type(path).cls == Hdf5Class::Integer;
        std::atomic<bool> allWhole{true};
        auto data = f_.readFloatsBulk(path, [&](const float* v, std::size_t, std::size_t n) {
            checkStop();
            if (!storedAsIntegers && !allIntegral(v, n)) allWhole.store(false, std::memory_order_relaxed);
        });
        integral = storedAsIntegers || allWhole.load();
        return data;
    }

    // A sparse matrix's indices and their bounds, taken the same way.
    UninitializedVector<std::int32_t> readSparseIndices(const std::string& path, ExpressionMatrix::IndexBounds& bounds) {
        std::mutex mutex;
        bounds = {std::numeric_limits<std::int32_t>::max(), std::numeric_limits<std::int32_t>::min()};
        auto indices = f_.readInt32Bulk(path, [&](const std::int32_t* v, std::size_t, std::size_t n) {
            checkStop();
            std::int32_t lo = std::numeric_limits<std::int32_t>::max();
            std::int32_t hi = std::numeric_limits<std::int32_t>::min();
            for (std::size_t i = 0; i < n; ++i) {  // vectorised min/max
                lo = std::min(lo, v[i]);
                hi = std::max(hi, v[i]);
            }
            const std::lock_guard lock(mutex);
            bounds.min = std::min(bounds.min, lo);
            bounds.max = std::max(bounds.max, hi);
        });
        return indices;
    }

    ExpressionMatrix readMatrix(const std::string& path) {
        try {
            if (f_.isDataset(path)) {
                const auto shape = f_.shape(path);
                if (shape.size() != 2) fail(path, "must be 2-D, found " + std::to_string(shape.size()) + "-D");
                const Hdf5Type t = f_.type(path);
                // Float counts that are all whole numbers are counts too (as for sparse X).
                std::atomic<bool> allWhole{true};
                auto m = ExpressionMatrix::denseFromBulk(shape[0], shape[1], f_.readFloatsBulk(path, [&](const float* v, std::size_t, std::size_t n) {
                    checkStop();
                    if (t.cls != Hdf5Class::Integer && !allIntegral(v, n)) allWhole.store(false, std::memory_order_relaxed);
                }));
                m.setIntegerValued(t.cls == Hdf5Class::Integer || allWhole.load());
                return m;
            }
            std::string enc = encoding(path);
            std::vector<std::int64_t> shape;
            if (enc == "csr_matrix" || enc == "csc_matrix") {
                shape = f_.attributeInt64(path, "shape");
            } else if (const auto old = f_.attributeString(path, "h5sparse_format")) {
                enc = *old == "csr" ? "csr_matrix" : *old == "csc" ? "csc_matrix" : *old;
                shape = f_.attributeInt64(path, "h5sparse_shape");
            }
            if (enc != "csr_matrix" && enc != "csc_matrix") {
                fail(path, "has unknown encoding '" + enc + "' (expected a dense array, csr_matrix or csc_matrix)");
            }
            if (shape.size() != 2) fail(path, "attribute 'shape' must have two entries");
            for (const char* part : {"/data", "/indices", "/indptr"})
                if (!f_.isDataset(path + part)) fail(path + part, "is missing");
            bool integral = false;
            auto data = readSparseData(path + "/data", integral);
            auto indptr = f_.readInt64Bulk(path + "/indptr");
            ExpressionMatrix::IndexBounds bounds;
            auto indices = readSparseIndices(path + "/indices", bounds);
            auto m = ExpressionMatrix::sparseFromBulk(enc == "csr_matrix" ? MatrixLayout::Csr : MatrixLayout::Csc,
                                                      shape[0], shape[1], std::move(indptr), std::move(indices),
                                                      std::move(data), bounds);
            m.setIntegerValued(integral);
            return m;
        } catch (const std::invalid_argument& e) {
            fail(path, e.what());
        } catch (const Hdf5Error& e) {
            throw DatasetError(e.what());
        }
    }

    // double -> float as HDF5 converts: nearest, and out of range becomes
    // infinity (a plain cast of such a value is undefined behaviour).
    static float toFloat(double v) {
        if (v > std::numeric_limits<float>::max()) return std::numeric_limits<float>::infinity();
        if (v < std::numeric_limits<float>::lowest()) return -std::numeric_limits<float>::infinity();
        return static_cast<float>(v);
    }

    void readObsm(SpatialDataset& ds) {
        if (!f_.isGroup("/obsm")) return;
        for (const auto& name : f_.children("/obsm")) {
            const std::string path = "/obsm/" + name;
            if (!f_.isDataset(path)) continue;  // data-frame obsm entries are not embeddings
            const auto shape = f_.shape(path);
            const Hdf5Type t = f_.type(path);
            if (shape.size() != 2 || (t.cls != Hdf5Class::Integer && t.cls != Hdf5Class::Float)) {
                fail(path, "must be a 2-D numeric array, found " + std::to_string(shape.size()) + "-D " + t.describe());
            }
            Embedding e;
            e.rows = shape[0];
            e.dims = shape[1];
            if (name == "spatial") {
                if (e.dims < 2) fail(path, "needs at least two columns (x, y)");
                // Read as double: pixel coordinates of large images exceed
                // float precision. The float copy is made from these rather
                // than read a second time.
                const auto xy = f_.readDoubles(path);
                e.values.resize(xy.size());
                for (std::size_t i = 0; i < xy.size(); ++i) e.values[i] = toFloat(xy[i]);
                ds.coordinates.resize(static_cast<std::size_t>(e.rows));
                for (std::int64_t i = 0; i < e.rows; ++i) ds.coordinates[i] = {xy[i * e.dims], xy[i * e.dims + 1]};
            } else {
                e.values = f_.readFloats(path);
            }
            ds.obsm.emplace(name, std::move(e));
        }
        ds.coordinateUnits = "pixels";
    }

    void readSpotDiameter(SpatialDataset& ds) {
        if (!f_.isGroup("/uns/spatial")) return;
        for (const auto& library : f_.children("/uns/spatial")) {
            const std::string p = "/uns/spatial/" + library + "/scalefactors/spot_diameter_fullres";
            if (f_.isDataset(p)) {
                const auto v = f_.readDoubles(p);
                // A spot of no or negative size would draw nothing, or be taken as "unknown" without a word.
                if (v.size() != 1 || !std::isfinite(v[0]) || v[0] <= 0) {
                    char found[32] = "none";
                    if (!v.empty()) std::snprintf(found, sizeof found, "%g", v[0]);
                    fail(p, std::string("must hold one positive number, found ") + found);
                }
                ds.spotDiameter = v[0];
                return;
            }
        }
    }

    void checkShape(const SpatialDataset& ds) const {
        if (ds.expression.rows() != ds.observationCount()) {
            fail("/X", "has " + std::to_string(ds.expression.rows()) + " rows but obs has " +
                           std::to_string(ds.observationCount()) + " entries");
        }
        if (ds.expression.cols() != ds.geneCount()) {
            fail("/X", "has " + std::to_string(ds.expression.cols()) + " columns but var has " +
                           std::to_string(ds.geneCount()) + " genes");
        }
        if (ds.rawCounts && (ds.rawCounts->rows() != ds.expression.rows() || ds.rawCounts->cols() != ds.expression.cols())) {
            fail("/layers/counts", "has a different shape from X");
        }
    }

    Hdf5File f_;
    const Progress& progress_;
};

}  // namespace

SpatialDataset readAnnData(const std::string& path, const Progress& progress) {
    try {
        return Reader(path, progress).read();
    } catch (const Hdf5Error& e) {
        throw DatasetError(e.what());
    }
}

}  // namespace hescape
