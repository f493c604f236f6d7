// ZarrArray: chunk keys, file reads bounded by the chunk's size, codec
// chains decoded in reverse, shard indexes read (and cached) per shard file.
#include "core/io/ZarrArray.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>

static_assert(std::endian::native == std::endian::little, "ZarrArray decodes to little-endian samples");

namespace hescape {

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kEmpty = ~std::uint64_t{0};

// Compressed data may be a little larger than what it holds, never much.
std::size_t encodedLimit(std::size_t decoded) { return decoded + decoded / 8 + 65536; }

std::vector<std::uint8_t> readRange(const std::string& file, std::uint64_t offset, std::uint64_t size) {
    std::ifstream in(file, std::ios::binary);
    std::vector<std::uint8_t> out(static_cast<std::size_t>(size));
    if (!in || !in.seekg(static_cast<std::streamoff>(offset)) || !in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(size)))
        throw ZarrError(file + ": could not read " + std::to_string(size) + " bytes at " + std::to_string(offset));
    return out;
}

void verifyCrcs(std::vector<std::uint8_t>& data, int count, const std::string& where) {
    for (int k = 0; k < count; ++k) {
        if (data.size() < 4) throw ZarrError(where + ": too short for its crc32c checksum");
        std::uint32_t stored = 0;
        std::memcpy(&stored, data.data() + data.size() - 4, 4);
        data.resize(data.size() - 4);
        if (crc32c(data.data(), data.size()) != stored) throw ZarrError(where + ": crc32c checksum mismatch (the data is damaged)");
    }
}

void swapBytes(std::vector<std::uint8_t>& data, int width) {
    for (std::size_t i = 0; i + static_cast<std::size_t>(width) <= data.size(); i += static_cast<std::size_t>(width))
        std::reverse(data.begin() + static_cast<std::ptrdiff_t>(i), data.begin() + static_cast<std::ptrdiff_t>(i) + width);
}

}  // namespace

bool ZarrArray::isArray(const std::string& dir) {
    std::error_code ec;
    if (fs::is_regular_file(fs::path(dir) / ".zarray", ec)) return true;
    std::ifstream in(fs::path(dir) / "zarr.json");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.find("\"array\"") != std::string::npos;
}

ZarrArray::ZarrArray(std::string dir) : dir_(std::move(dir)), info_(readZarrArrayInfo(dir_)) {
    std::size_t samples = 1;
    for (const auto c : info_.chunks) {
        if (static_cast<std::size_t>(c) > kMaxChunkBytes || samples > kMaxChunkBytes / static_cast<std::size_t>(c)) {
            samples = kMaxChunkBytes + 1;
            break;
        }
        samples *= static_cast<std::size_t>(c);
    }
    if (samples > kMaxChunkBytes / static_cast<std::size_t>(info_.bytesPerSample))
        throw ZarrError(dir_ + ": one chunk would decode to more than " + std::to_string(kMaxChunkBytes >> 20) +
                        " MiB; rechunk the array into smaller chunks to open it");
    chunkBytes_ = samples * static_cast<std::size_t>(info_.bytesPerSample);
}

std::vector<std::int64_t> ZarrArray::chunkGrid() const {
    std::vector<std::int64_t> grid;
    for (std::size_t d = 0; d < info_.shape.size(); ++d) grid.push_back((info_.shape[d] + info_.chunks[d] - 1) / info_.chunks[d]);
    return grid;
}

std::string ZarrArray::keyOf(const std::vector<std::int64_t>& gridIndex, const std::vector<std::int64_t>& grid) const {
    if (gridIndex.size() != grid.size()) throw ZarrError(dir_ + ": chunk index has the wrong number of dimensions");
    std::string key = info_.keyPrefix;
    for (std::size_t d = 0; d < gridIndex.size(); ++d) {
        if (gridIndex[d] < 0 || gridIndex[d] >= grid[d]) throw ZarrError(dir_ + ": chunk index outside the array");
        if (d) key += info_.separator;
        key += std::to_string(gridIndex[d]);
    }
    return key;
}

std::vector<std::uint8_t> ZarrArray::filled() const {
    std::vector<std::uint8_t> out(chunkBytes_);
    const auto& f = info_.fillBytes;
    if (std::all_of(f.begin(), f.end(), [](std::uint8_t b) { return b == 0; })) return out;
    // Doubling copies: a 2 MB chunk of 2-byte fill values took a million
    // memcpy calls, and a slide opening samples 64 missing chunks per channel
    // (10 s under ASan for a fuzzed OME-Zarr; docs/fuzzing.md).
    const std::size_t n = std::min(f.size(), out.size());
    std::memcpy(out.data(), f.data(), n);
    for (std::size_t done = n; done > 0 && done < out.size(); done *= 2)
        std::memcpy(out.data() + done, out.data(), std::min(done, out.size() - done));
    return out;
}

std::vector<std::uint8_t> ZarrArray::decode(std::vector<std::uint8_t> data, const ZarrCodecChain& codecs, std::size_t bytes,
                                            const std::string& where) const {
    verifyCrcs(data, codecs.crcAfter, where);
    data = zarrDecompress(codecs.compressor, data, bytes + 4 * static_cast<std::size_t>(codecs.crcBefore), where);
    verifyCrcs(data, codecs.crcBefore, where);
    if (codecs.bigEndian && info_.bytesPerSample > 1) swapBytes(data, info_.bytesPerSample);
    return data;
}

std::vector<std::uint8_t> ZarrArray::readChunk(const std::vector<std::int64_t>& index) const {
    if (!info_.shardShape.empty()) return readSharded(index);
    const std::string file = (fs::path(dir_) / keyOf(index, chunkGrid())).string();
    std::error_code ec;
    const auto size = fs::file_size(file, ec);
    if (ec) return filled();  // Zarr leaves chunks that are all fill value unwritten
    if (size > encodedLimit(chunkBytes_))
        throw ZarrError(file + ": a chunk file of " + std::to_string(size) + " bytes is far larger than its " +
                        std::to_string(chunkBytes_) + " decoded bytes");
    return decode(readRange(file, 0, size), info_.codecs, chunkBytes_, file);
}

std::shared_ptr<const std::vector<std::uint64_t>> ZarrArray::shardIndex(const std::string& file, std::size_t entries) const {
    {
        std::lock_guard lock(indexMutex_);
        if (const auto it = shardIndexes_.find(file); it != shardIndexes_.end()) return it->second;
    }
    std::error_code ec;
    const auto size = fs::file_size(file, ec);
    if (ec) return nullptr;
    const std::size_t indexBytes = entries * 16 + 4 * static_cast<std::size_t>(info_.indexCodecs.crcAfter + info_.indexCodecs.crcBefore);
    if (size < indexBytes) throw ZarrError(file + ": shard of " + std::to_string(size) + " bytes is too short for its index");
    auto raw = readRange(file, info_.indexAtEnd ? size - indexBytes : 0, indexBytes);
    verifyCrcs(raw, info_.indexCodecs.crcAfter + info_.indexCodecs.crcBefore, file + " (shard index)");
    if (info_.indexCodecs.bigEndian) swapBytes(raw, 8);
    auto index = std::make_shared<std::vector<std::uint64_t>>(entries * 2);
    std::memcpy(index->data(), raw.data(), raw.size());
    for (std::size_t e = 0; e < entries; ++e) {
        const std::uint64_t off = (*index)[2 * e], n = (*index)[2 * e + 1];
        if (off == kEmpty && n == kEmpty) continue;
        if (off > size || n > size - off || n > encodedLimit(chunkBytes_))
            throw ZarrError(file + ": shard index entry " + std::to_string(e) + " points past the end of the shard");
    }
    std::lock_guard lock(indexMutex_);
    if (shardIndexes_.size() > 4096) shardIndexes_.clear();
    shardIndexes_[file] = index;
    return index;
}

std::vector<std::uint8_t> ZarrArray::readSharded(const std::vector<std::int64_t>& index) const {
    const auto grid = chunkGrid();
    if (index.size() != grid.size()) throw ZarrError(dir_ + ": chunk index has the wrong number of dimensions");
    std::vector<std::int64_t> shard(index.size()), shardGrid(index.size());
    std::size_t entries = 1, entry = 0;
    for (std::size_t d = 0; d < index.size(); ++d) {
        if (index[d] < 0 || index[d] >= grid[d]) throw ZarrError(dir_ + ": chunk index outside the array");
        const std::int64_t per = info_.shardShape[d] / info_.chunks[d];
        shard[d] = index[d] / per;
        shardGrid[d] = (info_.shape[d] + info_.shardShape[d] - 1) / info_.shardShape[d];
        entries *= static_cast<std::size_t>(per);
        entry = entry * static_cast<std::size_t>(per) + static_cast<std::size_t>(index[d] % per);
    }
    if (entries > (std::size_t{1} << 20)) throw ZarrError(dir_ + ": a shard of more than 1,048,576 chunks is not read");
    const std::string file = (fs::path(dir_) / keyOf(shard, shardGrid)).string();
    const auto table = shardIndex(file, entries);
    if (!table) return filled();
    const std::uint64_t off = (*table)[2 * entry], n = (*table)[2 * entry + 1];
    if (off == kEmpty && n == kEmpty) return filled();
    return decode(readRange(file, off, n), info_.codecs, chunkBytes_, file + " (inner chunk " + std::to_string(entry) + ")");
}

}  // namespace hescape
