// A small, read-only view of an HDF5 file over the C API: links, shapes,
// element types, numeric and string datasets, attributes. Every failure is
// an Hdf5Error naming the file and the object path. (Debian's libhdf5 is
// built thread-safe, so readers may run on worker threads.)
#pragma once

#include <cstdint>
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
    // Elements [first, first + count) of a 1-D dataset.
    std::vector<float> readFloats(const std::string& datasetPath, std::int64_t first, std::int64_t count) const;
    std::vector<std::int64_t> readInt64(const std::string& datasetPath, std::int64_t first, std::int64_t count) const;
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
    std::int64_t file_ = -1;  // hid_t
};

}  // namespace hescape
