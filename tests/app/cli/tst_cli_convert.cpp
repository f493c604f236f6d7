// `hescape convert` run as a separate process on a generated PNG: levels,
// tile size, crop, MPP and quality; bad options exit 2 and write nothing;
// unreadable input and a crop outside the image exit 1 naming the file and
// leave no partial file. (Split from tst_cli so that each fits the
// sanitizer stage's time limit.)
#include "core/slide/Slide.h"
#include "tests/app/cli/CliProcess.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace hescape;
using namespace hescape::test;

class TestCliConvert : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    QString png_;  // 1200 x 900, cells of 100 px

private Q_SLOTS:
    void initTestCase() {
        QVERIFY2(QFileInfo(QStringLiteral(HESCAPE_CLI_EXECUTABLE)).isExecutable(), HESCAPE_CLI_EXECUTABLE);
        QVERIFY(dir_.isValid());
        png_ = dir_.filePath("source.png");
        QVERIFY(CellPattern({1200, 900, 100, 100}).toImage().save(png_, "PNG"));
    }

    void convert_data() {
        QTest::addColumn<QStringList>("options");
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("height");
        QTest::addColumn<int>("levels");
        QTest::addColumn<double>("mpp");  // 0: none
        QTest::addColumn<QPoint>("origin");
        QTest::newRow("defaults") << QStringList{} << 1200 << 900 << 3 << 0.0 << QPoint(0, 0);
        QTest::newRow("mpp, small tiles, step 4")
            << QStringList{"--mpp", "0.25", "--tile", "128", "--level-step", "4"} << 1200 << 900 << 2 << 0.25 << QPoint(0, 0);
        QTest::newRow("crop") << QStringList{"--crop", "200,100,800,700", "--quality", "95"} << 800 << 700 << 2 << 0.0
                              << QPoint(200, 100);
        QTest::newRow("crop clipped") << QStringList{"--crop", "1000,800,500,500"} << 200 << 100 << 1 << 0.0
                                      << QPoint(1000, 800);
    }
    void convert() {
        QFETCH(QStringList, options);
        QFETCH(int, width);
        QFETCH(int, height);
        QFETCH(int, levels);
        QFETCH(double, mpp);
        QFETCH(QPoint, origin);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString output = dir.filePath("out.tiff");
        const ProcessResult r = hescapeCli(QStringList{"convert", png_, output} + options);
        QVERIFY2(r.finished && r.exitCode == 0, qPrintable(describe(r)));
        QVERIFY2(r.out.contains(QStringLiteral("%1 x %2 px written (crop origin %3,%4)")
                                    .arg(width)
                                    .arg(height)
                                    .arg(origin.x())
                                    .arg(origin.y())
                                    .toUtf8()),
                 qPrintable(describe(r)));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"out.tiff"});

        const auto slide = openSlide(toPath(output));
        QCOMPARE(QString::fromStdString(slide->format()), QStringLiteral("generic-tiff"));
        QCOMPARE(slide->width(), std::int64_t{width});
        QCOMPARE(slide->height(), std::int64_t{height});
        QCOMPARE(slide->levelCount(), levels);
        if (mpp > 0) QVERIFY(std::abs(slide->micronsPerPixel()->x - mpp) < 1e-5);
        else QVERIFY(!slide->micronsPerPixel().has_value());
        QCOMPARE(slide->properties().at("tiff.ImageDescription"), "HEScape Studio pyramid of " + toPath(png_));
        // The middle of the output shows the source cell there (sampled at
        // that cell's centre, away from its edges).
        const CellPattern source{1200, 900, 100, 100};
        const int sx = (origin.x() + width / 2) / 100 * 100 + 50, sy = (origin.y() + height / 2) / 100 * 100 + 50;
        const RgbaImage px = slide->readRegion(0, sx - origin.x() - 1, sy - origin.y() - 1, 2, 2);
        QVERIFY2(maxDeviation(px, source.colourAt(sx, sy)) <= 8,
                 qPrintable(describe(px.pixel(0, 0)) + " expected " + hescape::test::describe(source.colourAt(sx, sy))));

        // And `info --json` of the result agrees.
        const ProcessResult info = hescapeCli({"info", "--json", output});
        QVERIFY2(info.finished && info.exitCode == 0, qPrintable(describe(info)));
        const QJsonObject o = QJsonDocument::fromJson(info.out).object();
        QCOMPARE(o["format"].toString(), QStringLiteral("generic-tiff"));
        QCOMPARE(o["width"].toInt(), width);
        QCOMPARE(o["levels"].toArray().size(), levels);
    }

    void convertBadOptions_data() {
        QTest::addColumn<QStringList>("options");
        QTest::addColumn<QString>("expect");
        QTest::newRow("crop with 3 numbers") << QStringList{"--crop", "1,2,3"} << "--crop";
        QTest::newRow("crop with 5 numbers") << QStringList{"--crop", "1,2,3,4,5"} << "--crop";
        QTest::newRow("crop not numbers") << QStringList{"--crop", "a,b,c,d"} << "--crop";
        QTest::newRow("crop zero width") << QStringList{"--crop", "0,0,0,10"} << "--crop";
        QTest::newRow("crop negative height") << QStringList{"--crop", "0,0,10,-5"} << "--crop";
        QTest::newRow("crop empty") << QStringList{"--crop", ""} << "--crop";
        QTest::newRow("crop trailing junk") << QStringList{"--crop", "1,2,3,4x"} << "--crop";
        QTest::newRow("crop without value") << QStringList{"--crop"} << "--crop needs a value";
        QTest::newRow("mpp negative") << QStringList{"--mpp", "-1"} << "--mpp";
        QTest::newRow("mpp zero") << QStringList{"--mpp", "0"} << "--mpp";
        QTest::newRow("mpp text") << QStringList{"--mpp", "fine"} << "--mpp";
        QTest::newRow("quality text") << QStringList{"--quality", "high"} << "--quality";
        QTest::newRow("quality 0") << QStringList{"--quality", "0"} << "--quality";
        QTest::newRow("quality 101") << QStringList{"--quality", "101"} << "--quality";
        QTest::newRow("tile not a multiple of 16") << QStringList{"--tile", "100"} << "--tile";
        QTest::newRow("tile zero") << QStringList{"--tile", "0"} << "--tile";
        QTest::newRow("level step 3") << QStringList{"--level-step", "3"} << "--level-step";
    }
    void convertBadOptions() {
        QFETCH(QStringList, options);
        QFETCH(QString, expect);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString output = dir.filePath("never.tiff");
        const ProcessResult r = hescapeCli(QStringList{"convert", png_, output} + options);
        QVERIFY2(r.finished && r.normalExit, qPrintable(describe(r)));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(expect.toUtf8()), qPrintable(describe(r)));
        QVERIFY(QDir(dir.path()).entryList(QDir::Files).isEmpty());
    }

    void convertErrorsNameFile_data() {
        QTest::addColumn<QString>("kind");
        QTest::newRow("missing input") << "missing";
        QTest::newRow("text input") << "text";
        QTest::newRow("crop outside the image") << "crop";
    }
    void convertErrorsNameFile() {
        QFETCH(QString, kind);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QString input = dir.filePath("input.png");
        QStringList extra;
        if (kind == "text") QVERIFY(writeFile(input, "hello"));
        if (kind == "crop") {
            input = png_;
            extra = QStringList{"--crop", "5000,5000,10,10"};
        }
        const QString output = dir.filePath("never.tiff");
        const ProcessResult r = hescapeCli(QStringList{"convert", input, output} + extra);
        QVERIFY2(r.finished && r.normalExit, qPrintable(describe(r)));
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("hescape convert: error: " + input.toUtf8()), qPrintable(describe(r)));
        QVERIFY(!QFileInfo::exists(output));
        const QStringList left = QDir(dir.path()).entryList(QDir::Files);
        QVERIFY2(left.filter("partial").isEmpty(), qPrintable(left.join(", ")));
    }
};

QTEST_GUILESS_MAIN(TestCliConvert)
#include "tst_cli_convert.moc"
