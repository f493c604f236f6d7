// The HDF5 patch store on the real demo section C3: the first run writes the
// store, the second reads identical patches from it without touching the
// slide; other options make another store; a truncated or foreign store is
// not trusted (re-extracted, rewritten, said so); a store that cannot be
// written costs only the reuse; the file is readable by h5py.
#include "core/engine/PatchStore.h"
#include "core/spatial/AnnDataReader.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <filesystem>

using namespace hescape;

namespace {

const std::string kDemo = HESCAPE_SOURCE_DIR "/resources/demo/her2st/";

void compareSets(const PatchSet& a, const PatchSet& b) {
    QCOMPARE(a.size, b.size);
    QCOMPARE(a.observation, b.observation);
    QVERIFY(a.rgb == b.rgb);
    QCOMPARE(a.skipped.size(), b.skipped.size());
    for (std::size_t i = 0; i < a.skipped.size(); ++i) {
        QCOMPARE(a.skipped[i].observation, b.skipped[i].observation);
        QCOMPARE(a.skipped[i].reason, b.skipped[i].reason);
    }
}

}  // namespace

class TestPatchStore : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::unique_ptr<Slide> slide_;
    std::vector<Point2> centres_;
    PatchOptions options_;

private Q_SLOTS:
    void initTestCase() {
        slide_ = openSlide(kDemo + "C3.tiff");
        centres_ = readAnnData(kDemo + "C3.h5ad").coordinates;
        options_.outputPixels = 32;
    }

    void secondRunReadsTheStore() {
        const std::string store = dir_.filePath("store").toStdString();
        const auto first = extractPatchesWithStore(*slide_, centres_, options_, store);
        QVERIFY(!first.reused);
        QVERIFY2(first.note.empty(), first.note.c_str());
        QVERIFY(std::filesystem::exists(first.storePath));
        QVERIFY(first.patches.count() > 150);
        const auto second = extractPatchesWithStore(*slide_, centres_, options_, store);
        QVERIFY(second.reused);
        QCOMPARE(second.storePath, first.storePath);
        compareSets(first.patches, second.patches);
        // The same patches as a plain extraction.
        compareSets(first.patches, extractPatches(*slide_, centres_, options_));
        // No temporary file is left beside the store.
        QCOMPARE(std::distance(std::filesystem::directory_iterator(store), std::filesystem::directory_iterator{}), 1);
    }

    void otherInputsMakeAnotherStore() {
        const std::string store = dir_.filePath("store").toStdString();
        const std::string a = patchStoreFile(store, *slide_, patchStoreKey(*slide_, centres_, options_));
        PatchOptions bigger = options_;
        bigger.sizeMicrons = 150;
        QVERIFY(a != patchStoreFile(store, *slide_, patchStoreKey(*slide_, centres_, bigger)));
        auto moved = centres_;
        moved[3].x += 1.0;
        QVERIFY(a != patchStoreFile(store, *slide_, patchStoreKey(*slide_, moved, options_)));
        const auto r = extractPatchesWithStore(*slide_, centres_, bigger, store);
        QVERIFY(!r.reused);
        QCOMPARE(r.patches.size, 32);
    }

    void damagedStoreIsRewritten() {
        const std::string store = dir_.filePath("damaged").toStdString();
        const auto good = extractPatchesWithStore(*slide_, centres_, options_, store);
        std::filesystem::resize_file(good.storePath, std::filesystem::file_size(good.storePath) / 2);
        const auto again = extractPatchesWithStore(*slide_, centres_, options_, store);
        QVERIFY(!again.reused);
        QVERIFY2(again.note.find("not used") != std::string::npos && again.note.find(good.storePath) != std::string::npos,
                 again.note.c_str());
        compareSets(good.patches, again.patches);
        QVERIFY(extractPatchesWithStore(*slide_, centres_, options_, store).reused);  // rewritten whole
        // A file of the right name with another key inside is not trusted.
        QFile::remove(QString::fromStdString(good.storePath));
        const auto other = extractPatchesWithStore(*slide_, centres_, [&] {
            PatchOptions o = options_;
            o.maxBackgroundFraction = 0.95;
            return o;
        }(), store);
        std::filesystem::rename(other.storePath, good.storePath);
        const auto foreign = extractPatchesWithStore(*slide_, centres_, options_, store);
        QVERIFY(!foreign.reused);
        QVERIFY2(foreign.note.find("made for other inputs") != std::string::npos, foreign.note.c_str());
    }

    void unwritableStoreOnlyLosesReuse() {
        QFile blocker(dir_.filePath("blocker"));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        // A folder below a plain file cannot be created.
        const auto r = extractPatchesWithStore(*slide_, centres_, options_, dir_.filePath("blocker/store").toStdString());
        QVERIFY(!r.reused);
        QVERIFY(r.patches.count() > 150);
        QVERIFY2(r.note.find("could not be written") != std::string::npos, r.note.c_str());
    }

    void readableByH5py() {
        const std::string store = dir_.filePath("store").toStdString();
        const auto r = extractPatchesWithStore(*slide_, centres_, options_, store);
        QProcess p;
        p.start(QStringLiteral(HESCAPE_TEST_PYTHON),
                {"-c", "import h5py,sys; f=h5py.File(sys.argv[1]); print(f['rgb'].shape, f['rgb'].dtype, int(f['rgb'][2].sum()), "
                       "len(f['observation']))",
                 QString::fromStdString(r.storePath)});
        QVERIFY(p.waitForFinished(60000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        long long sum = 0;
        const std::size_t bytes = 32 * 32 * 3;
        for (std::size_t i = 0; i < bytes; ++i) sum += r.patches.rgb[2 * bytes + i];
        const QString expected = QStringLiteral("(%1, 32, 32, 3) uint8 %2 %1").arg(r.patches.count()).arg(sum);
        QCOMPARE(QString::fromUtf8(p.readAllStandardOutput()).trimmed(), expected);
    }
};

QTEST_GUILESS_MAIN(TestPatchStore)
#include "tst_patch_store.moc"
