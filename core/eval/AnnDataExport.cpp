// AnnDataExport: X is written as CSR built row by row from the loaded matrix
// whatever its layout (CSC or dense become CSR), which is what scanpy
// expects for counts; dense data sets stay dense.
#include "core/eval/AnnDataExport.h"

#include "core/io/Hdf5Writer.h"

#include <cmath>
#include <limits>

namespace hescape {

namespace {

void encoding(Hdf5Writer& w, const std::string& path, const std::string& type, const std::string& version) {
    w.setAttribute(path, "encoding-type", type);
    w.setAttribute(path, "encoding-version", version);
}

void stringArray(Hdf5Writer& w, const std::string& path, const std::vector<std::string>& values) {
    w.writeStrings(path, values);
    encoding(w, path, "string-array", "0.2.0");
}

void floatArray(Hdf5Writer& w, const std::string& path, const std::vector<float>& values, const std::vector<std::int64_t>& shape) {
    w.writeFloats(path, values.data(), shape);
    encoding(w, path, "array", "0.2.0");
}

void doubleArray(Hdf5Writer& w, const std::string& path, const std::vector<double>& values) {
    w.writeDoubles(path, values);
    encoding(w, path, "array", "0.2.0");
}

void dataframe(Hdf5Writer& w, const std::string& group, const std::vector<std::string>& index, const std::vector<std::string>& columns) {
    w.createGroup(group);
    encoding(w, group, "dataframe", "0.2.0");
    w.setAttribute(group, "_index", std::string("_index"));
    w.setAttribute(group, "column-order", columns);
    stringArray(w, group + "/_index", index);
}

}  // namespace

void writeAnnDataExport(const std::string& path, const SpatialDataset& ds, const AnnDataExportExtras& extras) {
    const std::int64_t n = ds.observationCount(), m = ds.geneCount();
    Hdf5Writer w(path);
    encoding(w, "/", "anndata", "0.1.0");

    const ExpressionMatrix& x = ds.expression;
    if (x.layout() == MatrixLayout::Dense) {
        std::vector<float> dense;
        dense.reserve(static_cast<std::size_t>(n * m));
        for (std::int64_t r = 0; r < n; ++r) {
            const auto row = x.row(r);
            dense.insert(dense.end(), row.begin(), row.end());
        }
        floatArray(w, "/X", dense, {n, m});
    } else {
        std::vector<float> data;
        std::vector<std::int64_t> indices, indptr{0};
        for (std::int64_t r = 0; r < n; ++r) {
            const auto row = x.row(r);
            for (std::int64_t c = 0; c < m; ++c) {
                if (row[static_cast<std::size_t>(c)] != 0.f) {
                    data.push_back(row[static_cast<std::size_t>(c)]);
                    indices.push_back(c);
                }
            }
            indptr.push_back(static_cast<std::int64_t>(data.size()));
        }
        w.createGroup("/X");
        encoding(w, "/X", "csr_matrix", "0.1.0");
        w.setAttribute("/X", "shape", std::vector<std::int64_t>{n, m});
        w.writeFloats("/X/data", data.data(), {static_cast<std::int64_t>(data.size())});
        w.writeInt64("/X/indices", indices);
        w.writeInt64("/X/indptr", indptr);
    }

    // obs: the data set's columns (categorical ones as text), then the run's alignment.
    std::vector<std::string> columns;
    std::vector<float> alignment;
    if (extras.run) alignment = alignmentMap(*extras.run, extras.rows);
    for (const auto& col : ds.obs) columns.push_back(col.name);
    if (extras.run) columns.push_back("hescape_alignment");
    dataframe(w, "/obs", ds.obsNames, columns);
    for (const auto& col : ds.obs) {
        const std::string p = "/obs/" + col.name;
        if (col.kind == ObsColumn::Kind::Numeric) {
            doubleArray(w, p, col.numbers);
        } else {
            std::vector<std::string> text;
            for (std::size_t i = 0; i < col.size(); ++i) text.push_back(col.text(i));
            stringArray(w, p, text);
        }
    }
    if (extras.run) floatArray(w, "/obs/hescape_alignment", alignment, {n});

    dataframe(w, "/var", ds.geneNames, ds.geneIds.size() == ds.geneNames.size() ? std::vector<std::string>{"gene_ids"} : std::vector<std::string>{});
    if (ds.geneIds.size() == ds.geneNames.size()) stringArray(w, "/var/gene_ids", ds.geneIds);

    w.createGroup("/obsm");
    encoding(w, "/obsm", "dict", "0.1.0");
    std::vector<double> xy;
    for (const auto& p : ds.coordinates) {
        xy.push_back(p.x);
        xy.push_back(p.y);
    }
    {
        std::vector<float> coords(xy.begin(), xy.end());
        floatArray(w, "/obsm/spatial", coords, {n, 2});
    }
    if (extras.run) {
        const std::int64_t d = extras.run->dim;
        std::vector<float> image(static_cast<std::size_t>(n * d), std::numeric_limits<float>::quiet_NaN()), gene = image;
        for (std::int64_t i = 0; i < n; ++i) {
            const std::int64_t r = extras.rows[static_cast<std::size_t>(i)];
            if (r < 0) continue;
            std::copy_n(extras.run->image.data() + r * d, d, image.data() + i * d);
            std::copy_n(extras.run->gene.data() + r * d, d, gene.data() + i * d);
        }
        floatArray(w, "/obsm/X_image_emb", image, {n, d});
        floatArray(w, "/obsm/X_gene_emb", gene, {n, d});
    }
    w.createGroup("/uns");
    encoding(w, "/uns", "dict", "0.1.0");
    w.createGroup("/uns/hescape_metrics");
    encoding(w, "/uns/hescape_metrics", "dict", "0.1.0");
    for (const auto& [name, value] : extras.metrics) doubleArray(w, "/uns/hescape_metrics/" + name, {value});
    if (extras.run) {
        w.writeStrings("/uns/hescape_run", {extras.run->path});
        encoding(w, "/uns/hescape_run", "string-array", "0.2.0");
    }
    w.commit();
}

}  // namespace hescape
