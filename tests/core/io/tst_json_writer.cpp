// jsonString: escapes, UTF-8 passed through, and bytes that are not UTF-8
// (a Latin-1 byte in a TIFF's ImageDescription made `hescape info --json`
// invalid UTF-8) read as Latin-1, so Python's json module parses the output.
#include "core/io/JsonWriter.h"
#include "tests/core/TestSupport.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest/QtTest>

using namespace hescape;

class TestJsonWriter : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void escapesAndUtf8() {
        QCOMPARE(jsonString("a\"b\\c\nd\x01"), std::string("\"a\\\"b\\\\c\\nd\\u0001\""));
        QCOMPARE(jsonString("0.5 \xC2\xB5m \xE2\x86\x92 \xF0\x9F\x94\xAC"), std::string("\"0.5 \xC2\xB5m \xE2\x86\x92 \xF0\x9F\x94\xAC\""));
    }

    void notUtf8IsReadAsLatin1() {
        QCOMPARE(jsonString("caf\xE9"), std::string("\"caf\xC3\xA9\""));           // é in Latin-1
        QCOMPARE(jsonString("\xC3"), std::string("\"\xC3\x83\""));                  // a lead byte cut short
        QCOMPARE(jsonString("\xC0\xAF"), std::string("\"\xC3\x80\xC2\xAF\""));      // an overlong '/'
        QCOMPARE(jsonString("\xED\xA0\x80"), std::string("\"\xC3\xAD\xC2\xA0\xC2\x80\""));  // a surrogate
        // Python's json parses the output as UTF-8 and gets the text back.
        QTemporaryDir dir;
        QFile f(dir.filePath("info.json"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        const std::string doc = "{\"description\": " + jsonString("Aperio \xB5m caf\xE9 \xC2\xB5") + "}";
        f.write(doc.data(), static_cast<qint64>(doc.size()));
        f.close();
        const auto r = hescape::test::runPython(
            "import json, sys; d = json.load(open(sys.argv[1], encoding='utf-8'))['description']; print(d == 'Aperio \\u00b5m caf\\u00e9 \\u00b5')",
            {f.fileName()});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.out.trimmed(), QByteArray("True"));
    }
};

QTEST_MAIN(TestJsonWriter)
#include "tst_json_writer.moc"
