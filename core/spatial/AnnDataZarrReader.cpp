// AnnData as Zarr. Encodings handled are anndata's ("encoding-type"
// attributes, anndata >= 0.8 writes them for Zarr): anndata, dataframe,
// array, string-array, csr_matrix, csc_matrix, categorical, nullable-*,
// dict (uns). X and obsm shapes are checked against obs and var, and the
// sparse parts against indptr, before any of them is read.
#include "core/spatial/AnnDataZarrReader.h"

#include "core/io/ZarrArray.h"
#include "core/io/ZarrHierarchy.h"
#include "core/io/ZarrStringArray.h"
#include "core/io/ZarrValues.h"
#include "core/spatial/AnnDataZarrFrame.h"

#include <algorithm>
#include <cmath>
#include <memory>

namespace hescape {

namespace {

std::string shapeText(const std::vector<std::int64_t>& shape) {
    std::string s;
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? " x " : "") + std::to_string(shape[i]);
    return shape.empty() ? std::string("()") : s;
}

// Dense matrices hold at most 2^32 values (16 GiB as float): a bound on what obs and var
// indices (each up to 2^26 entries) could otherwise make a dense X allocate.
constexpr std::size_t kMaxDenseValues = std::size_t{1} << 32;

bool allWhole(const std::vector<float>& v) {
    return std::all_of(v.begin(), v.end(), [](float x) { return std::abs(x) < 2.0e9f && x == std::nearbyint(x); });
}

class Reader {
public:
    Reader(const std::string& dir, const Progress& progress, bool spatialAsCoordinates)
        : at_{dir}, progress_(progress), spatialAsCoordinates_(spatialAsCoordinates) {}

    SpatialDataset read() {
        checkRoot();
        SpatialDataset ds;
        ds.source = at_.root;
        ds.format = "anndata-zarr";
        step(0.0, "reading obs");
        ds.obsNames = readAnnDataZarrIndex(at_, "obs");
        const std::size_t n = ds.obsNames.size();
        ds.obs = readAnnDataZarrColumns(at_, "obs", n);
        step(0.1, "reading var");
        ds.geneNames = readAnnDataZarrIndex(at_, "var");
        for (const auto& c : readAnnDataZarrColumns(at_, "var", ds.geneNames.size(), {"gene_ids"}))
            if (c.kind != ObsColumn::Kind::Numeric)
                for (std::size_t i = 0; i < c.size(); ++i) ds.geneIds.push_back(c.text(i));
        step(0.2, "reading X");
        if (zarrNodeKind(at_.path("X")) == ZarrNodeKind::None) at_.fail("X", "is missing (no expression matrix)");
        ds.expression = readMatrix("X", n, ds.geneNames.size());
        if (zarrNodeKind(at_.path("layers/counts")) != ZarrNodeKind::None) {
            step(0.6, "reading layers/counts");
            ds.rawCounts = readMatrix("layers/counts", n, ds.geneNames.size());
        }
        step(0.8, "reading obsm");
        readObsm(ds);
        ds.validate();
        step(1.0, "done");
        return ds;
    }

private:
    void step(double f, const std::string& what) const {
        progress_.throwIfCancelled();
        progress_.update(f, what);
    }

    void checkRoot() const {
        const ZarrNodeKind kind = zarrNodeKind(at_.root);
        if (kind != ZarrNodeKind::Group) throw DatasetError(at_.root + ": is not a Zarr group (no .zgroup or zarr.json)");
        const std::string enc = at_.encoding(".");
        if (!enc.empty() && enc != "anndata") throw DatasetError(at_.root + ": has encoding-type '" + enc + "', expected 'anndata'");
    }

    ExpressionMatrix readMatrix(const std::string& rel, std::size_t rows, std::size_t cols) const {
        const ZarrNodeKind kind = zarrNodeKind(at_.path(rel));
        const std::string enc = at_.encoding(rel);
        if (kind == ZarrNodeKind::Array) {
            if (!enc.empty() && enc != "array") at_.fail(rel, "has unknown encoding '" + enc + "' (expected a dense array, csr_matrix or csc_matrix)");
            return readDense(rel, rows, cols);
        }
        if (kind == ZarrNodeKind::Group && (enc == "csr_matrix" || enc == "csc_matrix")) return readSparse(rel, enc, rows, cols);
        at_.fail(rel, "has unknown encoding '" + enc + "' (expected a dense array, csr_matrix or csc_matrix)");
    }

    [[noreturn]] void shapeMismatch(const std::string& rel, const std::string& found, std::size_t rows, std::size_t cols) const {
        at_.fail(rel, "has shape " + found + " but obs has " + std::to_string(rows) + " entries and var has " + std::to_string(cols) +
                          " genes");
    }

    ExpressionMatrix readDense(const std::string& rel, std::size_t rows, std::size_t cols) const {
        const ZarrArray a(at_.path(rel));
        const auto& shape = a.info().shape;
        if (shape.size() != 2 || static_cast<std::uint64_t>(shape[0]) != rows || static_cast<std::uint64_t>(shape[1]) != cols)
            shapeMismatch(rel, shapeText(shape), rows, cols);
        if (cols && rows > kMaxDenseValues / cols)
            at_.fail(rel, "a dense matrix of " + shapeText(shape) + " values is more than is read (16 GiB as float); store it sparse");
        auto values = readZarrValues<float>(a, rows * cols, progress_);
        auto m = ExpressionMatrix::dense(static_cast<std::int64_t>(rows), static_cast<std::int64_t>(cols), std::move(values));
        m.setIntegerValued(zarrIsInteger(a));
        return m;
    }

    // A 1-d part of a sparse matrix, whose length must be `length` (checked before reading).
    std::unique_ptr<ZarrArray> sparsePart(const std::string& rel, std::uint64_t length) const {
        if (zarrNodeKind(at_.path(rel)) != ZarrNodeKind::Array) at_.fail(rel, "is missing");
        auto a = std::make_unique<ZarrArray>(at_.path(rel));
        const auto& shape = a->info().shape;
        if (shape.size() != 1 || static_cast<std::uint64_t>(shape[0]) != length)
            at_.fail(rel, "has shape " + shapeText(shape) + ", expected " + std::to_string(length) + " entries");
        return a;
    }

    std::vector<std::int64_t> sparseShape(const std::string& rel, std::size_t rows, std::size_t cols) const {
        const JsonValue attrs = zarrAttributes(at_.path(rel));
        const JsonValue* shape = attrs.find("shape");
        std::vector<std::int64_t> s;
        if (shape && shape->isArray())
            for (const auto& v : shape->asArray())
                if (v.isNumber() && v.asNumber() >= 0 && v.asNumber() < 9.0e15) s.push_back(static_cast<std::int64_t>(v.asNumber()));
        if (!shape || s.size() != 2 || shape->asArray().size() != 2) at_.fail(rel, "attribute 'shape' must hold two non-negative integers");
        if (static_cast<std::uint64_t>(s[0]) != rows || static_cast<std::uint64_t>(s[1]) != cols) shapeMismatch(rel, shapeText(s), rows, cols);
        return s;
    }

    ExpressionMatrix readSparse(const std::string& rel, const std::string& enc, std::size_t rows, std::size_t cols) const {
        const auto shape = sparseShape(rel, rows, cols);
        const bool csr = enc == "csr_matrix";
        const std::uint64_t major = csr ? rows : cols;
        auto indptr = readZarrValues<std::int64_t>(*sparsePart(rel + "/indptr", major + 1), major + 1, progress_);
        const std::int64_t nnz = indptr.back();
        // A matrix stores at most rows x cols values: that bounds every size taken from indptr.
        if (nnz < 0 || static_cast<std::uint64_t>(nnz) > std::uint64_t(rows) * cols)
            at_.fail(rel + "/indptr", "ends at " + std::to_string(nnz) + ", outside 0 .. rows x columns");
        const auto dataArray = sparsePart(rel + "/data", static_cast<std::uint64_t>(nnz));
        const auto indexArray = sparsePart(rel + "/indices", static_cast<std::uint64_t>(nnz));
        auto data = readZarrValues<float>(*dataArray, static_cast<std::size_t>(nnz), progress_);
        auto indices = readZarrValues<std::int32_t>(*indexArray, static_cast<std::size_t>(nnz), progress_);
        const bool integral = zarrIsInteger(*dataArray) || allWhole(data);
        try {
            auto m = ExpressionMatrix::sparse(csr ? MatrixLayout::Csr : MatrixLayout::Csc, shape[0], shape[1], std::move(indptr),
                                              std::move(indices), std::move(data));
            m.setIntegerValued(integral);
            return m;
        } catch (const std::invalid_argument& e) {
            at_.fail(rel, e.what());
        }
    }

    void readObsm(SpatialDataset& ds) const {
        if (zarrNodeKind(at_.path("obsm")) != ZarrNodeKind::Group) return;
        const std::size_t n = ds.obsNames.size();
        for (const auto& name : zarrChildren(at_.path("obsm"))) {
            const std::string rel = "obsm/" + name;
            if (zarrNodeKind(at_.path(rel)) != ZarrNodeKind::Array) continue;  // data-frame obsm entries are not embeddings
            if (isZarrStringArray(at_.path(rel))) at_.fail(rel, "must be a 2-D numeric array, found text");
            const ZarrArray a(at_.path(rel));
            const auto& shape = a.info().shape;
            if (shape.size() != 2 || static_cast<std::uint64_t>(shape[0]) != n)
                at_.fail(rel, "must be a 2-D numeric array with one row per observation (" + std::to_string(n) + "), found shape " +
                                  shapeText(shape));
            Embedding e;
            e.rows = shape[0];
            e.dims = shape[1];
            if (name == "spatial") {
                if (e.dims < 2) at_.fail(rel, "needs at least two columns (x, y)");
                // Doubles: pixel coordinates of large images exceed float precision.
                const auto xy = readZarrValues<double>(a, n * static_cast<std::size_t>(e.dims), progress_);
                e.values.reserve(xy.size());
                for (const double v : xy) e.values.push_back(static_cast<float>(std::clamp(v, -3.0e38, 3.0e38)));
                if (spatialAsCoordinates_) {
                    ds.coordinates.resize(n);
                    for (std::size_t i = 0; i < n; ++i) ds.coordinates[i] = {xy[i * e.dims], xy[i * e.dims + 1]};
                }
            } else {
                e.values = readZarrValues<float>(a, n * static_cast<std::size_t>(e.dims), progress_);
            }
            ds.obsm.emplace(name, std::move(e));
        }
    }

    AnnDataZarrLocation at_;
    const Progress& progress_;
    bool spatialAsCoordinates_ = true;
};

// A 0-d or 1-d text array of uns; nothing when it is absent or anndata's null.
std::vector<std::string> unsText(const AnnDataZarrLocation& at, const std::string& rel) {
    const ZarrNodeKind kind = zarrNodeKind(at.path(rel));
    if (kind == ZarrNodeKind::None || at.encoding(rel) == "null") return {};
    if (kind != ZarrNodeKind::Array || !isZarrStringArray(at.path(rel))) at.fail(rel, "must be text (a string or a list of strings)");
    return readZarrStrings(at.path(rel), std::size_t{1} << 20);
}

std::string single(const AnnDataZarrLocation& at, const std::string& rel) {
    const auto v = unsText(at, rel);
    if (v.size() > 1) at.fail(rel, "must be one string, found " + std::to_string(v.size()));
    return v.empty() ? std::string() : v[0];
}

void fillFromAttributes(const std::string& dir, SpatialDataTableAttrs& out) {
    const JsonValue attrs = zarrAttributes(dir);
    if (const JsonValue* r = attrs.find("region"); r && out.regions.empty()) {
        if (r->isString()) out.regions.push_back(r->asString());
        else if (r->isArray())
            for (const auto& e : r->asArray())
                if (e.isString()) out.regions.push_back(e.asString());
    }
    if (const JsonValue* k = attrs.find("region_key"); k && k->isString() && out.regionKey.empty()) out.regionKey = k->asString();
    if (const JsonValue* k = attrs.find("instance_key"); k && k->isString() && out.instanceKey.empty()) out.instanceKey = k->asString();
}

}  // namespace

SpatialDataset readAnnDataZarr(const std::string& dir, const Progress& progress, bool spatialAsCoordinates) {
    try {
        return Reader(dir, progress, spatialAsCoordinates).read();
    } catch (const ZarrError& e) {
        throw DatasetError(e.what());
    } catch (const JsonError& e) {
        throw DatasetError(e.what());
    }
}

SpatialDataTableAttrs readSpatialDataTableAttrs(const std::string& dir) {
    SpatialDataTableAttrs out;
    const AnnDataZarrLocation at{dir};
    try {
        // uns first: spatialdata's own reader (io_table.py, get_table_keys) goes by uns.
        const std::string u = "uns/spatialdata_attrs";
        if (zarrNodeKind(at.path(u)) == ZarrNodeKind::Group) {
            out.regions = unsText(at, u + "/region");
            out.regionKey = single(at, u + "/region_key");
            out.instanceKey = single(at, u + "/instance_key");
        }
        fillFromAttributes(dir, out);
    } catch (const ZarrError& e) {
        throw DatasetError(e.what());
    }
    return out;
}

}  // namespace hescape
