// `hescape train` as a user runs it: a small configuration on two demo
// sections trains, prints one JSON object per step with --json, evaluates the
// test split and writes its summary atomically; configurations with a typo,
// a bad value or a missing section are refused (exit 2) naming the field.
#include "tests/core/TestSupport.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace hescape::test;

namespace {

ProcessResult hescapeCli(const QStringList& args) { return runProcess(QStringLiteral(HESCAPE_CLI_EXECUTABLE), args); }

QString writeConfig(const QTemporaryDir& dir, const QString& name, const QString& body) {
    QFile f(dir.filePath(name));
    f.open(QIODevice::WriteOnly);
    f.write(body.toUtf8());
    return f.fileName();
}

const QString kSections = QStringLiteral(
    "\"sections\": [{\"name\": \"B4\", \"slide\": \"%1/B4.tiff\", \"dataset\": \"%1/B4.h5ad\"},"
    "               {\"name\": \"C2\", \"slide\": \"%1/C2.tiff\", \"dataset\": \"%1/C2.h5ad\"}]")
                              .arg(QStringLiteral(HESCAPE_SOURCE_DIR "/resources/demo/her2st"));

}  // namespace

class TestCliTrain : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

private Q_SLOTS:
    void trainsWithJsonProgressAndSummary() {
        const QString config = writeConfig(dir_, "ok.json", QStringLiteral(
            "{%1, \"train\": [\"B4\"], \"test\": [\"C2\"], \"patch_pixels\": 32, \"highly_variable_genes\": 64,"
            " \"embed_dim\": 32, \"image_width\": 8, \"gene_hidden\": 64, \"batch_size\": 32, \"epochs\": 2}").arg(kSections));
        const QString summary = dir_.filePath("summary.json");
        const ProcessResult r = hescapeCli({"train", config, "--json", "--out", summary});
        QVERIFY2(r.finished && r.exitCode == 0, r.err.constData());
        int steps = 0;
        bool sawTest = false;
        for (const QByteArray& line : r.out.split('\n')) {
            if (line.trimmed().isEmpty()) continue;
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            QVERIFY2(!o.isEmpty(), line.constData());
            if (o.contains("step")) {
                ++steps;
                QCOMPARE(o["step"].toInt(), steps);
                QVERIFY(std::isfinite(o["loss"].toDouble()) && o["temperature"].toDouble() > 0);
            }
            if (o.contains("test")) {
                sawTest = true;
                QCOMPARE(o["test"].toObject()["pairs"].toInt(), 187);  // all of C2's spots are under tissue
            }
        }
        QCOMPARE(steps, 2 * (283 / 32));  // B4: 283 spots, 8 full batches per epoch, 2 epochs
        QVERIFY(sawTest);
        QFile f(summary);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject s = QJsonDocument::fromJson(f.readAll()).object();
        QCOMPARE(s["genes"].toInt(), 64);
        QVERIFY(s["test"].toObject()["loss"].toDouble() > 0);
        QCOMPARE(QDir(dir_.path()).entryList({"summary.json*"}, QDir::Files), QStringList{"summary.json"});
    }

    void badConfigurationsNameTheField_data() {
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("field");
        QTest::newRow("typo") << QStringLiteral("{%1, \"train\": [\"B4\"], \"epoks\": 3}").arg(kSections) << "'epoks'";
        QTest::newRow("bad objective") << QStringLiteral("{%1, \"train\": [\"B4\"], \"objective\": \"triplet\"}").arg(kSections) << "'objective'";
        QTest::newRow("batch size") << QStringLiteral("{%1, \"train\": [\"B4\"], \"batch_size\": 1}").arg(kSections) << "'batch_size'";
        QTest::newRow("no train") << QStringLiteral("{%1}").arg(kSections) << "'train'";
        QTest::newRow("no sections") << QStringLiteral("{\"train\": [\"B4\"]}") << "'sections'";
        QTest::newRow("broken JSON") << QStringLiteral("{\"train\": [") << "line 1";
    }

    void badConfigurationsNameTheField() {
        QFETCH(QString, body);
        QFETCH(QString, field);
        const QString config = writeConfig(dir_, "bad.json", body);
        const ProcessResult r = hescapeCli({"train", config});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(config.toUtf8()) && r.err.contains(field.toUtf8()), r.err.constData());
    }

    void sectionInTwoSplitsFails() {
        const QString config = writeConfig(dir_, "split.json", QStringLiteral(
            "{%1, \"train\": [\"B4\"], \"validation\": [\"B4\"]}").arg(kSections));
        const ProcessResult r = hescapeCli({"train", config});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("section B4 is in more than one split"), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliTrain)
#include "tst_cli_train.moc"
