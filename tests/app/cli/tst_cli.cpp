// The `hescape` command line, run as a separate process: --version, --help,
// usage errors, and `info` (text and JSON) on real slides and Visium folders,
// with errors naming the file. `convert` is tst_cli_convert's.
#include "core/slide/Slide.h"
#include "tests/app/cli/CliProcess.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace hescape;
using namespace hescape::test;

namespace {

const QString kCmu = QStringLiteral("wsi_aperio_cmu1_small_region/CMU-1-Small-Region.svs");
const QString kTcga = QStringLiteral("wsi_aperio_tcga_hnsc_jp2k/TCGA-CR-7395-01A-01-TS1.svs");
const QString kIhc = QStringLiteral("ihc_skimage_debian/ihc.png");

}  // namespace

class TestCli : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;

private Q_SLOTS:
    void initTestCase() {
        QVERIFY2(QFileInfo(QStringLiteral(HESCAPE_CLI_EXECUTABLE)).isExecutable(), HESCAPE_CLI_EXECUTABLE);
        QVERIFY(dir_.isValid());
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
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
