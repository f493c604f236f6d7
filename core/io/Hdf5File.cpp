// Hdf5File over the HDF5 C API. Handles are closed by small RAII guards;
// HDF5's own error stack printing is switched off so that messages reach the
// user once, through Hdf5Error, with the file and object named.
#include "core/io/Hdf5File.h"

#include <hdf5.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <sstream>

namespace hescape {

namespace {

constexpr std::uint64_t kMaxBytes = std::uint64_t{32} << 30;  // refuse single reads above 32 GiB

struct Handle {
    hid_t id = H5I_INVALID_HID;
    herr_t (*close)(hid_t) = nullptr;
    Handle(hid_t i, herr_t (*c)(hid_t)) : id(i), close(c) {}
    ~Handle() {
        if (id >= 0 && close) close(id);
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    bool ok() const { return id >= 0; }
};

void silenceHdf5() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

std::vector<std::string> splitPath(const std::string& path) {
    std::vector<std::string> parts;
    std::stringstream ss(path);
    std::string part;
    while (std::getline(ss, part, '/')) {
        if (!part.empty()) parts.push_back(part);
    }
    return parts;
}

Hdf5Type describeType(hid_t t) {
    Hdf5Type out;
    out.size = H5Tget_size(t);
    switch (H5Tget_class(t)) {
        case H5T_INTEGER:
            out.cls = Hdf5Class::Integer;
            out.isSigned = H5Tget_sign(t) != H5T_SGN_NONE;
            break;
        case H5T_FLOAT: out.cls = Hdf5Class::Float; break;
        case H5T_STRING: out.cls = Hdf5Class::String; break;
        case H5T_ENUM: out.cls = Hdf5Class::Boolean; break;  // h5py writes numpy bool as an int8 enum
        case H5T_COMPOUND: out.cls = Hdf5Class::Compound; break;
        default: out.cls = Hdf5Class::Other; break;
    }
    return out;
}

}  // namespace

std::string Hdf5Type::describe() const {
    switch (cls) {
        case Hdf5Class::Integer: return (isSigned ? "int" : "uint") + std::to_string(size * 8);
        case Hdf5Class::Float: return "float" + std::to_string(size * 8);
        case Hdf5Class::String: return "string";
        case Hdf5Class::Boolean: return "bool";
        case Hdf5Class::Compound: return "compound";
        case Hdf5Class::Other: break;
    }
    return "unsupported type";
}

Hdf5File::Hdf5File(const std::string& path) : path_(path) {
    silenceHdf5();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw Hdf5Error(path + ": no such file");
    if (std::filesystem::file_size(path, ec) == 0) throw Hdf5Error(path + ": the file is empty");
    if (H5Fis_hdf5(path.c_str()) <= 0) throw Hdf5Error(path + ": not an HDF5 file (or it is truncated)");
    file_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file_ < 0) throw Hdf5Error(path + ": HDF5 could not open the file (truncated or corrupt?)");
}

Hdf5File::~Hdf5File() {
    if (file_ >= 0) H5Fclose(file_);
}

bool Hdf5File::exists(const std::string& objectPath) const {
    std::string prefix;
    for (const auto& part : splitPath(objectPath)) {
        prefix += "/" + part;
        if (H5Lexists(file_, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
        if (H5Oexists_by_name(file_, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    }
    return true;
}

bool Hdf5File::isGroup(const std::string& objectPath) const {
    if (!exists(objectPath)) return false;
    H5O_info_t info;
    if (H5Oget_info_by_name2(file_, objectPath.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return false;
    return info.type == H5O_TYPE_GROUP;
}

bool Hdf5File::isDataset(const std::string& objectPath) const {
    if (!exists(objectPath)) return false;
    H5O_info_t info;
    if (H5Oget_info_by_name2(file_, objectPath.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return false;
    return info.type == H5O_TYPE_DATASET;
}

std::vector<std::string> Hdf5File::children(const std::string& groupPath) const {
    if (!isGroup(groupPath)) throw Hdf5Error(where(groupPath) + "is not a group");
    Handle g(H5Gopen2(file_, groupPath.c_str(), H5P_DEFAULT), H5Gclose);
    H5G_info_t info;
    if (!g.ok() || H5Gget_info(g.id, &info) < 0) throw Hdf5Error(where(groupPath) + "cannot list the group");
    std::vector<std::string> names;
    for (hsize_t i = 0; i < info.nlinks; ++i) {
        const ssize_t n = H5Lget_name_by_idx(g.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
        if (n < 0) continue;
        std::string name(static_cast<std::size_t>(n), '\0');
        H5Lget_name_by_idx(g.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), static_cast<std::size_t>(n) + 1, H5P_DEFAULT);
        names.push_back(name);
    }
    return names;
}

namespace {

Handle openDataset(hid_t file, const Hdf5File& f, const std::string& path) {
    if (!f.isDataset(path)) {
        throw Hdf5Error(f.where(path) + (f.exists(path) ? "is not a dataset" : "is missing"));
    }
    const hid_t id = H5Dopen2(file, path.c_str(), H5P_DEFAULT);
    if (id < 0) throw Hdf5Error(f.where(path) + "cannot open the dataset");
    return Handle(id, H5Dclose);
}

std::vector<hsize_t> dims(hid_t space) {
    const int rank = H5Sget_simple_extent_ndims(space);
    std::vector<hsize_t> d(static_cast<std::size_t>(std::max(rank, 0)));
    if (rank > 0) H5Sget_simple_extent_dims(space, d.data(), nullptr);
    return d;
}

template <typename T>
std::vector<T> readNumeric(hid_t file, const Hdf5File& f, const std::string& path, hid_t memType,
                           std::optional<std::pair<std::int64_t, std::int64_t>> range) {
    Handle d = openDataset(file, f, path);
    Handle ftype(H5Dget_type(d.id), H5Tclose);
    const Hdf5Type t = describeType(ftype.id);
    if (t.cls != Hdf5Class::Integer && t.cls != Hdf5Class::Float && t.cls != Hdf5Class::Boolean) {
        throw Hdf5Error(f.where(path) + "expected numbers, found " + t.describe());
    }
    Handle space(H5Dget_space(d.id), H5Sclose);
    const auto shape = dims(space.id);
    std::uint64_t n = 1;
    for (auto s : shape) n *= s;
    Handle memSpace(H5I_INVALID_HID, H5Sclose);
    hid_t fileSel = H5S_ALL;
    if (range) {
        const auto [first, count] = *range;
        if (shape.size() != 1 || first < 0 || count < 0 || static_cast<std::uint64_t>(first + count) > n) {
            throw Hdf5Error(f.where(path) + "elements " + std::to_string(first) + ".." + std::to_string(first + count) +
                            " are outside the dataset of " + std::to_string(n));
        }
        n = static_cast<std::uint64_t>(count);
        const hsize_t start = static_cast<hsize_t>(first), cnt = static_cast<hsize_t>(count);
        H5Sselect_hyperslab(space.id, H5S_SELECT_SET, &start, nullptr, &cnt, nullptr);
        memSpace.id = H5Screate_simple(1, &cnt, nullptr);
        fileSel = space.id;
    }
    if (n * sizeof(T) > kMaxBytes) throw Hdf5Error(f.where(path) + "is too large to read into memory");
    std::vector<T> out(static_cast<std::size_t>(n));
    if (n == 0) return out;
    herr_t status;
    if (t.cls == Hdf5Class::Boolean) {
        // HDF5 converts enums only to enums: read the enum's integer base.
        Handle base(H5Tget_super(ftype.id), H5Tclose);
        Handle nativeBase(H5Tget_native_type(base.id, H5T_DIR_ASCEND), H5Tclose);
        std::vector<unsigned char> bytes(static_cast<std::size_t>(n) * H5Tget_size(nativeBase.id));
        status = H5Dread(d.id, nativeBase.id, range ? memSpace.id : H5S_ALL, fileSel, H5P_DEFAULT, bytes.data());
        const std::size_t sz = H5Tget_size(nativeBase.id);
        for (std::size_t i = 0; i < out.size(); ++i) {
            std::int64_t v = 0;
            if (sz == 1) v = static_cast<std::int8_t>(bytes[i]);
            else if (sz == 2) { std::int16_t x; std::memcpy(&x, &bytes[i * 2], 2); v = x; }
            else if (sz == 4) { std::int32_t x; std::memcpy(&x, &bytes[i * 4], 4); v = x; }
            else { std::memcpy(&v, &bytes[i * 8], 8); }
            out[i] = static_cast<T>(v);
        }
    } else {
        status = H5Dread(d.id, memType, range ? memSpace.id : H5S_ALL, fileSel, H5P_DEFAULT, out.data());
    }
    if (status < 0) throw Hdf5Error(f.where(path) + "reading failed (truncated or corrupt file?)");
    return out;
}

}  // namespace

std::vector<std::int64_t> Hdf5File::shape(const std::string& datasetPath) const {
    Handle d = openDataset(file_, *this, datasetPath);
    Handle space(H5Dget_space(d.id), H5Sclose);
    std::vector<std::int64_t> out;
    for (auto v : dims(space.id)) out.push_back(static_cast<std::int64_t>(v));
    return out;
}

Hdf5Type Hdf5File::type(const std::string& datasetPath) const {
    Handle d = openDataset(file_, *this, datasetPath);
    Handle t(H5Dget_type(d.id), H5Tclose);
    return describeType(t.id);
}

std::vector<double> Hdf5File::readDoubles(const std::string& p) const {
    return readNumeric<double>(file_, *this, p, H5T_NATIVE_DOUBLE, std::nullopt);
}
std::vector<float> Hdf5File::readFloats(const std::string& p) const {
    return readNumeric<float>(file_, *this, p, H5T_NATIVE_FLOAT, std::nullopt);
}
std::vector<std::int64_t> Hdf5File::readInt64(const std::string& p) const {
    return readNumeric<std::int64_t>(file_, *this, p, H5T_NATIVE_INT64, std::nullopt);
}
std::vector<std::int32_t> Hdf5File::readInt32(const std::string& p) const {
    return readNumeric<std::int32_t>(file_, *this, p, H5T_NATIVE_INT32, std::nullopt);
}
std::vector<float> Hdf5File::readFloats(const std::string& p, std::int64_t first, std::int64_t count) const {
    return readNumeric<float>(file_, *this, p, H5T_NATIVE_FLOAT, std::make_pair(first, count));
}
std::vector<std::int64_t> Hdf5File::readInt64(const std::string& p, std::int64_t first, std::int64_t count) const {
    return readNumeric<std::int64_t>(file_, *this, p, H5T_NATIVE_INT64, std::make_pair(first, count));
}

namespace {

// Reads n strings of HDF5 string type `ftype` from dataset or attribute `obj`.
template <typename ReadFn>
std::vector<std::string> readStringData(hid_t ftype, std::size_t n, ReadFn read, const std::string& where) {
    std::vector<std::string> out;
    out.reserve(n);
    if (n == 0) return out;
    if (H5Tis_variable_str(ftype) > 0) {
        Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(mem.id, H5T_VARIABLE);
        H5Tset_cset(mem.id, H5Tget_cset(ftype));
        std::vector<char*> ptrs(n, nullptr);
        if (read(mem.id, ptrs.data()) < 0) throw Hdf5Error(where + "reading strings failed");
        for (char* p : ptrs) {
            out.emplace_back(p ? p : "");
            std::free(p);  // HDF5 allocates variable-length strings with malloc by default
        }
    } else {
        const std::size_t size = H5Tget_size(ftype);
        Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(mem.id, size);
        H5Tset_cset(mem.id, H5Tget_cset(ftype));
        H5Tset_strpad(mem.id, H5T_STR_NULLPAD);
        std::vector<char> buf(n * size);
        if (read(mem.id, buf.data()) < 0) throw Hdf5Error(where + "reading strings failed");
        for (std::size_t i = 0; i < n; ++i) {
            const char* s = buf.data() + i * size;
            out.emplace_back(s, strnlen(s, size));
        }
    }
    return out;
}

}  // namespace

std::vector<std::string> Hdf5File::readStrings(const std::string& datasetPath) const {
    Handle d = openDataset(file_, *this, datasetPath);
    Handle ftype(H5Dget_type(d.id), H5Tclose);
    if (H5Tget_class(ftype.id) != H5T_STRING) {
        throw Hdf5Error(where(datasetPath) + "expected strings, found " + describeType(ftype.id).describe());
    }
    Handle space(H5Dget_space(d.id), H5Sclose);
    const hssize_t n = H5Sget_simple_extent_npoints(space.id);
    return readStringData(ftype.id, static_cast<std::size_t>(std::max<hssize_t>(n, 0)),
                          [&](hid_t mem, void* buf) { return H5Dread(d.id, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf); },
                          where(datasetPath));
}

bool Hdf5File::hasAttribute(const std::string& objectPath, const std::string& name) const {
    return exists(objectPath) && H5Aexists_by_name(file_, objectPath.c_str(), name.c_str(), H5P_DEFAULT) > 0;
}

std::vector<std::string> Hdf5File::attributeStrings(const std::string& objectPath, const std::string& name) const {
    if (!hasAttribute(objectPath, name)) return {};
    Handle a(H5Aopen_by_name(file_, objectPath.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    Handle ftype(H5Aget_type(a.id), H5Tclose);
    Handle space(H5Aget_space(a.id), H5Sclose);
    const hssize_t n = H5Sget_simple_extent_npoints(space.id);
    if (H5Tget_class(ftype.id) != H5T_STRING) {
        if (n == 0) return {};  // anndata writes an empty float array for "no columns"
        throw Hdf5Error(where(objectPath) + "attribute '" + name + "' should hold strings");
    }
    return readStringData(ftype.id, static_cast<std::size_t>(std::max<hssize_t>(n, 0)),
                          [&](hid_t mem, void* buf) { return H5Aread(a.id, mem, buf); },
                          where(objectPath) + "attribute '" + name + "': ");
}

std::optional<std::string> Hdf5File::attributeString(const std::string& objectPath, const std::string& name) const {
    if (!hasAttribute(objectPath, name)) return std::nullopt;
    auto all = attributeStrings(objectPath, name);
    if (all.empty()) return std::string();
    return all.front();
}

std::vector<std::int64_t> Hdf5File::attributeInt64(const std::string& objectPath, const std::string& name) const {
    if (!hasAttribute(objectPath, name)) throw Hdf5Error(where(objectPath) + "attribute '" + name + "' is missing");
    Handle a(H5Aopen_by_name(file_, objectPath.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    Handle ftype(H5Aget_type(a.id), H5Tclose);
    const H5T_class_t cls = H5Tget_class(ftype.id);
    if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
        throw Hdf5Error(where(objectPath) + "attribute '" + name + "' should hold integers");
    }
    Handle space(H5Aget_space(a.id), H5Sclose);
    const hssize_t n = H5Sget_simple_extent_npoints(space.id);
    std::vector<std::int64_t> out(static_cast<std::size_t>(std::max<hssize_t>(n, 0)));
    if (!out.empty() && H5Aread(a.id, H5T_NATIVE_INT64, out.data()) < 0) {
        throw Hdf5Error(where(objectPath) + "attribute '" + name + "' cannot be read");
    }
    return out;
}

std::optional<bool> Hdf5File::attributeBool(const std::string& objectPath, const std::string& name) const {
    if (!hasAttribute(objectPath, name)) return std::nullopt;
    Handle a(H5Aopen_by_name(file_, objectPath.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    Handle ftype(H5Aget_type(a.id), H5Tclose);
    const H5T_class_t cls = H5Tget_class(ftype.id);
    if (cls == H5T_STRING) {
        const auto text = attributeString(objectPath, name);
        return text && (*text == "True" || *text == "true" || *text == "1");
    }
    if (cls != H5T_ENUM && cls != H5T_INTEGER) {
        throw Hdf5Error(where(objectPath) + "attribute '" + name + "' should hold a boolean");
    }
    // Enums convert only to enums: read through the integer base type.
    Handle base(cls == H5T_ENUM ? H5Tget_super(ftype.id) : H5Tcopy(ftype.id), H5Tclose);
    Handle native(H5Tget_native_type(base.id, H5T_DIR_ASCEND), H5Tclose);
    std::int64_t value = 0;  // large enough for any integer base, little-endian low bytes first
    if (H5Aread(a.id, native.id, &value) < 0) throw Hdf5Error(where(objectPath) + "attribute '" + name + "' cannot be read");
    const std::size_t size = H5Tget_size(native.id);
    const std::uint64_t mask = size >= 8 ? ~std::uint64_t{0} : ((std::uint64_t{1} << (size * 8)) - 1);
    return (static_cast<std::uint64_t>(value) & mask) != 0;
}

}  // namespace hescape
