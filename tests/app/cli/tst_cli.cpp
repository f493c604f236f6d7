// The `hescape` command line, run as a separate process: --version, --help,
// `info` (text and JSON) on real slides, errors naming the file, and
// `convert` of a generated PNG (levels, crop, MPP) with bad options -> exit 2.
#include "core/slide/Slide.h"
#include "tests/core/TestSupport.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace hescape;
using namespace hescape::test;

namespace {

const QString kCmu = QStringLiteral("wsi_aperio_cmu1_small_region/CMU-1-Small-Region.svs");
const QString kTcga = QStringLiteral("wsi_aperio_tcga_hnsc_jp2k/TCGA-CR-7395-01A-01-TS1.svs");
const QString kIhc = QStringLiteral("ihc_skimage_debian/ihc.png");

ProcessResult hescapeCli(const QStringList& args) { return runProcess(QStringLiteral(HESCAPE_CLI_EXECUTABLE), args); }

QString describe(const ProcessResult& r) {
    return QStringLiteral("exit %1, stdout: %2\nstderr: %3")
        .arg(r.exitCode)
        .arg(QString::fromUtf8(r.out.left(2000)), QString::fromUtf8(r.err.left(2000)));
}

}  // namespace

class TestCli : public QObject {
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

    void version() {
        const ProcessResult r = hescapeCli({"--version"});
        QVERIFY2(r.finished && r.normalExit && r.exitCode == 0, qPrintable(describe(r)));
        QVERIFY2(r.out.startsWith("hescape " HESCAPE_VERSION " (LibTorch "), r.out.constData());
        // Torch's thread count is raised from Debian's default of 1 to every core.
        const QString threads = QStringLiteral(", %1 threads)").arg(QThread::idealThreadCount());
        QVERIFY2(QString::fromUtf8(r.out).contains(threads), r.out.constData());
    }

    void help_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("expect");
        QTest::newRow("--help") << QStringList{"--help"} << "usage: hescape COMMAND";
        QTest::newRow("-h") << QStringList{"-h"} << "usage: hescape COMMAND";
        QTest::newRow("help") << QStringList{"help"} << "usage: hescape COMMAND";
        QTest::newRow("info --help") << QStringList{"info", "--help"} << "usage: hescape info SLIDE";
        QTest::newRow("convert --help") << QStringList{"convert", "--help"} << "usage: hescape convert IMAGE";
    }
    void help() {
        QFETCH(QStringList, args);
        QFETCH(QString, expect);
        const ProcessResult r = hescapeCli(args);
        QVERIFY2(r.finished && r.exitCode == 0, qPrintable(describe(r)));
        QVERIFY2(r.out.startsWith(expect.toUtf8()), r.out.constData());
        if (args.size() == 1) {
            QVERIFY(r.out.contains("info SLIDE"));
            QVERIFY(r.out.contains("convert IMAGE"));
            QVERIFY(r.out.contains("--version"));
        }
    }

    void usageErrors_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("expect");  // in stderr
        QTest::newRow("no arguments") << QStringList{} << "usage: hescape COMMAND";
        QTest::newRow("unknown command") << QStringList{"frobnicate"} << "unknown command 'frobnicate'";
        QTest::newRow("info without file") << QStringList{"info"} << "usage: hescape info";
        QTest::newRow("info unknown option") << QStringList{"info", "--xml", "a.svs"} << "unknown option '--xml'";
        QTest::newRow("info two files") << QStringList{"info", "a.svs", "b.svs"} << "'b.svs' is extra";
        QTest::newRow("convert one file") << QStringList{"convert", "a.png"} << "usage: hescape convert";
        QTest::newRow("convert unknown option") << QStringList{"convert", "a.png", "b.tiff", "--fast"} << "unknown option";
        QTest::newRow("convert --mpp missing value") << QStringList{"convert", "a.png", "b.tiff", "--mpp"} << "--mpp needs a value";
    }
    void usageErrors() {
        QFETCH(QStringList, args);
        QFETCH(QString, expect);
        const ProcessResult r = hescapeCli(args);
        QVERIFY2(r.finished && r.normalExit, qPrintable(describe(r)));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(expect.toUtf8()), qPrintable(describe(r)));
    }

    void infoText() {
        const QString file = sharedDataPath(kCmu);
        const ProcessResult r = hescapeCli({"info", file});
        QVERIFY2(r.finished && r.exitCode == 0, qPrintable(describe(r)));
        const QString out = QString::fromUtf8(r.out);
        for (const QString& line :
             {"file: " + file, QStringLiteral("format: aperio"), QStringLiteral("dimensions: 2220 x 2967 px"),
              QStringLiteral("levels: 1"), QStringLiteral("  level 0: 2220 x 2967 px, downsample 1"),
              QStringLiteral("microns per pixel: 0.499 x 0.499"), QStringLiteral("objective power: 20x"),
              QStringLiteral("associated images: label macro thumbnail"), QStringLiteral("  aperio.AppMag = 20")}) {
            QVERIFY2(out.split('\n').contains(line), qPrintable("missing line '" + line + "' in:\n" + out));
        }
    }

    void infoTextWithoutMpp() {
        const ProcessResult r = hescapeCli({"info", sharedDataPath(kTcga)});
        QVERIFY2(r.finished && r.exitCode == 0, qPrintable(describe(r)));
        QVERIFY(r.out.contains("\nlevels: 2\n"));
        QVERIFY(r.out.contains("\nmicrons per pixel: unknown (not recorded in the file)\n"));
        QVERIFY(r.out.contains("\nobjective power: unknown\n"));
    }

    void infoListsVisiumImages() {
        // Visium HD folders with a CytAssist image (make_cytassist_folders.py): placed through an
        // affine feature_slice.h5, not placed through a projective one; the image's own pixel size.
        const QString folders = dir_.filePath("cytassist");
        const ProcessResult made = makeCytAssistFolders(folders);
        QVERIFY2(made.exitCode == 0, made.err.constData());
        const QString bins = folders + "/hd_affine/binned_outputs/square_008um";
        ProcessResult r = hescapeCli({"info", folders + "/hd_affine"});
        QVERIFY2(r.finished && r.exitCode == 0, qPrintable(describe(r)));
        QStringList lines = QString::fromUtf8(r.out).split('\n');
        for (const QString& line : {QStringLiteral("images:"), "  hires: " + bins + "/spatial/tissue_hires_image.png",
                                    QStringLiteral("    placed by tissue_hires_scalef 0.254044"), "  CytAssist: " + bins + "/spatial/cytassist_image.tiff",
                                    QStringLiteral("    placed by the inverse of feature_slice.h5's CytAssist-to-microscope transform (affine)")})
            QVERIFY2(lines.contains(line), qPrintable("missing line '" + line + "' in:\n" + r.out));
        // --json lists the same images, with whether each is placed.
        r = hescapeCli({"info", "--json", folders + "/hd_affine"});
        QVERIFY2(r.finished && r.exitCode == 0, qPrintable(describe(r)));
        QJsonParseError jsonError;
        const QJsonArray images = QJsonDocument::fromJson(r.out, &jsonError).object()["images"].toArray();
        QVERIFY2(jsonError.error == QJsonParseError::NoError, qPrintable(jsonError.errorString()));
        QStringList placed;
        for (const auto& i : images) placed << i.toObject()["name"].toString() + (i.toObject()["placed"].toBool() ? "+" : "-");
        QVERIFY2(placed.contains("hires+") && placed.contains("CytAssist+"), qPrintable(placed.join(' ')));
        r = hescapeCli({"info", folders + "/hd_projective"});
        QVERIFY2(r.finished && r.exitCode == 0, qPrintable(describe(r)));
        QVERIFY2(r.out.contains("\n    not placed: run1_feature_slice.h5's CytAssist-to-microscope transform is projective"), r.out.constData());
        r = hescapeCli({"info", bins + "/spatial/cytassist_image.tiff"});
        QVERIFY2(r.finished && r.exitCode == 0, qPrintable(describe(r)));
        QVERIFY2(r.out.contains("\nmicrons per pixel: 6.57027 x 6.57027\n") &&
                     r.out.contains("\nmicrons per pixel from: derived: microns_per_pixel (scalefactors_json.json) x sqrt(|det|)"),
                 r.out.constData());
    }

    void infoJson_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("format");
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("height");
        QTest::addColumn<int>("levels");
        QTest::addColumn<double>("mpp");  // 0: null
        QTest::addColumn<double>("objective");
        QTest::addColumn<QStringList>("associated");
        QTest::newRow("aperio") << kCmu << "aperio" << 2220 << 2967 << 1 << 0.499 << 20.0
                                << QStringList{"label", "macro", "thumbnail"};
        QTest::newRow("aperio jp2k, no MPP") << kTcga << "aperio" << 4443 << 3567 << 2 << 0.0 << 0.0 << QStringList{"thumbnail"};
        QTest::newRow("plain png") << kIhc << "plain-image" << 512 << 512 << 1 << 0.0 << 0.0 << QStringList{};
    }
    void infoJson() {
        QFETCH(QString, file);
        QFETCH(QString, format);
        QFETCH(int, width);
        QFETCH(int, height);
        QFETCH(int, levels);
        QFETCH(double, mpp);
        QFETCH(double, objective);
        QFETCH(QStringList, associated);

        const QString path = sharedDataPath(file);
        const ProcessResult r = hescapeCli({"info", path, "--json"});
        QVERIFY2(r.finished && r.exitCode == 0, qPrintable(describe(r)));
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(r.out, &error);
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString() + "\n" + r.out));
        QVERIFY(doc.isObject());
        const QJsonObject o = doc.object();
        QCOMPARE(o["file"].toString(), path);
        QCOMPARE(o["format"].toString(), format);
        QCOMPARE(o["width"].toInt(), width);
        QCOMPARE(o["height"].toInt(), height);
        const QJsonArray lv = o["levels"].toArray();
        QCOMPARE(lv.size(), levels);
        QCOMPARE(lv[0].toObject()["width"].toInt(), width);
        QCOMPARE(lv[0].toObject()["height"].toInt(), height);
        QCOMPARE(lv[0].toObject()["downsample"].toDouble(), 1.0);
        if (mpp > 0) {
            QVERIFY(o["mpp"].isObject());
            QCOMPARE(o["mpp"].toObject()["x"].toDouble(), mpp);
            QCOMPARE(o["mpp"].toObject()["y"].toDouble(), mpp);
        } else {
            QVERIFY(o["mpp"].isNull());
        }
        if (objective > 0) QCOMPARE(o["objective_power"].toDouble(), objective);
        else QVERIFY(o["objective_power"].isNull());
        QStringList names;
        for (const auto& v : o["associated_images"].toArray()) names << v.toString();
        QCOMPARE(names, associated);
        QVERIFY(o["properties"].isObject());
        // The JSON agrees with the library.
        const auto slide = openSlide(toPath(path));
        QCOMPARE(o["properties"].toObject().size(), static_cast<qsizetype>(slide->properties().size()));
        for (const auto& [k, v] : slide->properties()) {
            QCOMPARE(o["properties"].toObject()[QString::fromStdString(k)].toString(), QString::fromStdString(v));
        }
        for (int i = 0; i < levels; ++i) {
            QCOMPARE(lv[i].toObject()["downsample"].toDouble(), slide->level(i).downsample);
        }
    }

    // Control characters and quotes in a path survive the JSON escaping.
    void infoJsonEscapesPath() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString file = dir.filePath("we\"ird\\name\tü.png");
        QVERIFY(QFile::copy(sharedDataPath(kIhc), file));
        const ProcessResult r = hescapeCli({"info", "--json", file});
        QVERIFY2(r.finished && r.exitCode == 0, qPrintable(describe(r)));
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(r.out, &error);
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString() + "\n" + r.out));
        QCOMPARE(doc.object()["file"].toString(), file);
    }

    void infoErrorsNameFile_data() {
        QTest::addColumn<QString>("kind");
        QTest::newRow("text renamed .svs") << "text";
        QTest::newRow("missing file") << "missing";
        QTest::newRow("folder") << "folder";
        QTest::newRow("empty file") << "empty";
    }
    void infoErrorsNameFile() {
        QFETCH(QString, kind);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString file = dir.filePath("fake slide.svs");
        if (kind == "text") QVERIFY(writeFile(file, "not a slide at all\n"));
        if (kind == "empty") QVERIFY(writeFile(file, {}));
        if (kind == "folder") QVERIFY(QDir().mkpath(file));
        for (const QStringList& args : {QStringList{"info", file}, QStringList{"info", "--json", file}}) {
            const ProcessResult r = hescapeCli(args);
            QVERIFY2(r.finished && r.normalExit, qPrintable(describe(r)));
            QCOMPARE(r.exitCode, 1);
            QVERIFY2(r.err.startsWith("hescape info: error: "), qPrintable(describe(r)));
            QVERIFY2(r.err.contains(file.toUtf8()), qPrintable(describe(r)));
            QVERIFY2(r.out.isEmpty(), qPrintable(describe(r)));
        }
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

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
