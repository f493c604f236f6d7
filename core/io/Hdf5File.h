// A small, read-only view of an HDF5 file over the C API: links, shapes,
// element types, numeric and string datasets, attributes, and bulk reads of
// large arrays on several threads. Every failure is an Hdf5Error naming the
// file and the object path. (Debian's libhdf5 is built thread-safe, so
// readers may run on worker threads.)
#pragma once

#include "core/common/UninitializedVector.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace hescape {

class Hdf5Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class Hdf5Class { Integer, Float, String, Boolean, Compound, Other };

struct Hdf5Type {
    Hdf5Class cls = Hdf5Class::Other;
    std::size_t size = 0;   // bytes per element
    bool isSigned = true;
    std::string describe() const;  // "int32", "uint64", "float64", "string", ...
};

class Hdf5File {
public:
    // Opens read-only. Throws Hdf5Error for missing, empty or non-HDF5 files.
    explicit Hdf5File(const std::string& path);
    ~Hdf5File();
    Hdf5File(const Hdf5File&) = delete;
    Hdf5File& operator=(const Hdf5File&) = delete;

    const std::string& path() const { return path_; }
    // The file's length when it was opened: no declared size may exceed what it stores.
    std::uint64_t fileBytes() const { return fileBytes_; }

    // True when every link along `objectPath` exists ("/" always does).
    bool exists(const std::string& objectPath) const;
    bool isGroup(const std::string& objectPath) const;
    bool isDataset(const std::string& objectPath) const;
    std::vector<std::string> children(const std::string& groupPath) const;

    std::vector<std::int64_t> shape(const std::string& datasetPath) const;
    Hdf5Type type(const std::string& datasetPath) const;

    // Whole datasets, converted to the requested type by HDF5. Throws for
    // string or compound data, and for sizes that do not fit in memory.
    std::vector<double> readDoubles(const std::string& datasetPath) const;
    std::vector<float> readFloats(const std::string& datasetPath) const;
    std::vector<std::int64_t> readInt64(const std::string& datasetPath) const;
    std::vector<std::int32_t> readInt32(const std::string& datasetPath) const;
    std::vector<std::uint8_t> readUInt8(const std::string& datasetPath) const;
    // Elements [first, first + count) of a 1-D dataset.
    std::vector<float> readFloats(const std::string& datasetPath, std::int64_t first, std::int64_t count) const;
    std::vector<std::int64_t> readInt64(const std::string& datasetPath, std::int64_t first, std::int64_t count) const;

    // Bulk reads for large arrays (a sparse matrix's data and indices): the
    // same values and errors as readFloats/readInt32/readInt64, in a vector
    // that was never zero-filled (every element is read). Where the stored
    // bytes already are the requested type (native byte order, no filters,
    // contiguous storage or 1-D chunks of >= 1 MiB, the default file driver)
    // they are read with pread by bulkThreads() threads straight into the
    // result, each thread faulting in the pages it fills; anything else
    // (anndata's own small chunks, compressed, big-endian, other types) goes
    // through H5Dread, in pieces, with a second thread faulting in memory
    // ahead of it. `visit`, if given, is called once for every block of the
    // result, with its first element index, once the block holds its final
    // values (blocks run concurrently, on the reading threads), so that
    // checks over every value run while the block is still in the CPU cache.
    // An exception thrown by `visit` stops the read and is rethrown here.
    template <typename T>
    using BlockVisitor = std::function<void(const T* block, std::size_t first, std::size_t count)>;
    UninitializedVector<float> readFloatsBulk(const std::string& datasetPath,
                                              const BlockVisitor<float>& visit = {}) const;
    UninitializedVector<std::int32_t> readInt32Bulk(const std::string& datasetPath,
                                                    const BlockVisitor<std::int32_t>& visit = {}) const;
    UninitializedVector<std::int64_t> readInt64Bulk(const std::string& datasetPath,
                                                    const BlockVisitor<std::int64_t>& visit = {}) const;
    // Whether a bulk read of `datasetPath` as float / int32 / int64 (`size` 4
    // or 8 bytes, `cls` Float or Integer) takes the direct pread path.
    bool readsDirectly(const std::string& datasetPath, Hdf5Class cls, std::size_t size) const;
    // Threads used by the bulk reads: one per hardware thread, at most 8.
    static unsigned bulkThreads();

    // Variable- or fixed-length strings (1-D, or a scalar as one element).
    std::vector<std::string> readStrings(const std::string& datasetPath) const;

    bool hasAttribute(const std::string& objectPath, const std::string& name) const;
    std::optional<std::string> attributeString(const std::string& objectPath, const std::string& name) const;
    std::vector<std::string> attributeStrings(const std::string& objectPath, const std::string& name) const;
    std::vector<std::int64_t> attributeInt64(const std::string& objectPath, const std::string& name) const;
    // A numpy bool (an HDF5 enum), an integer, or the text "True"/"False".
    std::optional<bool> attributeBool(const std::string& objectPath, const std::string& name) const;

    // "FILE: OBJECT: message", the prefix every error here uses.
    std::string where(const std::string& objectPath) const { return path_ + ": " + objectPath + ": "; }

private:
    std::string path_;
    std::uint64_t fileBytes_ = 0;
    std::int64_t file_ = -1;  // hid_t
};

}  // namespace hescape
