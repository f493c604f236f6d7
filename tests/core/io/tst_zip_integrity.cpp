// verifyZipCrcs against archives Python's zipfile writes (stored, deflated,
// ZIP64 records), the same archives damaged (a flipped byte in one entry's
// data names that entry; zipfile's own testzip() agrees), truncated, and
// bytes that are no archive at all.
#include "core/io/ZipIntegrity.h"
#include "tests/core/TestSupport.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest/QtTest>

using namespace hescape;
using hescape::test::runPython;

namespace {

// Writes `path` with entries a (stored), b (deflated), c (stored), all with ZIP64 extra
// fields and a ZIP64 end record, and prints a byte offset inside a's data.
const char* kWriter = R"(
import sys, zipfile, os
path = sys.argv[1]
zipfile.ZIP64_LIMIT = 100  # every entry and the end record in ZIP64 form, as in a checkpoint above 4 GiB
zipfile.ZIP_FILECOUNT_LIMIT = 2
with zipfile.ZipFile(path, 'w') as z:
    z.writestr(zipfile.ZipInfo('archive/a'), bytes(range(256)) * 400, compress_type=zipfile.ZIP_STORED)
    z.writestr(zipfile.ZipInfo('archive/b'), b'hescape ' * 20000, compress_type=zipfile.ZIP_DEFLATED)
    with z.open(zipfile.ZipInfo('archive/c'), 'w', force_zip64=True) as f:
        f.write(os.urandom(70000))
with zipfile.ZipFile(path) as z:
    info = z.getinfo('archive/a')
    print(info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 1000)
)";

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writeAll(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QCOMPARE(f.write(bytes), bytes.size());
}

QString failure(const QString& path) {
    try {
        verifyZipCrcs(path.toStdString());
    } catch (const ZipIntegrityError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

}  // namespace

class TestZipIntegrity : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString good_;
    qint64 aData_ = 0;

private Q_SLOTS:
    void initTestCase() {
        good_ = dir_.filePath("good.zip");
        const auto r = runPython(kWriter, {good_});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        aData_ = r.out.trimmed().toLongLong();
        QVERIFY(aData_ > 0);
    }

    void intactArchivePasses() {
        const ZipCheck c = verifyZipCrcs(good_.toStdString());
        QCOMPARE(c.entries, std::uint64_t{3});
        QCOMPARE(c.bytes, std::uint64_t{256 * 400 + 8 * 20000 + 70000});
    }

    void flippedByteNamesTheEntry() {
        QByteArray bytes = readAll(good_);
        bytes[aData_] = static_cast<char>(bytes[aData_] ^ 0x40);
        const QString bad = dir_.filePath("flipped.zip");
        writeAll(bad, bytes);
        const QString why = failure(bad);
        QVERIFY2(why.contains("flipped.zip") && why.contains("entry archive/a is damaged"), qPrintable(why));
        // Python's zipfile finds the same entry.
        const auto r = runPython("import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).testzip())", {bad});
        QCOMPARE(r.out.trimmed(), QByteArray("archive/a"));
    }

    void zeroedMiddleIsCaught() {
        // As a checkpoint damaged on disk: 20 KB of zeros in the middle.
        QByteArray bytes = readAll(good_);
        const qint64 mid = bytes.size() / 2;
        for (qint64 i = mid - 10000; i < mid + 10000; ++i) bytes[i] = 0;
        const QString bad = dir_.filePath("zeroed.zip");
        writeAll(bad, bytes);
        QVERIFY2(failure(bad).contains("is damaged"), qPrintable(failure(bad)));
    }

    void zip64RecordsAreRead() {
        // The writer made ZIP64 records: the central directory's extras and the ZIP64 end record.
        const QByteArray bytes = readAll(good_);
        QVERIFY(bytes.contains(QByteArray("PK\x06\x06", 4)));  // ZIP64 end-of-central-directory record
        QVERIFY(bytes.contains(QByteArray("PK\x06\x07", 4)));  // and its locator
    }

    void overrunningExtraFieldIsRefused() {
        // The first central-directory entry's ZIP64 extra field claims 0x7fff bytes: read no further than the directory.
        const QString bad = dir_.filePath("overrun.zip");
        const auto r = runPython(R"(
import struct, sys
data = bytearray(open(sys.argv[1], 'rb').read())
at = data.index(b'PK\x01\x02')
name_len, extra_len = struct.unpack('<HH', data[at + 28:at + 32])
struct.pack_into('<H', data, at + 46 + name_len + 2, 0x7fff)
open(sys.argv[2], 'wb').write(data)
)", {good_, bad});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(failure(bad).contains("overruns"), qPrintable(failure(bad)));
    }

    void truncatedAndForeignFilesAreRefused() {
        const QByteArray bytes = readAll(good_);
        const QString cut = dir_.filePath("cut.zip");
        writeAll(cut, bytes.left(bytes.size() / 2));
        QVERIFY2(failure(cut).contains("no end-of-central-directory record"), qPrintable(failure(cut)));
        const QString cutTail = dir_.filePath("cut-tail.zip");  // the directory survives, the data does not
        QByteArray tail = bytes;
        tail.remove(1000, 5000);
        writeAll(cutTail, tail);
        QVERIFY(!failure(cutTail).isEmpty());
        const QString noise = dir_.filePath("noise.ckpt");
        QByteArray random(5000, '\0');
        for (int i = 0; i < random.size(); ++i) random[i] = static_cast<char>((i * 7919) % 251);
        writeAll(noise, random);
        QVERIFY2(failure(noise).contains("noise.ckpt: not a ZIP archive"), qPrintable(failure(noise)));
        writeAll(dir_.filePath("tiny"), "PK");
        QVERIFY(failure(dir_.filePath("tiny")).contains("too short"));
        QVERIFY(failure(dir_.filePath("missing")).contains("cannot be read"));
    }
};

QTEST_MAIN(TestZipIntegrity)
#include "tst_zip_integrity.moc"
