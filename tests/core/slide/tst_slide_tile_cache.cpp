// SlideTileCache: tile geometry, pixels identical to direct reads, the byte
// budget, LRU order, concurrent get() from many threads, dropping of stale
// queued requests, the ready callback, invalid keys, and read failures
// (recorded, reported and rethrown), refresh() after the rendering changed
// (stale tiles kept, decoded again, decodes begun before it stale), on real
// and synthetic slides.
#include "core/slide/SlideTileCache.h"
#include "tests/core/TestSupport.h"
#include "tests/core/slide/FillSlide.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

using namespace hescape;
using namespace hescape::test;

Q_DECLARE_METATYPE(hescape::TileKey)

namespace {

const QString kCmu = QStringLiteral("wsi_aperio_cmu1_small_region/CMU-1-Small-Region.svs");  // 2220 x 2967
const QString kGeneric = QStringLiteral("wsi_generic_tiff_pyramid_derived/CMU-1-Small-Region.generic-tiled-pyramid.tiff");

std::shared_ptr<const Slide> openShared(const QString& file) { return openSlide(toPath(sharedDataPath(file))); }

// A slide computed on the fly: pixel (x, y) of level L is (x, y, L, 255) mod
// 256 in level coordinates. Reads at level-0 x >= failFromX throw.
class SyntheticSlide final : public Slide {
public:
    SyntheticSlide(std::string path, std::int64_t w, std::int64_t h, std::int64_t failFromX)
        : Slide(std::move(path)), failFromX_(failFromX) {
        levels_.push_back({w, h, 1.0});
        levels_.push_back({(w + 1) / 2, (h + 1) / 2, 2.0});
    }
    std::string format() const override { return "synthetic"; }
    mutable std::atomic<int> reads{0};

protected:
    void readRegionInto(int level, std::int64_t x, std::int64_t y, RgbaImage& out) const override {
        ++reads;
        if (x >= failFromX_) throw SlideError(path() + ": synthetic read failure at x=" + std::to_string(x));
        const double ds = levels_[static_cast<std::size_t>(level)].downsample;
        const auto lx = static_cast<std::int64_t>(static_cast<double>(x) / ds);
        const auto ly = static_cast<std::int64_t>(static_cast<double>(y) / ds);
        for (int py = 0; py < out.height; ++py) {
            for (int px = 0; px < out.width; ++px) {
                std::uint8_t* p = out.pixel(px, py);
                p[0] = static_cast<std::uint8_t>(lx + px);
                p[1] = static_cast<std::uint8_t>(ly + py);
                p[2] = static_cast<std::uint8_t>(level);
                p[3] = 255;
            }
        }
    }

private:
    std::int64_t failFromX_;
};

// The colour of a tile's pixel (x, y) as 0xRRGGBB.
std::uint32_t colourAt(const RgbaImage& img, int x, int y) {
    const std::uint8_t* p = img.pixel(x, y);
    return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2];
}

RgbaImage directRead(const Slide& slide, const TileKey& k, int ts) {
    const SlideLevel& lv = slide.level(k.level);
    const std::int64_t lx = std::int64_t{k.col} * ts, ly = std::int64_t{k.row} * ts;
    const int w = static_cast<int>(std::min<std::int64_t>(ts, lv.width - lx));
    const int h = static_cast<int>(std::min<std::int64_t>(ts, lv.height - ly));
    return slide.readRegion(k.level, std::llround(static_cast<double>(lx) * lv.downsample),
                            std::llround(static_cast<double>(ly) * lv.downsample), w, h);
}

bool samePixels(const RgbaImage& a, const RgbaImage& b) {
    return a.width == b.width && a.height == b.height && a.pixels == b.pixels;
}

SlideTileCache::Options options(std::size_t budget, int threads, int tileSize) {
    SlideTileCache::Options o;
    o.budgetBytes = budget;
    o.threads = threads;
    o.tileSize = tileSize;
    return o;
}

// Collects the keys the ready callback reports.
struct ReadyLog {
    std::mutex mutex;
    std::vector<TileKey> keys;
    void add(const TileKey& k) {
        std::lock_guard lock(mutex);
        keys.push_back(k);
    }
    std::size_t size() {
        std::lock_guard lock(mutex);
        return keys.size();
    }
};

}  // namespace

class TestSlideTileCache : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        for (const QString& f : {kCmu, kGeneric}) {
            QVERIFY2(QFileInfo::exists(sharedDataPath(f)), qPrintable("missing " + sharedDataPath(f)));
        }
    }

    void geometry_data() {
        QTest::addColumn<int>("tileSize");
        QTest::addColumn<int>("level");
        QTest::addColumn<int>("columns");
        QTest::addColumn<int>("rows");
        // Levels 2220x2967, 1110x1483, 555x741.
        QTest::newRow("256, level 0") << 256 << 0 << 9 << 12;
        QTest::newRow("256, level 1") << 256 << 1 << 5 << 6;
        QTest::newRow("256, level 2") << 256 << 2 << 3 << 3;
        QTest::newRow("555, level 2") << 555 << 2 << 1 << 2;
        QTest::newRow("64, level 0") << 64 << 0 << 35 << 47;
    }
    void geometry() {
        QFETCH(int, tileSize);
        QFETCH(int, level);
        QFETCH(int, columns);
        QFETCH(int, rows);
        SlideTileCache cache(openShared(kGeneric), options(1 << 20, 1, tileSize));
        QCOMPARE(cache.tileSize(), tileSize);
        QCOMPARE(cache.columns(level), columns);
        QCOMPARE(cache.rows(level), rows);
        QVERIFY(cache.isValid({level, 0, 0}));
        QVERIFY(cache.isValid({level, columns - 1, rows - 1}));
        QVERIFY(!cache.isValid({level, columns, 0}));
        QVERIFY(!cache.isValid({level, 0, rows}));
        QVERIFY(!cache.isValid({level, -1, 0}));
        QVERIFY(!cache.isValid({level, 0, -1}));
        QVERIFY(!cache.isValid({3, 0, 0}));
        QVERIFY(!cache.isValid({-1, 0, 0}));
    }

    void getMatchesDirectRead_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("tileSize");
        QTest::addColumn<TileKey>("key");
        QTest::addColumn<QSize>("size");
        QTest::newRow("aperio first") << kCmu << 256 << TileKey{0, 0, 0} << QSize(256, 256);
        QTest::newRow("aperio middle") << kCmu << 256 << TileKey{0, 4, 6} << QSize(256, 256);
        QTest::newRow("aperio right edge") << kCmu << 256 << TileKey{0, 8, 2} << QSize(2220 - 8 * 256, 256);
        QTest::newRow("aperio corner") << kCmu << 256 << TileKey{0, 8, 11} << QSize(2220 - 2048, 2967 - 11 * 256);
        QTest::newRow("generic level 1") << kGeneric << 256 << TileKey{1, 2, 3} << QSize(256, 256);
        QTest::newRow("generic level 1 corner") << kGeneric << 256 << TileKey{1, 4, 5} << QSize(1110 - 1024, 1483 - 1280);
        QTest::newRow("generic level 2") << kGeneric << 128 << TileKey{2, 3, 4} << QSize(128, 128);
        QTest::newRow("generic level 2 corner") << kGeneric << 128 << TileKey{2, 4, 5} << QSize(555 - 512, 741 - 640);
    }
    void getMatchesDirectRead() {
        QFETCH(QString, file);
        QFETCH(int, tileSize);
        QFETCH(TileKey, key);
        QFETCH(QSize, size);
        const auto slide = openShared(file);
        SlideTileCache cache(slide, options(64 << 20, 2, tileSize));
        QVERIFY(!cache.cached(key));
        const auto tile = cache.get(key);
        QVERIFY(tile);
        QCOMPARE(QSize(tile->width, tile->height), size);
        QVERIFY(samePixels(*tile, directRead(*slide, key, tileSize)));
        // Real content, not transparency.
        QCOMPARE(static_cast<int>(tile->pixel(tile->width / 2, tile->height / 2)[3]), 255);
        // Second look-ups are answered from memory with the same object.
        QCOMPARE(cache.get(key).get(), tile.get());
        QCOMPARE(cache.cached(key).get(), tile.get());
        const auto st = cache.stats();
        QCOMPARE(st.decoded, std::uint64_t{1});
        QCOMPARE(st.hits, std::uint64_t{2});
        QCOMPARE(st.misses, std::uint64_t{1});
        QCOMPARE(st.tiles, std::size_t{1});
        QCOMPARE(st.bytes, tile->byteSize());
    }

    void budgetRespected() {
        const int ts = 64;
        const std::size_t full = ts * ts * 4;
        const std::size_t budget = 10 * full;
        SlideTileCache cache(openShared(kCmu), options(budget, 1, ts));
        std::size_t maxBytes = 0, maxTiles = 0;
        int gets = 0;
        // Includes the short tiles along the right edge (column 34).
        for (int row = 0; row < 6; ++row) {
            for (int col = 0; col < 35; ++col) {
                QVERIFY(cache.get({0, col, row}));
                ++gets;
                const auto st = cache.stats();
                maxBytes = std::max(maxBytes, st.bytes);
                maxTiles = std::max(maxTiles, st.tiles);
                QVERIFY2(st.bytes <= budget, qPrintable(QStringLiteral("%1 bytes held").arg(st.bytes)));
            }
        }
        const auto st = cache.stats();
        QCOMPARE(st.decoded, static_cast<std::uint64_t>(gets));
        QCOMPARE(maxTiles, std::size_t{10});
        QVERIFY(maxBytes > budget - full);
        // The bytes held are exactly the held tiles' sizes.
        std::size_t held = 0, count = 0;
        for (int row = 0; row < 6; ++row) {
            for (int col = 0; col < 35; ++col) {
                if (const auto t = cache.cached({0, col, row})) {
                    held += t->byteSize();
                    ++count;
                }
            }
        }
        QCOMPARE(count, st.tiles);
        QCOMPARE(held, cache.stats().bytes);
        // The most recent ones survive, the first ones are gone.
        QVERIFY(cache.cached({0, 34, 5}));
        QVERIFY(!cache.cached({0, 0, 0}));
    }

    // A tile larger than the whole budget is still handed out and held alone.
    void tileLargerThanBudget() {
        SlideTileCache cache(openShared(kCmu), options(1000, 1, 64));
        const auto a = cache.get({0, 1, 1});
        QCOMPARE(a->byteSize(), std::size_t{64 * 64 * 4});
        QCOMPARE(cache.stats().tiles, std::size_t{1});
        const auto b = cache.get({0, 2, 1});
        QVERIFY(b);
        QCOMPARE(cache.stats().tiles, std::size_t{1});
        QVERIFY(cache.cached({0, 2, 1}));
        QVERIFY(!cache.cached({0, 1, 1}));
        // The evicted tile's pixels stay valid for whoever holds them.
        QCOMPARE(a->width, 64);
        QCOMPARE(static_cast<int>(a->pixel(10, 10)[3]), 255);
    }

    void lruOrder() {
        const std::size_t tile = 64 * 64 * 4;
        SlideTileCache cache(openShared(kCmu), options(3 * tile, 1, 64));
        const TileKey a{0, 1, 1}, b{0, 2, 1}, c{0, 3, 1}, d{0, 4, 1}, e{0, 5, 1};
        cache.get(a);
        cache.get(b);
        cache.get(c);
        cache.get(a);  // a is now the most recently used; b the least
        cache.get(d);
        QVERIFY(cache.cached(a));
        QVERIFY(!cache.cached(b));
        QVERIFY(cache.cached(c));
        QVERIFY(cache.cached(d));
        // The checks above refreshed too (recent first: d, c, a); touching c
        // leaves c, d, a, so e evicts a.
        QVERIFY(cache.cached(c));
        cache.get(e);
        QVERIFY(!cache.cached(a));
        QVERIFY(cache.cached(c));
        QVERIFY(cache.cached(d));
        QVERIFY(cache.cached(e));
        QCOMPARE(cache.stats().tiles, std::size_t{3});
        QCOMPARE(cache.stats().decoded, std::uint64_t{5});
    }

    void concurrentGets_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("workers");
        QTest::newRow("aperio, 2 workers") << kCmu << 2;
        QTest::newRow("generic-tiff, 4 workers") << kGeneric << 4;
    }
    void concurrentGets() {
        QFETCH(QString, file);
        QFETCH(int, workers);
        const int ts = 128;
        const auto slide = openShared(file);
        SlideTileCache cache(slide, options(std::size_t{256} << 20, workers, ts));
        constexpr int kThreads = 8;
        std::vector<TileKey> shared;
        const int levels = std::min(2, slide->levelCount());
        for (int i = 0; i < 24; ++i) shared.push_back({i % levels, i % 5, i / 5});
        // Background requests compete with the blocking get()s.
        cache.request(shared);

        std::vector<std::vector<std::pair<TileKey, std::shared_ptr<const RgbaImage>>>> got(kThreads);
        std::atomic<int> errors{0};
        std::atomic<bool> go{false};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                while (!go.load()) std::this_thread::yield();
                try {
                    for (int i = 0; i < static_cast<int>(shared.size()); ++i) {
                        const TileKey& k = shared[static_cast<std::size_t>((i * (t + 1) + t) % shared.size())];
                        got[static_cast<std::size_t>(t)].emplace_back(k, cache.get(k));
                    }
                    for (int i = 0; i < 6; ++i) {  // keys of this thread alone
                        const TileKey k{0, 10 + t, 8 + i};
                        got[static_cast<std::size_t>(t)].emplace_back(k, cache.get(k));
                    }
                } catch (...) {
                    ++errors;
                }
            });
        }
        go = true;
        for (auto& th : threads) th.join();
        QCOMPARE(errors.load(), 0);

        std::set<std::tuple<int, int, int>> distinct;
        std::map<std::tuple<int, int, int>, const RgbaImage*> first;
        int compared = 0;
        for (const auto& list : got) {
            QCOMPARE(static_cast<int>(list.size()), static_cast<int>(shared.size()) + 6);
            for (const auto& [k, img] : list) {
                QVERIFY(img);
                const auto id = std::make_tuple(k.level, k.col, k.row);
                distinct.insert(id);
                // The budget is ample: every thread got the very same tile object.
                auto [it, inserted] = first.emplace(id, img.get());
                if (!inserted) QCOMPARE(it->second, img.get());
                else {
                    QVERIFY2(samePixels(*img, directRead(*slide, k, ts)),
                             qPrintable(QStringLiteral("tile %1/%2/%3").arg(k.level).arg(k.col).arg(k.row)));
                    ++compared;
                }
            }
        }
        QCOMPARE(compared, static_cast<int>(distinct.size()));
        QTRY_COMPARE_WITH_TIMEOUT(cache.pendingCount(), std::size_t{0}, 30000);
        const auto st = cache.stats();
        // Each tile was decoded once, however many threads asked at the same time.
        QCOMPARE(st.decoded, static_cast<std::uint64_t>(distinct.size()));
        QCOMPARE(st.failed, std::uint64_t{0});
        QCOMPARE(st.tiles, distinct.size());
    }

    void staleRequestsDropped() {
        const auto slide = openShared(kCmu);
        SlideTileCache cache(slide, options(std::size_t{64} << 20, 1, 64));
        ReadyLog log;
        cache.setReadyCallback([&](const TileKey& k) { log.add(k); });
        std::vector<TileKey> first;
        for (int row = 0; row < 47 && first.size() < 500; ++row) {
            for (int col = 0; col < 35 && first.size() < 500; ++col) first.push_back({0, col, row});
        }
        QCOMPARE(first.size(), std::size_t{500});
        cache.request(first);
        const std::vector<TileKey> second{{0, 30, 40}, {0, 31, 40}, {0, 32, 41}, {0, 33, 42}, {0, 34, 46}};
        cache.request(second);
        QTRY_COMPARE_WITH_TIMEOUT(cache.pendingCount(), std::size_t{0}, 30000);

        const auto st = cache.stats();
        QVERIFY2(st.dropped >= 450, qPrintable(QString::number(st.dropped)));
        QCOMPARE(st.decoded + st.dropped, std::uint64_t{500 + 5});
        QCOMPARE(st.failed, std::uint64_t{0});
        for (const auto& k : second) {
            const auto t = cache.cached(k);
            QVERIFY(t);
            QVERIFY(samePixels(*t, directRead(*slide, k, 64)));
        }
        QTRY_COMPARE_WITH_TIMEOUT(log.size(), static_cast<std::size_t>(st.decoded), 5000);
    }

    // Re-requesting keeps queued keys that are still wanted, in the new order.
    void requestKeepsWantedKeys() {
        auto synthetic = std::make_shared<SyntheticSlide>("/synthetic/keep.slide", 4096, 4096, 1 << 30);
        SlideTileCache cache(synthetic, options(std::size_t{64} << 20, 1, 64));
        std::vector<TileKey> keys;
        for (int i = 0; i < 40; ++i) keys.push_back({0, i, 0});
        cache.request(keys);
        cache.request(keys);  // the same set: nothing is dropped
        cache.request({keys.begin() + 20, keys.end()});
        QTRY_COMPARE_WITH_TIMEOUT(cache.pendingCount(), std::size_t{0}, 30000);
        const auto st = cache.stats();
        QCOMPARE(st.decoded + st.dropped, std::uint64_t{40});
        for (int i = 20; i < 40; ++i) QVERIFY(cache.cached(keys[static_cast<std::size_t>(i)]));
        // Already cached keys are not decoded again.
        cache.request({keys.begin() + 20, keys.end()});
        QTRY_COMPARE_WITH_TIMEOUT(cache.pendingCount(), std::size_t{0}, 30000);
        QCOMPARE(cache.stats().decoded, st.decoded);
    }

    void readyCallbackFires() {
        const auto slide = openShared(kGeneric);
        SlideTileCache cache(slide, options(std::size_t{64} << 20, 2, 256));
        ReadyLog log;
        cache.setReadyCallback([&](const TileKey& k) { log.add(k); });
        const std::vector<TileKey> wanted{{2, 0, 0}, {2, 1, 0}, {2, 2, 2}, {1, 4, 5}, {0, 8, 11}, {0, 3, 3}};
        // Invalid and duplicate keys are ignored.
        std::vector<TileKey> request = wanted;
        request.push_back({0, 99, 0});
        request.push_back({7, 0, 0});
        request.push_back(wanted.front());
        cache.request(request);
        QTRY_COMPARE_WITH_TIMEOUT(log.size(), wanted.size(), 30000);
        QTRY_COMPARE_WITH_TIMEOUT(cache.pendingCount(), std::size_t{0}, 30000);
        std::vector<TileKey> seen;
        {
            std::lock_guard lock(log.mutex);
            seen = log.keys;
        }
        QCOMPARE(seen.size(), wanted.size());
        for (const auto& k : wanted) {
            QVERIFY(std::find(seen.begin(), seen.end(), k) != seen.end());
            const auto t = cache.cached(k);
            QVERIFY(t);
            QVERIFY(samePixels(*t, directRead(*slide, k, 256)));
        }
        QCOMPARE(cache.stats().decoded, std::uint64_t{wanted.size()});
    }

    void invalidKeyThrows_data() {
        QTest::addColumn<TileKey>("key");
        // CMU, 256 px tiles: 9 x 12 at level 0, one level.
        QTest::newRow("level -1") << TileKey{-1, 0, 0};
        QTest::newRow("level 1") << TileKey{1, 0, 0};
        QTest::newRow("column -1") << TileKey{0, -1, 0};
        QTest::newRow("row -1") << TileKey{0, 0, -1};
        QTest::newRow("column past the edge") << TileKey{0, 9, 0};
        QTest::newRow("row past the edge") << TileKey{0, 0, 12};
    }
    void invalidKeyThrows() {
        QFETCH(TileKey, key);
        const std::string path = toPath(sharedDataPath(kCmu));
        SlideTileCache cache(openShared(kCmu), options(1 << 20, 1, 256));
        QVERIFY(!cache.isValid(key));
        try {
            cache.get(key);
            QFAIL("expected SlideError");
        } catch (const SlideError& e) {
            QVERIFY2(contains(e.what(), path), e.what());
            QVERIFY2(contains(e.what(), "outside the slide"), e.what());
        }
        QVERIFY(!cache.cached(key));
        cache.request({key});
        QCOMPARE(cache.pendingCount(), std::size_t{0});
        QCOMPARE(cache.stats().decoded, std::uint64_t{0});
        QCOMPARE(cache.stats().failed, std::uint64_t{0});
    }

    void invalidOptionsThrow() {
        QVERIFY_THROWS_EXCEPTION(SlideError, SlideTileCache(nullptr, options(1 << 20, 1, 256)));
        try {
            SlideTileCache cache(openShared(kCmu), options(1 << 20, 1, 0));
            QFAIL("expected SlideError");
        } catch (const SlideError& e) {
            QVERIFY2(contains(e.what(), toPath(sharedDataPath(kCmu))), e.what());
        }
    }

    // Failed reads are recorded, reported once, and rethrown without reading again.
    void failuresRecordedAndRethrown() {
        auto synthetic = std::make_shared<SyntheticSlide>("/synthetic/failing.slide", 1024, 1024, 512);
        SlideTileCache cache(synthetic, options(std::size_t{16} << 20, 1, 128));
        // A good tile is fine, and holds the synthetic content.
        const auto good = cache.get({1, 1, 1});
        QCOMPARE(static_cast<int>(good->pixel(5, 7)[0]), 128 + 5);
        QCOMPARE(static_cast<int>(good->pixel(5, 7)[1]), 128 + 7);
        QCOMPARE(static_cast<int>(good->pixel(5, 7)[2]), 1);
        QVERIFY(cache.lastError().empty());

        const TileKey bad{0, 5, 0};  // x = 640
        std::string message;
        try {
            cache.get(bad);
            QFAIL("expected SlideError");
        } catch (const SlideError& e) {
            message = e.what();
        }
        QVERIFY2(contains(message, "/synthetic/failing.slide"), message.c_str());
        QVERIFY2(contains(message, "x=640"), message.c_str());
        QCOMPARE(cache.stats().failed, std::uint64_t{1});
        QCOMPARE(cache.lastError(), message);
        const int reads = synthetic->reads.load();
        try {
            cache.get(bad);
            QFAIL("expected SlideError again");
        } catch (const SlideError& e) {
            QCOMPARE(std::string(e.what()), message);
        }
        QCOMPARE(synthetic->reads.load(), reads);  // not read again
        QVERIFY(!cache.cached(bad));

        // Through the workers: the callback fires for the failure too.
        ReadyLog log;
        cache.setReadyCallback([&](const TileKey& k) { log.add(k); });
        const TileKey bad2{0, 7, 3};
        cache.request({bad, bad2, {0, 0, 0}});
        QTRY_COMPARE_WITH_TIMEOUT(log.size(), std::size_t{2}, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(cache.pendingCount(), std::size_t{0}, 30000);
        const auto st = cache.stats();
        QCOMPARE(st.failed, std::uint64_t{2});
        QVERIFY2(contains(cache.lastError(), "x=896"), cache.lastError().c_str());
        QVERIFY_THROWS_EXCEPTION(SlideError, cache.get(bad2));
        QVERIFY(cache.cached({0, 0, 0}));
        QCOMPARE(cache.stats().failed, std::uint64_t{2});
    }

    // The same with a real file whose tile data is corrupt.
    void corruptSlideFailures() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString good = dir.filePath("good.tiff");
        PyramidTiffOptions opts;
        opts.tileSize = 128;
        QCOMPARE(writePatternPyramid(toPath(good), CellPattern{1024, 1024, 128, 128}, opts), 2);
        QFile in(good);
        QVERIFY(in.open(QIODevice::ReadOnly));
        QByteArray bytes = in.readAll();
        // Level 0 tiles start right after the 8-byte header.
        for (qsizetype i = 8; i < bytes.size() / 3; ++i) bytes[i] = static_cast<char>((i * 13) & 0xff);
        const QString bad = dir.filePath("corrupt.tiff");
        QVERIFY(writeFile(bad, bytes));
        const std::string path = toPath(bad);

        SlideTileCache cache(openSlide(path), options(std::size_t{16} << 20, 1, 128));
        ReadyLog log;
        cache.setReadyCallback([&](const TileKey& k) { log.add(k); });
        cache.request({{0, 0, 0}, {0, 1, 0}});
        QTRY_COMPARE_WITH_TIMEOUT(log.size(), std::size_t{2}, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(cache.pendingCount(), std::size_t{0}, 30000);
        QVERIFY(cache.stats().failed >= 1);
        QVERIFY2(contains(cache.lastError(), path), cache.lastError().c_str());
        try {
            cache.get({0, 0, 0});
            QFAIL("expected SlideError");
        } catch (const SlideError& e) {
            QVERIFY2(contains(e.what(), path), e.what());
        }
    }

    // After refresh() the old tile is still there (no flicker), is stale,
    // and the next request decodes it again with the new content.
    void refreshKeepsStaleTilesAndRedecodes() {
        auto fill = std::make_shared<FillSlide>("/synthetic/fill.slide");
        SlideTileCache cache(fill, options(std::size_t{16} << 20, 1, 128));
        ReadyLog log;
        cache.setReadyCallback([&](const TileKey& k) { log.add(k); });
        const TileKey a{0, 1, 2}, b{0, 3, 3};
        cache.request({a, b});
        QTRY_COMPARE_WITH_TIMEOUT(log.size(), std::size_t{2}, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(cache.pendingCount(), std::size_t{0}, 30000);
        const auto oldA = cache.cached(a);
        QVERIFY(oldA);
        QCOMPARE(colourAt(*oldA, 5, 5), 0xff0000u);
        QCOMPARE(cache.stats().decoded, std::uint64_t{2});

        fill->rgb = 0x00ff40;
        cache.refresh();
        bool stale = false;
        const auto stillA = cache.cached(a, &stale);
        QCOMPARE(stillA.get(), oldA.get());
        QVERIFY(stale);
        QCOMPARE(colourAt(*stillA, 5, 5), 0xff0000u);
        QCOMPARE(cache.stats().tiles, std::size_t{2});

        cache.request({a, b});
        QTRY_COMPARE_WITH_TIMEOUT(log.size(), std::size_t{4}, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(cache.pendingCount(), std::size_t{0}, 30000);
        QCOMPARE(cache.stats().decoded, std::uint64_t{4});
        for (const TileKey& k : {a, b}) {
            const auto t = cache.cached(k, &stale);
            QVERIFY(t);
            QVERIFY(!stale);
            QCOMPARE(colourAt(*t, 0, 0), 0x00ff40u);
            QCOMPARE(colourAt(*t, 127, 127), 0x00ff40u);
        }
        // Replaced, not added: the same two tiles and bytes as before.
        QCOMPARE(cache.stats().tiles, std::size_t{2});
        QCOMPARE(cache.stats().bytes, std::size_t{2 * 128 * 128 * 4});
        // Fresh again: another request decodes nothing.
        cache.request({a, b});
        QTRY_COMPARE_WITH_TIMEOUT(cache.pendingCount(), std::size_t{0}, 30000);
        QCOMPARE(cache.stats().decoded, std::uint64_t{4});
        // The old tile's pixels stay valid for whoever still holds them.
        QCOMPARE(colourAt(*oldA, 5, 5), 0xff0000u);

        // get() never answers with a stale tile: it decodes again.
        fill->rgb = 0x0000ff;
        cache.refresh();
        QCOMPARE(colourAt(*cache.get(a), 9, 9), 0x0000ffu);
        QCOMPARE(cache.stats().decoded, std::uint64_t{5});
        QCOMPARE(colourAt(*cache.cached(b), 9, 9), 0x00ff40u);  // b not asked for yet
    }

    // A decode that began before refresh() read the old rendering: its tile
    // counts as stale, and a request made meanwhile decodes it once more.
    void decodeRunningDuringRefreshIsStale() {
        auto fill = std::make_shared<FillSlide>("/synthetic/fill-race.slide");
        SlideTileCache cache(fill, options(std::size_t{16} << 20, 1, 128));
        const TileKey a{0, 0, 0}, b{0, 1, 0};

        // Not asked for again: stays stale once done.
        fill->holdReads();
        cache.request({a});
        QTRY_COMPARE_WITH_TIMEOUT(fill->readsAtGate(), 1, 10000);
        fill->rgb = 0x123456;
        cache.refresh();
        fill->releaseReads();
        QTRY_COMPARE_WITH_TIMEOUT(cache.pendingCount(), std::size_t{0}, 30000);
        bool stale = false;
        auto t = cache.cached(a, &stale);
        QVERIFY(t);
        QVERIFY(stale);
        QCOMPARE(colourAt(*t, 1, 1), 0xff0000u);
        QCOMPARE(cache.stats().decoded, std::uint64_t{1});

        // Asked for while the stale decode runs: decoded again after it.
        fill->holdReads();
        cache.request({b});
        QTRY_COMPARE_WITH_TIMEOUT(fill->readsAtGate(), 1, 10000);
        fill->rgb = 0x654321;
        cache.refresh();
        cache.request({a, b});
        fill->releaseReads();
        QTRY_COMPARE_WITH_TIMEOUT(cache.pendingCount(), std::size_t{0}, 30000);
        QCOMPARE(cache.stats().decoded, std::uint64_t{4});  // a once more, b twice
        for (const TileKey& k : {a, b}) {
            t = cache.cached(k, &stale);
            QVERIFY(t);
            QVERIFY(!stale);
            QCOMPARE(colourAt(*t, 1, 1), 0x654321u);
        }
    }

    // Failures are forgotten by refresh(): the read is tried again.
    void refreshClearsFailures() {
        auto fill = std::make_shared<FillSlide>("/synthetic/fill-fail.slide");
        SlideTileCache cache(fill, options(std::size_t{16} << 20, 1, 128));
        const TileKey k{0, 2, 1};
        fill->failing = true;
        QVERIFY_THROWS_EXCEPTION(SlideError, cache.get(k));
        fill->failing = false;
        QVERIFY_THROWS_EXCEPTION(SlideError, cache.get(k));  // recorded: not read again
        QCOMPARE(fill->reads.load(), 1);
        cache.request({k});
        QCOMPARE(cache.pendingCount(), std::size_t{0});
        cache.refresh();
        cache.request({k});
        QTRY_COMPARE_WITH_TIMEOUT(cache.pendingCount(), std::size_t{0}, 30000);
        QCOMPARE(fill->reads.load(), 2);
        const auto t = cache.cached(k);
        QVERIFY(t);
        QCOMPARE(colourAt(*t, 3, 3), 0xff0000u);
        QCOMPARE(cache.stats().failed, std::uint64_t{1});
    }

    // Destroying a cache with a long queue returns promptly (workers stop).
    void destroyWithPendingWork() {
        auto synthetic = std::make_shared<SyntheticSlide>("/synthetic/pending.slide", 8192, 8192, 1 << 30);
        QElapsedTimer timer;
        timer.start();
        {
            SlideTileCache cache(synthetic, options(std::size_t{64} << 20, 2, 64));
            std::vector<TileKey> keys;
            for (int r = 0; r < 100; ++r) {
                for (int c = 0; c < 100; ++c) keys.push_back({0, c, r});
            }
            cache.request(keys);
        }
        QVERIFY(timer.elapsed() < 5000);
        QVERIFY(synthetic->reads.load() < 10000);
    }
};

QTEST_GUILESS_MAIN(TestSlideTileCache)
#include "tst_slide_tile_cache.moc"
