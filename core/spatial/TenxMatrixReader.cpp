// readTenxMatrix over Hdf5File; validation of indptr/indices is delegated to
// ExpressionMatrix::sparse and re-worded with the file and field.
#include "core/spatial/TenxMatrixReader.h"

#include "core/io/Hdf5File.h"

#include <cmath>

namespace hescape {

TenxMatrix readTenxMatrix(const std::string& path) {
    try {
        Hdf5File f(path);
        std::string group = "/matrix";
        if (!f.isGroup(group)) {
            group.clear();
            for (const auto& child : f.children("/"))
                if (f.isDataset("/" + child + "/indptr")) group = "/" + child;
            if (group.empty()) {
                throw DatasetError(path + ": /matrix: is missing (not a 10x feature-barcode matrix file)");
            }
        }
        for (const char* part : {"/barcodes", "/data", "/indices", "/indptr", "/shape"}) {
            if (!f.isDataset(group + part)) throw DatasetError(f.where(group + part) + "is missing");
        }
        TenxMatrix m;
        m.barcodes = f.readStrings(group + "/barcodes");
        if (f.isGroup(group + "/features")) {
            m.featureIds = f.readStrings(group + "/features/id");
            m.featureNames = f.readStrings(group + "/features/name");
            if (f.isDataset(group + "/features/feature_type")) m.featureTypes = f.readStrings(group + "/features/feature_type");
        } else {
            m.featureIds = f.readStrings(group + "/genes");
            m.featureNames = f.isDataset(group + "/gene_names") ? f.readStrings(group + "/gene_names") : m.featureIds;
        }
        const auto shape = f.readInt64(group + "/shape");
        if (shape.size() != 2) throw DatasetError(f.where(group + "/shape") + "must have two entries");
        const std::int64_t features = shape[0], barcodes = shape[1];
        if (static_cast<std::int64_t>(m.barcodes.size()) != barcodes) {
            throw DatasetError(f.where(group + "/barcodes") + "has " + std::to_string(m.barcodes.size()) +
                               " entries but shape says " + std::to_string(barcodes));
        }
        if (static_cast<std::int64_t>(m.featureIds.size()) != features || m.featureNames.size() != m.featureIds.size()) {
            throw DatasetError(f.where(group + "/features") + "has " + std::to_string(m.featureIds.size()) +
                               " entries but shape says " + std::to_string(features));
        }
        const Hdf5Type dataType = f.type(group + "/data");
        auto data = f.readFloats(group + "/data");
        auto indices64 = f.readInt64(group + "/indices");
        std::vector<std::int32_t> indices(indices64.size());
        for (std::size_t i = 0; i < indices64.size(); ++i) {
            if (indices64[i] < 0 || indices64[i] >= features) {
                throw DatasetError(f.where(group + "/indices") + "entry " + std::to_string(i) + " = " +
                                   std::to_string(indices64[i]) + " is outside 0.." + std::to_string(features - 1));
            }
            indices[i] = static_cast<std::int32_t>(indices64[i]);
        }
        bool integral = dataType.cls == Hdf5Class::Integer;
        if (!integral) {
            integral = true;
            for (const float v : data) integral = integral && v == std::floor(v);
        }
        try {
            m.counts = ExpressionMatrix::sparse(MatrixLayout::Csr, barcodes, features, f.readInt64(group + "/indptr"),
                                                std::move(indices), std::move(data));
        } catch (const std::invalid_argument& e) {
            throw DatasetError(f.where(group) + e.what());
        }
        m.counts.setIntegerValued(integral);
        return m;
    } catch (const Hdf5Error& e) {
        throw DatasetError(e.what());
    }
}

}  // namespace hescape
