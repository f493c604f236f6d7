// OmeTiffSlide: opening walks the OME-XML's planes (z = 0, t = 0) to their
// IFDs and pyramid levels, checks them against each other and the XML, and
// samples a coarse level for each channel's automatic contrast window.
#include "core/slide/OmeTiffSlide.h"
#include "core/compute/ThreadBudget.h"

#include "core/slide/ChannelComposite.h"
#include "core/slide/TiffHandlePool.h"

#include <tiffio.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

namespace hescape {

namespace fs = std::filesystem;

namespace {

std::size_t handlesPerFile() { return std::clamp<std::size_t>(static_cast<std::size_t>(threadBudget()), 2, 8); }

std::uint64_t fileSizeOf(const std::string& path) {
    std::error_code ec;
    const auto n = fs::file_size(path, ec);
    return ec ? 0 : n;
}

bool hasTiffMagic(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    unsigned char m[4] = {};
    if (!in.read(reinterpret_cast<char*>(m), 4)) return false;
    const bool ii = m[0] == 'I' && m[1] == 'I' && (m[2] == 42 || m[2] == 43) && m[3] == 0;
    const bool mm = m[0] == 'M' && m[1] == 'M' && m[2] == 0 && (m[3] == 42 || m[3] == 43);
    return ii || mm;
}

// The first IFD's ImageDescription (tag 270) read by hand: where libtiff
// silently drops a description that lies past the end of a truncated file,
// this says so. Returns false for anything it cannot parse.
bool descriptionPastEnd(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    const std::uint64_t size = fileSizeOf(path);
    unsigned char head[16] = {};
    if (!in.read(reinterpret_cast<char*>(head), 16)) return false;
    const bool le = head[0] == 'I';
    const auto num = [le](const unsigned char* p, int n) {
        std::uint64_t v = 0;
        for (int i = 0; i < n; ++i) v |= std::uint64_t{p[le ? i : n - 1 - i]} << (8 * i);
        return v;
    };
    const bool big = num(head + 2, 2) == 43;
    std::uint64_t ifd = big ? num(head + 8, 8) : num(head + 4, 4);
    const int countBytes = big ? 8 : 2, entryBytes = big ? 20 : 12, field = big ? 8 : 4;
    unsigned char buf[20] = {};
    if (ifd + countBytes > size || !in.seekg(static_cast<std::streamoff>(ifd)) || !in.read(reinterpret_cast<char*>(buf), countBytes))
        return false;
    const std::uint64_t entries = std::min<std::uint64_t>(num(buf, countBytes), 4096);
    for (std::uint64_t e = 0; e < entries; ++e) {
        if (!in.read(reinterpret_cast<char*>(buf), entryBytes)) return false;
        if (num(buf, 2) != 270) continue;
        const std::uint64_t count = num(buf + 4, field);
        const std::uint64_t offset = num(buf + 4 + field, field);
        return count > static_cast<std::uint64_t>(field) && offset + count > size;
    }
    return false;
}

bool mentionsOmeNearStart(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::string head(65536, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    return looksLikeOmeXml(head);
}

std::string firstDescription(TiffHandlePool& pool) {
    auto lease = pool.acquire();
    const char* text = nullptr;
    if (!TIFFGetField(lease.tiff(), TIFFTAG_IMAGEDESCRIPTION, &text) || text == nullptr) return {};
    return text;
}

std::string compressionName(std::uint16_t c) {
    switch (c) {
        case COMPRESSION_NONE: return "none";
        case COMPRESSION_LZW: return "LZW";
        case COMPRESSION_JPEG: return "JPEG";
        case COMPRESSION_ADOBE_DEFLATE:
        case COMPRESSION_DEFLATE: return "Deflate";
        case COMPRESSION_PACKBITS: return "PackBits";
        case 50000: return "zstd";
        case 33003: return "JPEG 2000 (Aperio YCbCr)";
        case 33005: return "JPEG 2000 (Aperio RGB)";
        case 33004:
        case 34712: return "JPEG 2000";
        default: return "compression " + std::to_string(c);
    }
}

}  // namespace

bool OmeTiffSlide::canOpen(const std::string& path) {
    if (!hasTiffMagic(path)) return false;
    // Broken OME-TIFFs are claimed too, so that the error says what is wrong
    // instead of another backend showing part of the file.
    try {
        TiffHandlePool pool(path, 1);
        return looksLikeOmeXml(firstDescription(pool)) || descriptionPastEnd(path);
    } catch (const SlideError&) {
        return mentionsOmeNearStart(path);
    }
}

OmeTiffSlide::OmeTiffSlide(const std::string& path) : Slide(path) {
    auto& main = poolFor("");
    const std::string xml = firstDescription(main);
    if (descriptionPastEnd(path)) {
        throw SlideError(path + ": the OME-XML (ImageDescription of IFD 0) lies past the end of the file: the file is truncated");
    }
    if (!looksLikeOmeXml(xml)) throw SlideError(path + ": the first ImageDescription is not OME-XML");
    ome_ = parseOmeXml(xml, path);
    if (ome_.type != "uint8" && ome_.type != "uint16") {
        throw SlideError(path + ": OME-XML Pixels Type '" + ome_.type + "' is not supported (uint8 and uint16 are)");
    }
    for (std::size_t c = 0; c < ome_.channels.size(); ++c) {
        const auto where = ome_.planeLocation(static_cast<int>(c), 0, 0);
        if (!where) throw SlideError(path + ": OME-XML TiffData places no IFD for channel " + std::to_string(c));
        planes_.push_back(readPlane(poolFor(where->fileName), where->ifd, "channel " + std::to_string(c)));
    }
    checkPlanes();
    readMetadata();
    if (!rgb_) display_ = std::make_shared<ChannelDisplayState>(channelInfo());
}

OmeTiffSlide::~OmeTiffSlide() = default;

TiffHandlePool& OmeTiffSlide::poolFor(const std::string& fileName) {
    // A plane in "this" file may be named by its own file name.
    const std::string own = fs::path(path()).filename().string();
    const std::string key = fileName == own ? "" : fileName;
    for (auto& [name, pool] : pools_)
        if (name == key) return *pool;
    std::string file = path();
    if (!key.empty()) {
        file = (fs::path(path()).parent_path() / key).string();
        if (key.find('/') != std::string::npos || key.find('\\') != std::string::npos || !fs::exists(file))
            throw SlideError(path() + ": OME-XML names a plane file '" + key + "' that is not beside it");
    }
    pools_.emplace_back(key, std::make_unique<TiffHandlePool>(file, handlesPerFile()));
    return *pools_.back().second;
}

OmeTiffSlide::Plane OmeTiffSlide::readPlane(TiffHandlePool& pool, int ifd, const std::string& channelName) const {
    Plane plane;
    plane.pool = &pool;
    const std::uint64_t size = fileSizeOf(pool.path());
    auto lease = pool.acquire();
    TIFF* tif = lease.tiff();
    if (!lease.setMainDirectory(ifd)) {
        const std::string why = lease.takeErrors();
        throw SlideError(pool.path() + ": OME-XML puts " + channelName + " in IFD " + std::to_string(ifd) +
                         ", which the file does not have" + (why.empty() ? "" : " (" + why + ")"));
    }
    const std::string base = "IFD " + std::to_string(ifd);
    plane.levels.push_back(describeTiffDirectory(tif, pool.path(), base, size));
    std::uint16_t count = 0;
    std::uint64_t* offsets = nullptr;
    std::vector<std::uint64_t> subIfds;
    if (TIFFGetField(tif, TIFFTAG_SUBIFD, &count, &offsets) && offsets) subIfds.assign(offsets, offsets + count);
    for (std::size_t k = 0; k < subIfds.size(); ++k) {
        const std::string where = base + " SubIFD " + std::to_string(k);
        if (subIfds[k] < 8 || subIfds[k] >= size)
            throw SlideError(pool.path() + ": " + where + " starts at byte " + std::to_string(subIfds[k]) + ", past the end of the file");
        lease.setDirectory(subIfds[k]);
        plane.levels.push_back(describeTiffDirectory(tif, pool.path(), where, size));
    }
    // No SubIFDs: reduced-resolution IFDs that follow the plane are its pyramid.
    for (int next = ifd + 1; subIfds.empty() && lease.setMainDirectory(next); ++next) {
        std::uint32_t subfile = 0;
        if (!TIFFGetField(tif, TIFFTAG_SUBFILETYPE, &subfile) || !(subfile & FILETYPE_REDUCEDIMAGE)) break;
        plane.levels.push_back(describeTiffDirectory(tif, pool.path(), "IFD " + std::to_string(next), size));
    }
    std::stable_sort(plane.levels.begin(), plane.levels.end(), [](const TiffLevel& a, const TiffLevel& b) { return a.width > b.width; });
    for (std::size_t k = 1; k < plane.levels.size(); ++k) {
        if (plane.levels[k].width >= plane.levels[k - 1].width || plane.levels[k].height > plane.levels[k - 1].height)
            throw SlideError(pool.path() + ": " + plane.levels[k].where + " is not smaller than the level above it");
    }
    return plane;
}

void OmeTiffSlide::checkPlanes() {
    const TiffLevel& top = planes_.front().levels.front();
    if (top.width != ome_.sizeX || top.height != ome_.sizeY) {
        throw SlideError(path() + ": OME-XML says the image is " + std::to_string(ome_.sizeX) + " x " + std::to_string(ome_.sizeY) +
                         " pixels but its " + top.where + " is " + std::to_string(top.width) + " x " + std::to_string(top.height));
    }
    const int bits = ome_.type == "uint8" ? 8 : 16;
    rgb_ = planes_.size() == 1 && top.samplesPerPixel >= 3 && bits == 8 &&
           (top.photometric == PHOTOMETRIC_RGB || top.photometric == PHOTOMETRIC_YCBCR);
    for (std::size_t c = 0; c < planes_.size(); ++c) {
        const auto& p = planes_[c];
        const auto& first = planes_.front();
        for (const auto& lv : p.levels) {
            if (lv.bitsPerSample != bits)
                throw SlideError(p.pool->path() + ": " + lv.where + " has " + std::to_string(lv.bitsPerSample) +
                                 "-bit samples but OME-XML says " + ome_.type);
            if (!rgb_ && lv.samplesPerPixel != 1)
                throw SlideError(p.pool->path() + ": " + lv.where + " has " + std::to_string(lv.samplesPerPixel) +
                                 " samples per pixel; a channel plane must have 1 (or be 8-bit RGB)");
        }
        if (p.levels.size() != first.levels.size())
            throw SlideError(path() + ": channel " + std::to_string(c) + " has " + std::to_string(p.levels.size()) +
                             " pyramid levels, channel 0 has " + std::to_string(first.levels.size()));
        for (std::size_t k = 0; k < p.levels.size(); ++k) {
            if (p.levels[k].width != first.levels[k].width || p.levels[k].height != first.levels[k].height)
                throw SlideError(path() + ": channel " + std::to_string(c) + "'s " + p.levels[k].where +
                                 " differs in size from channel 0's level " + std::to_string(k));
        }
    }
    for (const auto& lv : planes_.front().levels) {
        SlideLevel s;
        s.width = lv.width;
        s.height = lv.height;
        s.downsample = 0.5 * (static_cast<double>(top.width) / lv.width + static_cast<double>(top.height) / lv.height);
        levels_.push_back(s);
    }
}

void OmeTiffSlide::readMetadata() {
    if (ome_.physicalSizeXUm && ome_.physicalSizeYUm) {
        fileMpp_ = MicronsPerPixel{*ome_.physicalSizeXUm, *ome_.physicalSizeYUm};
        fileMppSource_ = "OME-XML PhysicalSizeX/Y";
    }
    const TiffLevel& top = planes_.front().levels.front();
    properties_["ome.SizeX"] = std::to_string(ome_.sizeX);
    properties_["ome.SizeY"] = std::to_string(ome_.sizeY);
    properties_["ome.SizeC"] = std::to_string(ome_.sizeC);
    properties_["ome.SizeZ"] = std::to_string(ome_.sizeZ);
    properties_["ome.SizeT"] = std::to_string(ome_.sizeT);
    properties_["ome.Type"] = ome_.type;
    properties_["ome.DimensionOrder"] = ome_.dimensionOrder;
    properties_["ome.images"] = std::to_string(ome_.imageCount);
    if (!ome_.imageName.empty()) properties_["ome.Image.Name"] = ome_.imageName;
    if (ome_.physicalSizeXUm) properties_["ome.PhysicalSizeX (um)"] = std::to_string(*ome_.physicalSizeXUm);
    if (ome_.physicalSizeYUm) properties_["ome.PhysicalSizeY (um)"] = std::to_string(*ome_.physicalSizeYUm);
    if (!ome_.physicalSizeNote.empty()) properties_["ome.PhysicalSize note"] = ome_.physicalSizeNote;
    for (std::size_t c = 0; c < ome_.channels.size(); ++c)
        properties_["ome.Channel " + std::to_string(c) + " name"] = ome_.channels[c].name;
    properties_["tiff.compression"] = compressionName(top.compression);
    properties_["tiff.layout"] = top.tiled ? "tiled " + std::to_string(top.tileWidth) + " x " + std::to_string(top.tileHeight)
                                           : "strips of " + std::to_string(top.tileHeight) + " rows";
    properties_["tiff.pyramid"] = planes_.front().levels.size() > 1 && planes_.front().levels[1].where.find("SubIFD") != std::string::npos
                                      ? "SubIFDs" : planes_.front().levels.size() > 1 ? "reduced-resolution IFDs" : "none";
}

std::vector<ChannelInfo> OmeTiffSlide::channelInfo() const {
    std::vector<ChannelInfo> out;
    const int coarsest = levelCount() - 1;
    for (std::size_t c = 0; c < planes_.size(); ++c) {
        ChannelInfo info;
        const auto& oc = ome_.channels[c];
        info.name = oc.name.empty() ? "Channel " + std::to_string(c) : oc.name;
        info.bitsPerSample = planes_[c].levels.front().bitsPerSample;
        info.defaultColour = oc.colour.value_or(defaultChannelColour(oc.name, c, planes_.size()));
        // Histogram of up to 64 tiles spread over the coarsest level.
        const TiffLevel& lv = planes_[c].levels[static_cast<std::size_t>(coarsest)];
        std::vector<std::uint64_t> histogram(std::size_t{info.maxValue()} + 1, 0);
        const std::uint32_t tiles = lv.tilesAcross() * lv.tilesDown();
        const std::uint32_t step = std::max<std::uint32_t>(1, tiles / 64);
        for (std::uint32_t t = 0; t < tiles; t += step) {
            const auto data = tile(c, coarsest, t);
            const std::int64_t tx = static_cast<std::int64_t>(t % lv.tilesAcross()) * lv.tileWidth;
            const std::int64_t ty = static_cast<std::int64_t>(t / lv.tilesAcross()) * lv.tileHeight;
            const auto w = std::min<std::int64_t>(lv.tileWidth, lv.width - tx), h = std::min<std::int64_t>(lv.tileHeight, lv.height - ty);
            addToHistogram(histogram, SampleBlock{data->data(), info.bitsPerSample, lv.tileWidth, 0, 0, w, h});
        }
        info.autoLow = histogramQuantile(histogram, 0.001);
        info.autoHigh = histogramQuantile(histogram, 0.999);
        out.push_back(info);
    }
    return out;
}

const TiffLevel& OmeTiffSlide::tiffLevel(std::size_t channel, int level) const {
    this->level(level);
    if (channel >= planes_.size()) throw SlideError(path() + ": channel " + std::to_string(channel) + " does not exist");
    return planes_[channel].levels[static_cast<std::size_t>(level)];
}

DecodedTileCache::Tile OmeTiffSlide::tile(std::size_t plane, int level, std::uint32_t index) const {
    const auto key = DecodedTileCache::key(plane, level, index);
    if (auto hit = tiles_.find(key)) return hit;
    const Plane& p = planes_[plane];
    const TiffLevel& lv = p.levels[static_cast<std::size_t>(level)];
    auto data = std::make_shared<std::vector<std::uint8_t>>();
    auto lease = p.pool->acquire();
    try {
        lease.setDirectory(lv.directoryOffset);
        readTiffTile(lease.tiff(), lv, index, p.pool->path(), *data);
    } catch (const SlideError& e) {
        const std::string why = lease.takeErrors();
        throw SlideError(std::string(e.what()) + (why.empty() ? "" : " (" + why + ")"));
    }
    if (data->size() < lv.tileBytes()) throw SlideError(p.pool->path() + ": " + lv.where + " tile " + std::to_string(index) + " decoded short");
    DecodedTileCache::Tile shared = std::move(data);
    tiles_.insert(key, shared);
    return shared;
}

template <typename F>
void OmeTiffSlide::forEachTile(std::size_t plane, int level, const LevelWindow& win, F&& f) const {
    const TiffLevel& lv = planes_[plane].levels[static_cast<std::size_t>(level)];
    const auto c0 = static_cast<std::uint32_t>(win.x0 / lv.tileWidth), c1 = static_cast<std::uint32_t>((win.x1 - 1) / lv.tileWidth);
    const auto r0 = static_cast<std::uint32_t>(win.y0 / lv.tileHeight), r1 = static_cast<std::uint32_t>((win.y1 - 1) / lv.tileHeight);
    for (std::uint32_t r = r0; r <= r1; ++r)
        for (std::uint32_t c = c0; c <= c1; ++c)
            f(*tile(plane, level, r * lv.tilesAcross() + c), static_cast<std::int64_t>(c) * lv.tileWidth,
              static_cast<std::int64_t>(r) * lv.tileHeight, lv);
}

void OmeTiffSlide::copyRgb(int level, const LevelWindow& win, RgbaImage& out) const {
    forEachTile(0, level, win, [&](const std::vector<std::uint8_t>& data, std::int64_t tx, std::int64_t ty, const TiffLevel& lv) {
        const std::int64_t xa = std::max(win.x0, tx), xb = std::min(win.x1, tx + lv.tileWidth);
        const std::int64_t ya = std::max(win.y0, ty), yb = std::min(win.y1, ty + lv.tileHeight);
        const std::size_t spp = lv.samplesPerPixel;
        for (std::int64_t y = ya; y < yb; ++y) {
            const std::uint8_t* src = data.data() + (static_cast<std::size_t>(y - ty) * lv.tileWidth + static_cast<std::size_t>(xa - tx)) * spp;
            std::uint8_t* dst = out.pixel(static_cast<int>(xa - win.ox), static_cast<int>(y - win.oy));
            for (std::int64_t x = xa; x < xb; ++x, src += spp, dst += 4) {
                dst[0] = src[0];
                dst[1] = src[1];
                dst[2] = src[2];
                dst[3] = 255;
            }
        }
    });
}

void OmeTiffSlide::composite(int level, const LevelWindow& win, RgbaImage& out) const {
    const auto lookup = display_->lookup();
    ChannelComposite sum(win);
    for (std::size_t c = 0; c < planes_.size(); ++c) {
        const ChannelDisplay& d = lookup->display[c];
        if (!d.visible) continue;
        forEachTile(c, level, win, [&](const std::vector<std::uint8_t>& data, std::int64_t tx, std::int64_t ty, const TiffLevel& lv) {
            sum.add(SampleBlock{data.data(), lv.bitsPerSample, lv.tileWidth, tx, ty, lv.tileWidth, lv.tileHeight}, lookup->intensity[c], d.colour);
        });
    }
    sum.writeTo(out);
}

void OmeTiffSlide::readRegionInto(int level, std::int64_t x, std::int64_t y, RgbaImage& out) const {
    const LevelWindow win = levelWindow(levels_[static_cast<std::size_t>(level)], x, y, out.width, out.height);
    if (win.empty()) return;
    if (rgb_) copyRgb(level, win, out);
    else composite(level, win, out);
}

}  // namespace hescape
