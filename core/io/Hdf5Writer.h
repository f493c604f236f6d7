// Writes a new HDF5 file atomically: everything goes to a temporary file
// beside the target, which replaces the target only on commit(). A writer
// destroyed without commit() removes its temporary file, so a failed or
// cancelled write never leaves a half-written result where a reader looks.
// In update mode the existing file is copied to the temporary file first, so
// that adding to a file is just as atomic. Errors are Hdf5Error naming the
// file and the object.
#pragma once

#include "core/io/Hdf5File.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hescape {

class Hdf5Writer {
public:
    enum class Mode { Create, Update };
    explicit Hdf5Writer(std::string path, Mode mode = Mode::Create);
    ~Hdf5Writer();
    Hdf5Writer(const Hdf5Writer&) = delete;
    Hdf5Writer& operator=(const Hdf5Writer&) = delete;

    // Creates the group and any missing parents ("/a/b").
    void createGroup(const std::string& groupPath);
    // Row-major arrays of the given shape; parents are created as needed, and
    // a dataset already at that path is replaced.
    // `chunkRows` > 0 stores the first dimension in chunks of that many rows
    // (so that readers can fetch a few rows without reading everything).
    void writeUInt8(const std::string& datasetPath, const std::uint8_t* data, const std::vector<std::int64_t>& shape,
                    std::int64_t chunkRows = 0);
    void writeFloats(const std::string& datasetPath, const float* data, const std::vector<std::int64_t>& shape);
    void writeDoubles(const std::string& datasetPath, const std::vector<double>& values);
    void writeInt64(const std::string& datasetPath, const std::vector<std::int64_t>& values);
    void writeStrings(const std::string& datasetPath, const std::vector<std::string>& values);  // UTF-8, variable length
    void setAttribute(const std::string& objectPath, const std::string& name, const std::string& value);
    void setAttribute(const std::string& objectPath, const std::string& name, double value);
    void setAttribute(const std::string& objectPath, const std::string& name, const std::vector<std::int64_t>& values);
    void setAttribute(const std::string& objectPath, const std::string& name, const std::vector<std::string>& values);

    // Numeric datasets written from now on are chunked and carry HDF5's
    // Fletcher-32 checksum, which every later read verifies (run files: a
    // damaged embedding is refused instead of evaluated). Strings are not.
    void setChecksums(bool on) { checksums_ = on; }

    // Closes the file and renames it onto the target path.
    void commit();

private:
    void write(const std::string& datasetPath, std::int64_t memType, const void* data, const std::vector<std::int64_t>& shape,
               std::int64_t chunkRows);
    bool checksums_ = false;
    // Replaces the attribute if there is one; `type` and `space` are hid_t.
    void writeAttribute(const std::string& objectPath, const std::string& name, std::int64_t type, std::int64_t space,
                        const void* data, bool empty);
    // Creates the parents and removes an object already at the path.
    void prepareDatasetPath(const std::string& objectPath);
    [[noreturn]] void fail(const std::string& objectPath, const std::string& what) const;

    std::string path_;
    std::string temp_;
    std::int64_t file_ = -1;  // hid_t
};

}  // namespace hescape
