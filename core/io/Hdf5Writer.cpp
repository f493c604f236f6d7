// Hdf5Writer over the HDF5 C API. The temporary file carries the process id
// so that two processes writing the same target do not share it.
#include "core/io/Hdf5Writer.h"

#include <hdf5.h>

#include "core/io/Hdf5Handle.h"

#include <filesystem>
#include <unistd.h>

namespace hescape {

namespace {

using Handle = Hdf5Handle;

std::string parentOf(const std::string& p) {
    const auto slash = p.find_last_of('/');
    return slash == 0 || slash == std::string::npos ? "/" : p.substr(0, slash);
}

}  // namespace

Hdf5Writer::Hdf5Writer(std::string path, Mode mode) : path_(std::move(path)) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    temp_ = path_ + ".partial-" + std::to_string(::getpid());
    const auto parent = std::filesystem::path(path_).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (mode == Mode::Update) {
        std::filesystem::copy_file(path_, temp_, std::filesystem::copy_options::overwrite_existing, ec);
        if (ec) throw Hdf5Error(path_ + ": cannot copy the file for updating: " + ec.message());
        file_ = H5Fopen(temp_.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        if (file_ < 0) {
            std::filesystem::remove(temp_, ec);
            throw Hdf5Error(path_ + ": not an HDF5 file that can be updated");
        }
        return;
    }
    file_ = H5Fcreate(temp_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file_ < 0) throw Hdf5Error(path_ + ": cannot create the file (is the folder writable?)");
}

Hdf5Writer::~Hdf5Writer() {
    if (file_ >= 0) {
        H5Fclose(static_cast<hid_t>(file_));
        std::error_code ec;
        std::filesystem::remove(temp_, ec);
    }
}

void Hdf5Writer::fail(const std::string& objectPath, const std::string& what) const {
    throw Hdf5Error(path_ + ": " + objectPath + ": " + what);
}

void Hdf5Writer::createGroup(const std::string& groupPath) {
    if (groupPath == "/" || groupPath.empty()) return;
    if (H5Lexists(static_cast<hid_t>(file_), groupPath.c_str(), H5P_DEFAULT) > 0) return;
    createGroup(parentOf(groupPath));
    Handle g(H5Gcreate2(static_cast<hid_t>(file_), groupPath.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    if (g.id < 0) fail(groupPath, "cannot create the group");
}

void Hdf5Writer::prepareDatasetPath(const std::string& objectPath) {
    createGroup(parentOf(objectPath));
    if (H5Lexists(static_cast<hid_t>(file_), objectPath.c_str(), H5P_DEFAULT) > 0 &&
        H5Ldelete(static_cast<hid_t>(file_), objectPath.c_str(), H5P_DEFAULT) < 0) {
        fail(objectPath, "cannot replace the existing object");
    }
}

void Hdf5Writer::write(const std::string& datasetPath, std::int64_t memType, const void* data,
                       const std::vector<std::int64_t>& shape, std::int64_t chunkRows) {
    prepareDatasetPath(datasetPath);
    std::vector<hsize_t> dims(shape.begin(), shape.end());
    Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
    Handle plist(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    bool empty = false;
    for (const auto d : dims) empty = empty || d == 0;
    if (checksums_ && chunkRows <= 0 && !empty) {
        // Fletcher-32 needs chunks: about 1 MiB of whole rows each.
        std::uint64_t rowBytes = H5Tget_size(static_cast<hid_t>(memType));
        for (std::size_t k = 1; k < dims.size(); ++k) rowBytes *= dims[k];
        chunkRows = static_cast<std::int64_t>(std::max<std::uint64_t>(1, (std::uint64_t{1} << 20) / std::max<std::uint64_t>(rowBytes, 1)));
    }
    if (chunkRows > 0 && !dims.empty() && dims[0] > 0 && !empty) {
        std::vector<hsize_t> chunk = dims;
        chunk[0] = std::min<hsize_t>(dims[0], static_cast<hsize_t>(chunkRows));
        H5Pset_chunk(plist.id, static_cast<int>(chunk.size()), chunk.data());
        if (checksums_) H5Pset_fletcher32(plist.id);
    }
    Handle set(H5Dcreate2(static_cast<hid_t>(file_), datasetPath.c_str(), static_cast<hid_t>(memType), space.id, H5P_DEFAULT,
                          plist.id, H5P_DEFAULT),
               H5Dclose);
    if (set.id < 0) fail(datasetPath, "cannot create the dataset");
    if (!empty && H5Dwrite(set.id, static_cast<hid_t>(memType), H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
        fail(datasetPath, "writing failed (disk full?)");
    }
}

void Hdf5Writer::writeUInt8(const std::string& p, const std::uint8_t* data, const std::vector<std::int64_t>& shape,
                            std::int64_t chunkRows) {
    write(p, H5T_NATIVE_UINT8, data, shape, chunkRows);
}
void Hdf5Writer::writeFloats(const std::string& p, const float* data, const std::vector<std::int64_t>& shape) {
    write(p, H5T_NATIVE_FLOAT, data, shape, 0);
}
void Hdf5Writer::writeDoubles(const std::string& p, const std::vector<double>& v) {
    write(p, H5T_NATIVE_DOUBLE, v.data(), {static_cast<std::int64_t>(v.size())}, 0);
}
void Hdf5Writer::writeInt64(const std::string& p, const std::vector<std::int64_t>& v) {
    write(p, H5T_NATIVE_INT64, v.data(), {static_cast<std::int64_t>(v.size())}, 0);
}

namespace {

// Variable-length UTF-8 strings, as h5py writes Python str.
hid_t utf8StringType() {
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    return type;
}

std::vector<const char*> cStrings(const std::vector<std::string>& values) {
    std::vector<const char*> ptrs;
    ptrs.reserve(values.size());
    for (const auto& s : values) ptrs.push_back(s.c_str());
    return ptrs;
}

}  // namespace

void Hdf5Writer::writeStrings(const std::string& p, const std::vector<std::string>& values) {
    prepareDatasetPath(p);
    Handle type(utf8StringType(), H5Tclose);
    const hsize_t n = values.size();
    Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    Handle set(H5Dcreate2(static_cast<hid_t>(file_), p.c_str(), type.id, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
    if (set.id < 0) fail(p, "cannot create the dataset");
    const auto ptrs = cStrings(values);
    if (n > 0 && H5Dwrite(set.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0) fail(p, "writing failed");
}

void Hdf5Writer::writeAttribute(const std::string& objectPath, const std::string& name, std::int64_t type, std::int64_t space,
                                const void* data, bool empty) {
    const auto file = static_cast<hid_t>(file_);
    if (H5Aexists_by_name(file, objectPath.c_str(), name.c_str(), H5P_DEFAULT) > 0)
        H5Adelete_by_name(file, objectPath.c_str(), name.c_str(), H5P_DEFAULT);
    Handle attr(H5Acreate_by_name(file, objectPath.c_str(), name.c_str(), static_cast<hid_t>(type), static_cast<hid_t>(space),
                                  H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                H5Aclose);
    if (attr.id < 0) fail(objectPath, "cannot create attribute '" + name + "'");
    if (!empty && H5Awrite(attr.id, static_cast<hid_t>(type), data) < 0) fail(objectPath, "writing attribute '" + name + "' failed");
}

void Hdf5Writer::setAttribute(const std::string& objectPath, const std::string& name, const std::string& value) {
    Handle type(utf8StringType(), H5Tclose);
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    const char* ptr = value.c_str();
    writeAttribute(objectPath, name, type.id, space.id, &ptr, false);
}

void Hdf5Writer::setAttribute(const std::string& objectPath, const std::string& name, double value) {
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    writeAttribute(objectPath, name, H5T_NATIVE_DOUBLE, space.id, &value, false);
}

void Hdf5Writer::setAttribute(const std::string& objectPath, const std::string& name, const std::vector<std::int64_t>& values) {
    const hsize_t n = values.size();
    Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    writeAttribute(objectPath, name, H5T_NATIVE_INT64, space.id, values.data(), n == 0);
}

void Hdf5Writer::setAttribute(const std::string& objectPath, const std::string& name, const std::vector<std::string>& values) {
    Handle type(utf8StringType(), H5Tclose);
    const hsize_t n = values.size();
    Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    const auto ptrs = cStrings(values);
    writeAttribute(objectPath, name, type.id, space.id, ptrs.data(), n == 0);
}

void Hdf5Writer::commit() {
    if (file_ < 0) throw Hdf5Error(path_ + ": already written");
    const herr_t closed = H5Fclose(static_cast<hid_t>(file_));
    file_ = -1;
    std::error_code ec;
    if (closed < 0) {
        std::filesystem::remove(temp_, ec);
        throw Hdf5Error(path_ + ": closing the file failed (disk full?)");
    }
    std::filesystem::rename(temp_, path_, ec);
    if (ec) {
        std::filesystem::remove(temp_, ec);
        throw Hdf5Error(path_ + ": cannot replace the file: " + ec.message());
    }
}

}  // namespace hescape
