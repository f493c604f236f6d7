// Hdf5File over the HDF5 C API. Handles are closed by small RAII guards;
// HDF5's own error stack printing is switched off so that messages reach the
// user once, through Hdf5Error, with the file and object named. The bulk
// reads bypass H5Dread for plain stored arrays (see the header) and read the
// file with pread on several threads.
#include "core/io/Hdf5File.h"

#include "core/common/MemoryBudget.h"
#include "core/compute/ParallelFor.h"

#include <hdf5.h>

#include "core/io/Hdf5Handle.h"
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <sstream>
#include <system_error>
#include <thread>

namespace hescape {

namespace {

constexpr std::uint64_t kMaxBytes = std::uint64_t{32} << 30;  // refuse single reads above 32 GiB

// Why a read of `dataset` failed: a compression filter this HDF5 library
// lacks (h5py's LZF is the usual one), or data that fail their checksum (run
// files carry Fletcher-32); else "(truncated or corrupt file?)". HDF5 itself
// only says that the read failed.
std::string readFailureReason(hid_t dataset) {
    const hid_t plist = H5Dget_create_plist(dataset);
    std::string reason;
    const int filters = plist >= 0 ? H5Pget_nfilters(plist) : 0;
    for (int i = 0; i < filters && reason.empty(); ++i) {
        unsigned flags = 0, config = 0;
        std::size_t nValues = 0;
        char name[128] = {};
        const H5Z_filter_t id = H5Pget_filter2(plist, static_cast<unsigned>(i), &flags, &nValues, nullptr, sizeof name, name, &config);
        if (id >= 0 && H5Zfilter_avail(id) <= 0) {
            reason = "(compressed with the " + std::string(id == 32000 ? "LZF" : name[0] ? name : "unknown") + " filter, id " +
                     std::to_string(id) + ", which this HDF5 library does not have: write the file again with gzip, "
                     "e.g. anndata's adata.write_h5ad(path, compression=\"gzip\"))";
        }
    }
    const bool checksummed = plist >= 0 && H5Pget_filter_by_id2(plist, H5Z_FILTER_FLETCHER32, nullptr, nullptr, nullptr, 0, nullptr, nullptr) >= 0;
    if (plist >= 0) H5Pclose(plist);
    if (reason.empty() && checksummed) reason = "(its data fail their Fletcher-32 checksum, or the file is truncated: it was damaged after it was written)";
    return reason.empty() ? "(truncated or corrupt file?)" : reason;
}
// Bulk reads hand out work in blocks of this size: large enough that a pread
// costs little per byte, small enough that a block is still in the L2/L3
// cache when the visitor checks it, and that two threads stay balanced.
constexpr std::size_t kBlockBytes = std::size_t{4} << 20;
// Buffers from this size on are pre-faulted by several threads.
constexpr std::size_t kBigBufferBytes = std::size_t{32} << 20;
// Chunked datasets are read directly only with few, large chunks. HDF5 1.10
// has no way to list chunk addresses in one pass: H5Dget_chunk_info_by_coord
// walks the whole chunk index on every call (measured here: ~35 us a call plus
// ~12 ns per chunk in the index), while reading directly saves ~0.1 ns a byte
// over H5Dread. So a chunk must be well above ~400 KB to pay for its look-up,
// and n chunks cost n^2 index steps. The 4 MiB chunks of bench_spatial's file
// qualify; the ~120 KB chunks anndata itself writes do not (H5Dread).
constexpr std::uint64_t kMinDirectChunkBytes = std::uint64_t{1} << 20;
constexpr std::uint64_t kMaxDirectChunks = 512;

using Handle = Hdf5Handle;

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

// libhdf5 1.10.8 converts numbers of odd layouts bit by bit and trusts the
// datatype message: a damaged one (precision beyond the size, a float's
// exponent outside its bits) overran a stack buffer in H5T__bit_get_d
// (tenx_h5 fuzzing, docs/fuzzing.md). Integers and floats must describe bits
// inside their bytes before anything is converted.
void checkNumberType(hid_t t, const std::string& where) {
    const H5T_class_t cls = H5Tget_class(t);
    if (cls != H5T_INTEGER && cls != H5T_FLOAT) return;
    const std::size_t size = H5Tget_size(t), precision = H5Tget_precision(t);
    const int offset = H5Tget_offset(t);
    const auto corrupt = [&](const std::string& detail) {
        throw Hdf5Error(where + "its number type is corrupt (" + detail + ")");
    };
    if (size == 0 || size > 16 || precision == 0 || offset < 0 || static_cast<std::size_t>(offset) + precision > 8 * size)
        corrupt(std::to_string(size) + " bytes, precision " + std::to_string(precision) + " bits at offset " + std::to_string(offset));
    if (cls != H5T_FLOAT) return;
    std::size_t spos = 0, epos = 0, esize = 0, mpos = 0, msize = 0;
    if (H5Tget_fields(t, &spos, &epos, &esize, &mpos, &msize) < 0) corrupt("its fields cannot be read");
    const std::size_t end = static_cast<std::size_t>(offset) + precision;
    if (esize == 0 || esize > 32 || msize == 0 || msize > 112 || epos + esize > end || mpos + msize > end || spos >= end)
        corrupt("sign bit " + std::to_string(spos) + ", exponent " + std::to_string(esize) + " bits at " + std::to_string(epos) +
                ", mantissa " + std::to_string(msize) + " bits at " + std::to_string(mpos) + " in " + std::to_string(precision) + " bits");
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
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size == 0) throw Hdf5Error(path + ": the file is empty");
    fileBytes_ = ec ? std::numeric_limits<std::uint64_t>::max() : static_cast<std::uint64_t>(size);  // unknown: no cap
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

// `wholeRead`: the dataset is about to be read once, whole. Its chunks are
// then each needed once, so HDF5's chunk cache (1 MiB by default) only adds
// a copy: chunks smaller than it (anndata writes ~120 KB ones) are read into
// the cache and copied out, larger ones straight into the result. Without a
// cache every chunk goes straight in (about 30 % faster for anndata's files).
Handle openDataset(hid_t file, const Hdf5File& f, const std::string& path, bool wholeRead = false) {
    if (!f.isDataset(path)) {
        throw Hdf5Error(f.where(path) + (f.exists(path) ? "is not a dataset" : "is missing"));
    }
    Handle dapl(H5I_INVALID_HID, H5Pclose);
    if (wholeRead) {
        dapl.id = H5Pcreate(H5P_DATASET_ACCESS);
        if (dapl.ok()) H5Pset_chunk_cache(dapl.id, 0, 0, 1.0);
    }
    const hid_t id = H5Dopen2(file, path.c_str(), dapl.ok() ? dapl.id : H5P_DEFAULT);
    if (id < 0) throw Hdf5Error(f.where(path) + "cannot open the dataset");
    return Handle(id, H5Dclose);
}

std::vector<hsize_t> dims(hid_t space) {
    const int rank = H5Sget_simple_extent_ndims(space);
    std::vector<hsize_t> d(static_cast<std::size_t>(std::max(rank, 0)));
    if (rank > 0) H5Sget_simple_extent_dims(space, d.data(), nullptr);
    return d;
}

// Runs fn(i) for every i in [0, count) on up to `threads` threads (the
// calling one included), through core's one parallel loop: after the first
// exception no new item starts, and that exception is rethrown here.
void parallelFor(std::size_t count, unsigned threads, const std::function<void(std::size_t)>& fn) {
    forEachChunk(static_cast<std::int64_t>(count), 1, static_cast<int>(std::max(threads, 1u)), Progress{},
                 [&](std::int64_t i, std::int64_t, std::int64_t) { fn(static_cast<std::size_t>(i)); });
}

// Maps the whole pages inside [p, p + bytes) (MADV_POPULATE_WRITE, Linux >=
// 5.14); where the kernel refuses, the first write faults them in instead.
void prefault([[maybe_unused]] void* p, [[maybe_unused]] std::size_t bytes) {
#ifdef MADV_POPULATE_WRITE
    const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
    const auto begin = reinterpret_cast<std::uintptr_t>(p);
    const std::uintptr_t first = (begin + page - 1) & ~(page - 1);
    const std::uintptr_t last = (begin + bytes) & ~(page - 1);
    if (first < last) madvise(reinterpret_cast<void*>(first), last - first, MADV_POPULATE_WRITE);
#endif
}

// Gives `v` n elements (zeroed for std::vector, unset for an
// UninitializedVector). Faulting in a fresh 1 GB buffer is the largest single
// cost of loading a big matrix (in a profile of the plain load, half the
// time was the kernel zeroing pages on first touch, 4 KiB at a time, on one
// thread), so big buffers are pre-faulted by `threads` threads first.
// (Transparent huge pages, MADV_HUGEPAGE, were tried too: on the 2-vCPU VM
// they made fresh processes 2-3x slower, so they are not asked for.)
template <typename Vec>
void allocate(Vec& v, std::size_t n, unsigned threads) {
    v.clear();
    v.reserve(n);
    const std::size_t bytes = n * sizeof(typename Vec::value_type);
    if (bytes >= kBigBufferBytes && threads > 1) {
        const std::size_t slice = bytes / threads + 1;
        parallelFor(threads, threads, [&](std::size_t i) {
            const std::size_t a = std::min(bytes, i * slice);
            prefault(reinterpret_cast<char*>(v.data()) + a, std::min(bytes, a + slice) - a);
        });
    }
    v.resize(n);
}

// Values and strings are sized from the dataspace before anything is read,
// so a file of a few KB declaring four billion of them would allocate
// ~130 GB first. What is declared must fit what the file stores for it:
// deflate expands at most ~1032:1 (zlib's bound), so no more than 1032
// stored bytes per byte, with a 1 MiB allowance for data never written
// (fill values) or stored compactly. The stored size HDF5 reports is itself
// read from the file (a contiguous layout's declared size), so it counts for
// no more than the file's length.
void checkDeclaredElements(std::uint64_t n, std::uint64_t elementBytes, std::uint64_t storedBytes, std::uint64_t fileBytes,
                           const char* what, const std::string& where) {
    constexpr std::uint64_t kAllowance = std::uint64_t{1} << 20;
    storedBytes = std::min(storedBytes, fileBytes);
    const std::uint64_t limit = std::max(kAllowance, multiplyBytes(storedBytes, kDeflateMaxExpansion));
    if (elementBytes == 0 || n > limit / elementBytes)
        throw Hdf5Error(where + "declares " + std::to_string(n) + " " + what + " of " + std::to_string(elementBytes) + " bytes, more than the " + std::to_string(storedBytes) +
                        " bytes the file holds for them can contain");
}

template <typename T, typename Vec = std::vector<T>>
Vec readNumeric(hid_t file, const Hdf5File& f, const std::string& path, hid_t memType,
                std::optional<std::pair<std::int64_t, std::int64_t>> range) {
    Handle d = openDataset(file, f, path, !range.has_value());
    Handle ftype(H5Dget_type(d.id), H5Tclose);
    const Hdf5Type t = describeType(ftype.id);
    if (t.cls != Hdf5Class::Integer && t.cls != Hdf5Class::Float && t.cls != Hdf5Class::Boolean) {
        throw Hdf5Error(f.where(path) + "expected numbers, found " + t.describe());
    }
    if (t.cls == Hdf5Class::Boolean) {
        Handle base(H5Tget_super(ftype.id), H5Tclose);
        checkNumberType(base.id, f.where(path));
    } else {
        checkNumberType(ftype.id, f.where(path));
    }
    Handle space(H5Dget_space(d.id), H5Sclose);
    const auto shape = dims(space.id);
    std::uint64_t n = 1;
    for (auto s : shape) n = multiplyBytes(n, s);
    checkDeclaredElements(n, H5Tget_size(ftype.id), H5Dget_storage_size(d.id), f.fileBytes(), "values", f.where(path));
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
    Vec out;  // every element is written below, whether or not Vec zeroes them
    allocate(out, static_cast<std::size_t>(n), Hdf5File::bulkThreads());
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
    if (status < 0) throw Hdf5Error(f.where(path) + "reading failed " + readFailureReason(d.id));
    return out;
}

// Where the bytes of a dataset lie in the file when they can be copied
// unchanged into the result: `count` elements from element `first` on,
// stored from byte `fileOffset`.
struct StoredRun {
    std::uint64_t fileOffset = 0;
    std::uint64_t first = 0;
    std::uint64_t count = 0;
};

struct DirectPlan {
    int fd = -1;
    std::uint64_t elements = 0;
    std::vector<StoredRun> runs;
};

// The direct-read plan for dataset `d` read as `memType`, or nothing where
// H5Dread has to do the work: a stored type other than exactly the memory
// type (byte order, size, enums), any filter (compression, shuffle,
// checksums), external or virtual storage, compact storage (small anyway),
// unallocated storage or chunks (fill values), chunked storage of more than
// one dimension (chunks are then not runs of elements), and file drivers
// other than the default POSIX one (only there are HDF5 addresses offsets
// into one file descriptor).
std::optional<DirectPlan> planDirect(hid_t file, hid_t d, hid_t memType) {
    Handle ftype(H5Dget_type(d), H5Tclose);
    if (!ftype.ok() || H5Tequal(ftype.id, memType) <= 0) return std::nullopt;
    const std::size_t elementSize = H5Tget_size(memType);
    Handle dcpl(H5Dget_create_plist(d), H5Pclose);
    if (!dcpl.ok() || H5Pget_nfilters(dcpl.id) != 0) return std::nullopt;
    Handle space(H5Dget_space(d), H5Sclose);
    if (!space.ok()) return std::nullopt;
    const auto shape = dims(space.id);
    DirectPlan plan;
    plan.elements = 1;
    for (const auto s : shape) plan.elements *= s;
    if (plan.elements == 0) return std::nullopt;
    switch (H5Pget_layout(dcpl.id)) {
        case H5D_CONTIGUOUS: {
            if (H5Pget_external_count(dcpl.id) != 0) return std::nullopt;
            const haddr_t addr = H5Dget_offset(d);  // includes any user block
            if (addr == HADDR_UNDEF) return std::nullopt;
            plan.runs.push_back({addr, 0, plan.elements});
            break;
        }
        case H5D_CHUNKED: {
            hsize_t chunk = 0;
            if (shape.size() != 1 || H5Pget_chunk(dcpl.id, 1, &chunk) != 1 || chunk == 0) return std::nullopt;
            const std::uint64_t chunks = (plan.elements + chunk - 1) / chunk;
            if (chunks > kMaxDirectChunks || chunk * elementSize < kMinDirectChunkBytes) return std::nullopt;
            // Chunk addresses left out the user block before HDF5 1.14.4
            // and include it since (HDFGroup/hdf5#3003): files with one
            // (rare for .h5ad) go through H5Dread rather than guess.
            hsize_t userBlock = 0;
            Handle fcpl(H5Fget_create_plist(file), H5Pclose);
            if (!fcpl.ok() || H5Pget_userblock(fcpl.id, &userBlock) < 0 || userBlock != 0) return std::nullopt;
            plan.runs.reserve(static_cast<std::size_t>(chunks));
            for (std::uint64_t k = 0; k < chunks; ++k) {
                const hsize_t coord = k * chunk;
                unsigned mask = 0;
                haddr_t addr = HADDR_UNDEF;
                hsize_t size = 0;
                if (H5Dget_chunk_info_by_coord(d, &coord, &mask, &addr, &size) < 0 || addr == HADDR_UNDEF ||
                    mask != 0 || size != chunk * elementSize) {
                    return std::nullopt;
                }
                const std::uint64_t count = std::min<std::uint64_t>(chunk, plan.elements - coord);
                // Chunks written in order usually follow each other in the
                // file (anndata's are ~120 KB each): one run, fewer preads.
                StoredRun* last = plan.runs.empty() ? nullptr : &plan.runs.back();
                if (last && last->first + last->count == coord && last->count % chunk == 0 &&
                    last->fileOffset + last->count * elementSize == addr) {
                    last->count += count;
                } else {
                    plan.runs.push_back({addr, coord, count});
                }
            }
            break;
        }
        default: return std::nullopt;
    }
    Handle fapl(H5Fget_access_plist(file), H5Pclose);
    if (!fapl.ok() || H5Pget_driver(fapl.id) != H5FD_SEC2) return std::nullopt;
    void* handle = nullptr;
    if (H5Fget_vfd_handle(file, fapl.id, &handle) < 0 || handle == nullptr) return std::nullopt;
    plan.fd = *static_cast<int*>(handle);  // HDF5's own descriptor: pread leaves its file position alone
    return plan;
}

void preadAll(int fd, void* dst, std::uint64_t bytes, std::uint64_t offset, const Hdf5File& f, const std::string& path) {
    auto* p = static_cast<char*>(dst);
    while (bytes > 0) {
        const ssize_t got = ::pread(fd, p, static_cast<std::size_t>(bytes), static_cast<off_t>(offset));
        if (got < 0) {
            if (errno == EINTR) continue;
            throw Hdf5Error(f.where(path) + "reading failed: " + std::error_code(errno, std::generic_category()).message());
        }
        if (got == 0) {
            throw Hdf5Error(f.where(path) + "reading failed: the file ends at byte " + std::to_string(offset) +
                            ", inside the dataset's data (truncated file?)");
        }
        p += got;
        bytes -= static_cast<std::uint64_t>(got);
        offset += static_cast<std::uint64_t>(got);
    }
}

template <typename T>
void visitBlocks(const UninitializedVector<T>& values, unsigned threads, const Hdf5File::BlockVisitor<T>& visit) {
    if (!visit || values.empty()) return;
    const std::size_t per = kBlockBytes / sizeof(T);
    parallelFor((values.size() + per - 1) / per, threads, [&](std::size_t i) {
        const std::size_t first = i * per;
        visit(values.data() + first, first, std::min(per, values.size() - first));
    });
}

// The H5Dread path for a large 1-D numeric dataset: read in pieces of whole
// chunks (so that no chunk is decompressed twice), in order, on this thread,
// while a second thread faults in the memory ahead of the reads and then
// visits each piece once it has been read. HDF5 serialises its calls, so
// this is as parallel as H5Dread gets; it hides the page faults and the
// checks behind the copy. The chunk cache is off (see openDataset).
template <typename T>
UninitializedVector<T> readPieces(hid_t d, hid_t memType, std::size_t n, const Hdf5File& f, const std::string& path,
                                  const Hdf5File::BlockVisitor<T>& visit) {
    std::size_t piece = kBlockBytes / sizeof(T);
    {
        Handle dcpl(H5Dget_create_plist(d), H5Pclose);
        hsize_t chunk = 0;
        if (dcpl.ok() && H5Pget_layout(dcpl.id) == H5D_CHUNKED && H5Pget_chunk(dcpl.id, 1, &chunk) == 1 && chunk > 0) {
            piece = static_cast<std::size_t>((piece + chunk - 1) / chunk * chunk);
        }
    }
    UninitializedVector<T> out;
    out.resize(n);  // untouched: the helper faults it in, H5Dread fills every element
    const std::size_t pieces = (n + piece - 1) / piece;
    auto pieceCount = [&](std::size_t i) { return std::min(piece, n - i * piece); };
    std::mutex mutex;
    std::condition_variable changed;
    std::size_t piecesRead = 0;  // guarded by mutex
    bool stop = false;           // guarded by mutex: the reader failed, or the helper did
    std::exception_ptr helperError;
    auto stopAll = [&] {
        const std::lock_guard lock(mutex);
        stop = true;
        changed.notify_all();
    };
    std::jthread helper([&] {
        try {
            for (std::size_t i = 0; i < pieces; ++i) {
                // Faulting memory that H5Dread already writes to is harmless:
                // pages that are there are left alone.
                prefault(out.data() + i * piece, pieceCount(i) * sizeof(T));
                const std::lock_guard lock(mutex);
                if (stop) return;
            }
            for (std::size_t i = 0; visit && i < pieces; ++i) {
                {
                    std::unique_lock lock(mutex);
                    changed.wait(lock, [&] { return stop || piecesRead > i; });
                    if (stop) return;
                }
                visit(out.data() + i * piece, i * piece, pieceCount(i));
            }
        } catch (...) {
            helperError = std::current_exception();
            stopAll();
        }
    });
    Handle fileSpace(H5Dget_space(d), H5Sclose);
    for (std::size_t i = 0; i < pieces; ++i) {
        {
            const std::lock_guard lock(mutex);
            if (stop) break;  // the helper failed (a visitor threw)
        }
        const hsize_t start = i * piece, count = pieceCount(i);
        Handle memSpace(H5Screate_simple(1, &count, nullptr), H5Sclose);
        if (!fileSpace.ok() || !memSpace.ok() ||
            H5Sselect_hyperslab(fileSpace.id, H5S_SELECT_SET, &start, nullptr, &count, nullptr) < 0 ||
            H5Dread(d, memType, memSpace.id, fileSpace.id, H5P_DEFAULT, out.data() + start) < 0) {
            stopAll();
            throw Hdf5Error(f.where(path) + "reading failed " + readFailureReason(d));
        }
        const std::lock_guard lock(mutex);
        piecesRead = i + 1;
        changed.notify_all();
    }
    helper.join();
    if (helperError) std::rethrow_exception(helperError);
    return out;
}

template <typename T>
UninitializedVector<T> readBulk(hid_t file, const Hdf5File& f, const std::string& path, hid_t memType,
                                const Hdf5File::BlockVisitor<T>& visit) {
    const unsigned threads = Hdf5File::bulkThreads();
    std::optional<DirectPlan> plan;
    {
        Handle d = openDataset(file, f, path, true);
        plan = planDirect(file, d.id, memType);
        if (!plan && threads > 1) {
            Handle ftype(H5Dget_type(d.id), H5Tclose);
            const Hdf5Type t = describeType(ftype.id);
            Handle space(H5Dget_space(d.id), H5Sclose);
            const auto shape = dims(space.id);
            if (shape.size() == 1 && (t.cls == Hdf5Class::Integer || t.cls == Hdf5Class::Float) &&
                shape[0] * sizeof(T) > kBlockBytes) {  // at least two pieces
                if (shape[0] * sizeof(T) > kMaxBytes) throw Hdf5Error(f.where(path) + "is too large to read into memory");
                checkNumberType(ftype.id, f.where(path));
                checkDeclaredElements(shape[0], H5Tget_size(ftype.id), H5Dget_storage_size(d.id), f.fileBytes(), "values", f.where(path));
                return readPieces<T>(d.id, memType, static_cast<std::size_t>(shape[0]), f, path, visit);
            }
        }
    }
    if (!plan) {  // small, 2-D, enums, non-numbers (which readNumeric reports), or one thread
        auto out = readNumeric<T, UninitializedVector<T>>(file, f, path, memType, std::nullopt);
        visitBlocks(out, threads, visit);
        return out;
    }
    if (plan->elements * sizeof(T) > kMaxBytes) throw Hdf5Error(f.where(path) + "is too large to read into memory");
    // HDF5 checks the file's length against the superblock when it opens
    // it; this catches data that lie beyond the end all the same (a copy cut
    // short, a damaged superblock), before any thread starts.
    struct stat st {};
    if (fstat(plan->fd, &st) != 0) {
        throw Hdf5Error(f.where(path) + "cannot stat the file: " + std::error_code(errno, std::generic_category()).message());
    }
    const auto fileSize = static_cast<std::uint64_t>(st.st_size);
    for (const StoredRun& r : plan->runs) {
        const std::uint64_t end = r.fileOffset + r.count * sizeof(T);
        if (end > fileSize) {
            throw Hdf5Error(f.where(path) + "its data (bytes " + std::to_string(r.fileOffset) + " to " + std::to_string(end) +
                            ") lie beyond the end of the file (" + std::to_string(fileSize) +
                            " bytes): the file is truncated or corrupt");
        }
    }
    // Not zeroed, not touched: each block's pages are faulted in by the
    // thread that fills it, right before its pread, so that no pass over the
    // memory happens before the one that matters.
    UninitializedVector<T> out;
    out.resize(static_cast<std::size_t>(plan->elements));
    std::vector<StoredRun> blocks;
    const std::uint64_t per = kBlockBytes / sizeof(T);
    for (const StoredRun& r : plan->runs)
        for (std::uint64_t o = 0; o < r.count; o += per)
            blocks.push_back({r.fileOffset + o * sizeof(T), r.first + o, std::min(per, r.count - o)});
    parallelFor(blocks.size(), threads, [&](std::size_t i) {
        const StoredRun& b = blocks[i];
        T* dst = out.data() + b.first;
        prefault(dst, b.count * sizeof(T));
        preadAll(plan->fd, dst, b.count * sizeof(T), b.fileOffset, f, path);
        if (visit) visit(dst, static_cast<std::size_t>(b.first), static_cast<std::size_t>(b.count));
    });
    return out;
}

hid_t nativeType(Hdf5Class cls, std::size_t size) {
    if (cls == Hdf5Class::Float && size == 4) return H5T_NATIVE_FLOAT;
    if (cls == Hdf5Class::Float && size == 8) return H5T_NATIVE_DOUBLE;
    if (cls == Hdf5Class::Integer && size == 4) return H5T_NATIVE_INT32;
    if (cls == Hdf5Class::Integer && size == 8) return H5T_NATIVE_INT64;
    return H5I_INVALID_HID;
}

}  // namespace

unsigned Hdf5File::bulkThreads() {
    return static_cast<unsigned>(std::min(threadBudget(), 8));
}

UninitializedVector<float> Hdf5File::readFloatsBulk(const std::string& p, const BlockVisitor<float>& visit) const {
    return readBulk<float>(file_, *this, p, H5T_NATIVE_FLOAT, visit);
}
UninitializedVector<std::int32_t> Hdf5File::readInt32Bulk(const std::string& p, const BlockVisitor<std::int32_t>& visit) const {
    return readBulk<std::int32_t>(file_, *this, p, H5T_NATIVE_INT32, visit);
}
UninitializedVector<std::int64_t> Hdf5File::readInt64Bulk(const std::string& p, const BlockVisitor<std::int64_t>& visit) const {
    return readBulk<std::int64_t>(file_, *this, p, H5T_NATIVE_INT64, visit);
}

bool Hdf5File::readsDirectly(const std::string& datasetPath, Hdf5Class cls, std::size_t size) const {
    const hid_t memType = nativeType(cls, size);
    if (memType < 0) return false;
    Handle d = openDataset(file_, *this, datasetPath);
    return planDirect(file_, d.id, memType).has_value();
}

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
std::vector<std::uint8_t> Hdf5File::readUInt8(const std::string& p) const {
    return readNumeric<std::uint8_t>(file_, *this, p, H5T_NATIVE_UINT8, std::nullopt);
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
    const hssize_t n = std::max<hssize_t>(H5Sget_simple_extent_npoints(space.id), 0);
    checkDeclaredElements(static_cast<std::uint64_t>(n), H5Tget_size(ftype.id), H5Dget_storage_size(d.id), fileBytes_, "strings", where(datasetPath));
    const auto read = [&](hid_t mem, void* buf) {
        const herr_t status = H5Dread(d.id, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
        if (status < 0) throw Hdf5Error(where(datasetPath) + "reading strings failed " + readFailureReason(d.id));
        return status;
    };
    return readStringData(ftype.id, static_cast<std::size_t>(n), read, where(datasetPath));
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
    const std::string at = where(objectPath) + "attribute '" + name + "': ";
    checkDeclaredElements(static_cast<std::uint64_t>(std::max<hssize_t>(n, 0)), H5Tget_size(ftype.id), H5Aget_storage_size(a.id), fileBytes_, "strings", at);
    return readStringData(ftype.id, static_cast<std::size_t>(std::max<hssize_t>(n, 0)),
                          [&](hid_t mem, void* buf) { return H5Aread(a.id, mem, buf); }, at);
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
    const std::string at = where(objectPath) + "attribute '" + name + "': ";
    checkNumberType(ftype.id, at);
    Handle space(H5Aget_space(a.id), H5Sclose);
    const hssize_t n = H5Sget_simple_extent_npoints(space.id);
    checkDeclaredElements(static_cast<std::uint64_t>(std::max<hssize_t>(n, 0)), H5Tget_size(ftype.id), H5Aget_storage_size(a.id), fileBytes_, "values", at);
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
    // One value is read into one int64: more would overflow it.
    Handle space(H5Aget_space(a.id), H5Sclose);
    if (H5Sget_simple_extent_npoints(space.id) != 1)
        throw Hdf5Error(where(objectPath) + "attribute '" + name + "' should hold one boolean");
    // Enums convert only to enums: read through the integer base type.
    Handle base(cls == H5T_ENUM ? H5Tget_super(ftype.id) : H5Tcopy(ftype.id), H5Tclose);
    checkNumberType(base.id, where(objectPath) + "attribute '" + name + "': ");
    Handle native(H5Tget_native_type(base.id, H5T_DIR_ASCEND), H5Tclose);
    std::int64_t value = 0;  // large enough for any integer base, little-endian low bytes first
    if (H5Aread(a.id, native.id, &value) < 0) throw Hdf5Error(where(objectPath) + "attribute '" + name + "' cannot be read");
    const std::size_t size = H5Tget_size(native.id);
    const std::uint64_t mask = size >= 8 ? ~std::uint64_t{0} : ((std::uint64_t{1} << (size * 8)) - 1);
    return (static_cast<std::uint64_t>(value) & mask) != 0;
}

}  // namespace hescape
