// OmeZarrSlide: opening reads the NGFF metadata and every level's array
// metadata and checks them against each other (rank, type, channel count,
// shrinking sizes) before any pixels; tiles are Zarr chunks, decoded once
// into the shared cache and composited per channel.
#include "core/slide/OmeZarrSlide.h"

#include "core/io/ZarrArray.h"
#include "core/slide/OmeXml.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

namespace hescape {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxChannels = 128;

std::string shapeText(const std::vector<std::int64_t>& shape) {
    std::string s;
    for (const auto d : shape) s += (s.empty() ? "" : " x ") + std::to_string(d);
    return s;
}

bool isRgbColours(const std::vector<NgffChannel>& channels) {
    static const Rgb8 rgb[3] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}};
    for (std::size_t c = 0; c < channels.size() && c < 3; ++c)
        if (channels[c].colour && *channels[c].colour != rgb[c]) return false;
    return true;
}

}  // namespace

bool OmeZarrSlide::canOpen(const std::string& path) {
    std::error_code ec;
    return fs::is_directory(path, ec) && isOmeZarrImage(path);
}

OmeZarrSlide::OmeZarrSlide(const std::string& path) : Slide(path), ngff_(readNgffImage(path)) {
    for (std::size_t a = 0; a < ngff_.axes.size(); ++a)
        if (ngff_.axes[a].type == "channel" || (ngff_.axes[a].type.empty() && ngff_.axes[a].name == "c")) channelAxis_ = static_cast<int>(a);
    openLevels();
    readMetadata();
    rgb_ = channels_ == 3 && bits_ == 8 && isRgbColours(ngff_.channels);
    if (!rgb_) {
        display_ = std::make_shared<ChannelDisplayState>(channelInfo());
        applyOmeroSettings();
    }
}

OmeZarrSlide::~OmeZarrSlide() = default;

void OmeZarrSlide::openLevels() {
    std::vector<std::int64_t> first;
    for (std::size_t k = 0; k < ngff_.levels.size(); ++k) {
        const std::string dir = (fs::path(ngff_.group) / ngff_.levels[k].path).string();
        std::unique_ptr<ZarrArray> array;
        try {
            array = std::make_unique<ZarrArray>(dir);
        } catch (const ZarrError& e) {
            throw SlideError(e.what());
        }
        if (k == 0) first = array->info().shape;
        checkLevel(k, *array, first);
        const std::size_t n = first.size();
        Level lv;
        lv.chunkW = array->info().chunks[n - 1];
        lv.chunkH = array->info().chunks[n - 2];
        lv.across = array->chunkGrid()[n - 1];
        SlideLevel s;
        s.width = array->info().shape[n - 1];
        s.height = array->info().shape[n - 2];
        s.downsample = 0.5 * (static_cast<double>(first[n - 1]) / s.width + static_cast<double>(first[n - 2]) / s.height);
        levels_.push_back(s);
        lv.array = std::move(array);
        zarrLevels_.push_back(std::move(lv));
    }
    channels_ = channelAxis_ < 0 ? 1 : static_cast<int>(first[static_cast<std::size_t>(channelAxis_)]);
}

void OmeZarrSlide::checkLevel(std::size_t k, const ZarrArray& array, const std::vector<std::int64_t>& first) const {
    const auto& info = array.info();
    const std::string& where = array.path();
    if (info.shape.size() != ngff_.axes.size())
        throw SlideError(where + ": the array has " + std::to_string(info.shape.size()) + " dimensions, the multiscales axes " +
                         std::to_string(ngff_.axes.size()));
    if (info.dataType != "uint8" && info.dataType != "uint16")
        throw SlideError(where + ": data type '" + info.dataType + "' is not shown (uint8 and uint16 are)");
    const std::size_t n = info.shape.size();
    if (k == 0) {
        if (info.shape[n - 1] < 1 || info.shape[n - 2] < 1) throw SlideError(where + ": the image is empty (" + shapeText(info.shape) + ")");
        if (channelAxis_ >= 0 && (first[static_cast<std::size_t>(channelAxis_)] < 1 || first[static_cast<std::size_t>(channelAxis_)] > kMaxChannels))
            throw SlideError(where + ": " + std::to_string(first[static_cast<std::size_t>(channelAxis_)]) +
                             " channels; between 1 and " + std::to_string(kMaxChannels) + " are shown");
        for (std::size_t d = 0; d + 2 < n; ++d)
            if (info.shape[d] < 1) throw SlideError(where + ": axis '" + ngff_.axes[d].name + "' has length 0");
        return;
    }
    const auto& firstLevel = *zarrLevels_.front().array;
    if (info.dataType != firstLevel.info().dataType)
        throw SlideError(where + ": data type '" + info.dataType + "' differs from level 0's '" + firstLevel.info().dataType + "'");
    for (std::size_t d = 0; d + 2 < n; ++d)
        if (info.shape[d] != first[d])
            throw SlideError(where + ": axis '" + ngff_.axes[d].name + "' has length " + std::to_string(info.shape[d]) + ", level 0 has " +
                             std::to_string(first[d]));
    const auto& prev = zarrLevels_.back().array->info().shape;
    if (info.shape[n - 1] < 1 || info.shape[n - 2] < 1 || info.shape[n - 1] > prev[n - 1] || info.shape[n - 2] > prev[n - 2] ||
        (info.shape[n - 1] == prev[n - 1] && info.shape[n - 2] == prev[n - 2]))
        throw SlideError(where + ": level " + std::to_string(k) + " (" + shapeText(info.shape) + ") is not smaller than the level above it (" +
                         shapeText(prev) + ")");
}

void OmeZarrSlide::readMetadata() {
    const auto& info = zarrLevels_.front().array->info();
    bits_ = info.dataType == "uint8" ? 8 : 16;
    const int xa = ngff_.axis("x"), ya = ngff_.axis("y");
    const auto& ax = ngff_.axes[static_cast<std::size_t>(xa)], &ay = ngff_.axes[static_cast<std::size_t>(ya)];
    const auto fx = micronsPerOmeUnit(ax.unit), fy = micronsPerOmeUnit(ay.unit);
    const auto& scale = ngff_.levels.front().scale;
    if (fx && fy) {
        fileMpp_ = MicronsPerPixel{scale[static_cast<std::size_t>(xa)] * *fx, scale[static_cast<std::size_t>(ya)] * *fy};
        fileMppSource_ = "OME-NGFF level-0 scale (" + ax.unit + ")";
    } else {
        properties_["ome-zarr.pixel size note"] = ax.unit.empty() ? "the x/y axes have no unit, so the scale is not a physical size"
                                                                  : "axis unit '" + ax.unit + "' is not a length this reader knows";
    }
    properties_["ome-zarr.version"] = ngff_.version.empty() ? "unstated" : ngff_.version;
    properties_["ome-zarr.zarr_format"] = std::to_string(info.zarrFormat);
    properties_["ome-zarr.data_type"] = info.dataType;
    properties_["ome-zarr.compressor"] = zarrCompressorName(info.codecs.compressor);
    properties_["ome-zarr.chunks"] = shapeText(info.chunks) + (info.shardShape.empty() ? "" : " in shards of " + shapeText(info.shardShape));
    properties_["ome-zarr.shape"] = shapeText(info.shape);
    std::string axes;
    for (const auto& a : ngff_.axes) axes += (axes.empty() ? "" : ",") + a.name;
    properties_["ome-zarr.axes"] = axes;
    if (!ngff_.name.empty()) properties_["ome-zarr.name"] = ngff_.name;
    const auto& t = ngff_.levels.front().translation;
    properties_["ome-zarr.translation (y, x)"] =
        std::to_string(t[static_cast<std::size_t>(ya)]) + ", " + std::to_string(t[static_cast<std::size_t>(xa)]);
    for (std::size_t d = 0; d + 2 < ngff_.axes.size(); ++d)
        if (static_cast<int>(d) != channelAxis_ && info.shape[d] > 1)
            properties_["ome-zarr.shown " + ngff_.axes[d].name] = "0 of " + std::to_string(info.shape[d]);
}

std::vector<ChannelInfo> OmeZarrSlide::channelInfo() const {
    const bool named = static_cast<int>(ngff_.channels.size()) == channels_;
    const int coarsest = levelCount() - 1;
    const Level& lv = zarrLevels_.back();
    const SlideLevel& sl = levels_.back();
    const std::int64_t down = (sl.height + lv.chunkH - 1) / lv.chunkH, chunks = lv.across * down;
    const std::int64_t step = std::max<std::int64_t>(1, chunks / 64);
    std::vector<ChannelInfo> out;
    for (int c = 0; c < channels_; ++c) {
        ChannelInfo info;
        const std::string label = named ? ngff_.channels[static_cast<std::size_t>(c)].label : "";
        info.name = label.empty() ? "Channel " + std::to_string(c) : label;
        info.bitsPerSample = bits_;
        const auto colour = named ? ngff_.channels[static_cast<std::size_t>(c)].colour : std::nullopt;
        info.defaultColour = colour.value_or(defaultChannelColour(label, static_cast<std::size_t>(c), static_cast<std::size_t>(channels_)));
        std::vector<std::uint64_t> histogram(std::size_t{info.maxValue()} + 1, 0);
        for (std::int64_t t = 0; t < chunks; t += step) {
            DecodedTileCache::Tile hold;
            SampleBlock b = block(coarsest, c, t % lv.across, t / lv.across, hold);
            b.w = std::min(b.w, sl.width - b.x);
            b.h = std::min(b.h, sl.height - b.y);
            b.x = b.y = 0;
            addToHistogram(histogram, b);
        }
        info.autoLow = histogramQuantile(histogram, 0.001);
        info.autoHigh = histogramQuantile(histogram, 0.999);
        out.push_back(info);
    }
    return out;
}

// The omero block's windows and on/off states are where the file's author
// left the display; a window the samples cannot take keeps the automatic one.
void OmeZarrSlide::applyOmeroSettings() {
    if (static_cast<int>(ngff_.channels.size()) != channels_) return;
    for (int c = 0; c < channels_; ++c) {
        const auto& oc = ngff_.channels[static_cast<std::size_t>(c)];
        ChannelDisplay d = display_->settings()[static_cast<std::size_t>(c)];
        d.visible = oc.active;
        if (oc.windowStart && oc.windowEnd) {
            d.low = *oc.windowStart;
            d.high = *oc.windowEnd;
        }
        try {
            display_->setChannel(static_cast<std::size_t>(c), d);
        } catch (const std::invalid_argument&) {
            d.low = display_->channels()[static_cast<std::size_t>(c)].autoLow;
            d.high = display_->channels()[static_cast<std::size_t>(c)].autoHigh;
            properties_["ome-zarr.channel " + std::to_string(c) + " window note"] = "the omero window does not fit the samples; the automatic one is used";
            display_->setChannel(static_cast<std::size_t>(c), d);
        }
    }
}

SampleBlock OmeZarrSlide::block(int level, int channel, std::int64_t cx, std::int64_t cy, DecodedTileCache::Tile& hold) const {
    const Level& lv = zarrLevels_[static_cast<std::size_t>(level)];
    const auto& info = lv.array->info();
    const std::size_t n = info.shape.size();
    std::int64_t chunkC = 1, chunkIndexC = 0, planeIndex = 0, strideC = 1;
    std::vector<std::int64_t> index(n, 0);
    index[n - 1] = cx;
    index[n - 2] = cy;
    if (channelAxis_ >= 0) {
        const auto a = static_cast<std::size_t>(channelAxis_);
        chunkC = info.chunks[a];
        chunkIndexC = index[a] = channel / chunkC;
        planeIndex = channel % chunkC;
        for (std::size_t d = a + 1; d < n; ++d) strideC *= info.chunks[d];
    }
    const auto key = DecodedTileCache::key(static_cast<std::size_t>(chunkIndexC), level, static_cast<std::uint32_t>(cy * lv.across + cx));
    hold = tiles_.find(key);
    if (!hold) {
        try {
            hold = std::make_shared<const std::vector<std::uint8_t>>(lv.array->readChunk(index));
        } catch (const ZarrError& e) {
            throw SlideError(e.what());
        }
        tiles_.insert(key, hold);
    }
    const std::size_t offset = static_cast<std::size_t>(planeIndex * strideC) * static_cast<std::size_t>(info.bytesPerSample);
    return SampleBlock{hold->data() + offset, bits_, static_cast<std::size_t>(lv.chunkW), cx * lv.chunkW, cy * lv.chunkH, lv.chunkW, lv.chunkH};
}

template <typename F>
void OmeZarrSlide::forEachChunk(int level, const LevelWindow& win, F&& f) const {
    const Level& lv = zarrLevels_[static_cast<std::size_t>(level)];
    for (std::int64_t cy = win.y0 / lv.chunkH; cy <= (win.y1 - 1) / lv.chunkH; ++cy)
        for (std::int64_t cx = win.x0 / lv.chunkW; cx <= (win.x1 - 1) / lv.chunkW; ++cx) f(cx, cy);
}

void OmeZarrSlide::copyRgb(int level, const LevelWindow& win, RgbaImage& out) const {
    forEachChunk(level, win, [&](std::int64_t cx, std::int64_t cy) {
        DecodedTileCache::Tile hold[3];
        const SampleBlock b[3] = {block(level, 0, cx, cy, hold[0]), block(level, 1, cx, cy, hold[1]), block(level, 2, cx, cy, hold[2])};
        const std::int64_t xa = std::max(win.x0, b[0].x), xb = std::min(win.x1, b[0].x + b[0].w);
        const std::int64_t ya = std::max(win.y0, b[0].y), yb = std::min(win.y1, b[0].y + b[0].h);
        for (std::int64_t y = ya; y < yb; ++y) {
            const std::size_t row = static_cast<std::size_t>(y - b[0].y) * b[0].stride + static_cast<std::size_t>(xa - b[0].x);
            std::uint8_t* dst = out.pixel(static_cast<int>(xa - win.ox), static_cast<int>(y - win.oy));
            for (std::size_t i = row; i < row + static_cast<std::size_t>(xb - xa); ++i, dst += 4) {
                dst[0] = b[0].data[i];
                dst[1] = b[1].data[i];
                dst[2] = b[2].data[i];
                dst[3] = 255;
            }
        }
    });
}

void OmeZarrSlide::composite(int level, const LevelWindow& win, RgbaImage& out) const {
    const auto lookup = display_->lookup();
    ChannelComposite sum(win);
    for (int c = 0; c < channels_; ++c) {
        const ChannelDisplay& d = lookup->display[static_cast<std::size_t>(c)];
        if (!d.visible) continue;
        forEachChunk(level, win, [&](std::int64_t cx, std::int64_t cy) {
            DecodedTileCache::Tile hold;
            sum.add(block(level, c, cx, cy, hold), lookup->intensity[static_cast<std::size_t>(c)], d.colour);
        });
    }
    sum.writeTo(out);
}

void OmeZarrSlide::readRegionInto(int level, std::int64_t x, std::int64_t y, RgbaImage& out) const {
    const LevelWindow win = levelWindow(levels_[static_cast<std::size_t>(level)], x, y, out.width, out.height);
    if (win.empty()) return;
    if (rgb_) copyRgb(level, win, out);
    else composite(level, win, out);
}

}  // namespace hescape
