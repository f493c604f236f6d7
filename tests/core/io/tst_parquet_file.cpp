// core/io/ParquetFile against files written by others.
//
// Real files. All were written by Arrow's parquet-cpp and use the same
// features: one row group, OPTIONAL columns without nulls (so RLE definition
// levels), a PLAIN dictionary page then one RLE_DICTIONARY data page v1 per
// column, SNAPPY.
//  - Xenium toy data (xenium_toy_sfe, parquet-cpp-arrow 14.0.1 via R arrow):
//    cells (BYTE_ARRAY STRING, DOUBLE, INT32), transcripts (INT64, STRING,
//    INT32, DOUBLE), cell and nucleus boundaries (BYTE_ARRAY without
//    annotation, DOUBLE). Every value is checked against the CSV twins as
//    pandas reads them.
//  - Visium HD tissue_positions.parquet (Seurat's test data,
//    parquet-cpp-arrow 15.0.2). There is no CSV twin and Debian packages no
//    Parquet reader (no pyarrow, fastparquet, polars, duckdb or R arrow), so
//    it is checked against parquet_reference.py (a separate Python reader
//    written from the specification, itself checked here against the Xenium
//    CSVs), against each other (the 16 um rows are rows of the 8 um file),
//    against the grid geometry and scalefactors_json.json, and against the
//    barcodes of the matrix beside it.
// Generated corpus (make_parquet_corpus.py, written from the specification):
// what no real file has -- data pages v2, GZIP, ZSTD, UNCOMPRESSED, nulls,
// BOOLEAN and FLOAT columns, dictionaries with nulls and of 0 or 9 bits,
// PLAIN_DICTIONARY, converted and logical types, several row groups and pages,
// nested / repeated / FIXED_LEN_BYTE_ARRAY / INT96 columns, an empty file --
// and damaged files. Every damaged file must fail with a ParquetError that
// names the file and the fault, without allocating what a header declares.
#include "core/io/Json.h"
#include "core/io/ParquetFile.h"
#include "core/io/ThriftCompact.h"
#include "tests/core/TestSupport.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>
#include <new>
#include <set>

// ---- the largest single allocation of the process --------------------------
// Replacing global operator new lets the damaged-file tests show that no
// buffer is sized by what a corrupt header declares.
namespace {
std::atomic<std::size_t> largestAllocation{0};
}

void* operator new(std::size_t size) {
    std::size_t seen = largestAllocation.load(std::memory_order_relaxed);
    while (size > seen && !largestAllocation.compare_exchange_weak(seen, size, std::memory_order_relaxed)) {
    }
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace hescape;
using namespace hescape::test;

namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

QString xenium(const QString& name) { return sharedDataPath(QStringLiteral("xenium_toy_sfe/") + name); }
QString visium(const QString& bin, const QString& name) {
    return sharedDataPath(QStringLiteral("visium_hd_seurat_testdata/binned_outputs/square_%1um/%2").arg(bin, name));
}
QString script(const char* name) { return QStringLiteral(HESCAPE_SOURCE_DIR "/tests/core/io/") + QLatin1String(name); }

// Runs /usr/bin/python3 with `args`; its standard output, parsed as JSON.
bool pythonJson(const QStringList& args, JsonValue& out, QByteArray& error) {
    const ProcessResult r = runProcess(QStringLiteral(HESCAPE_TEST_PYTHON), args);
    if (!r.finished || r.exitCode != 0) {
        error = "python failed: " + r.err;
        return false;
    }
    try {
        out = parseJson(r.out.toStdString(), "python output");
    } catch (const JsonError& e) {
        error = e.what();
        return false;
    }
    return true;
}

// pandas reads a CSV twin, every field as the text it prints.
const char* kReadCsv = R"(
import json, sys
import pandas as pd
table = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
print(json.dumps({"names": list(table.columns), "columns": {c: table[c].tolist() for c in table.columns}}, ensure_ascii=False))
)";

const char* kMatrixBarcodes = R"(
import json, sys
import h5py
with h5py.File(sys.argv[1], "r") as f:
    print(json.dumps([b.decode() for b in f["matrix/barcodes"][:]]))
)";

std::int64_t parseInt(const std::string& s) {
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size() ? v : std::numeric_limits<std::int64_t>::min();
}

// Python's float.hex() ("-0x1.8p+3", "nan", "inf"), without the C locale's help.
double parseHex(const std::string& s) {
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    const bool negative = !s.empty() && s[0] == '-';
    const std::string body = s.substr(negative ? 1 : 0);
    double v = std::numeric_limits<double>::infinity();
    if (body != "inf") std::from_chars(body.data() + 2, body.data() + body.size(), v, std::chars_format::hex);
    return negative ? -v : v;
}

bool sameDouble(double a, double b) {
    return (std::isnan(a) && std::isnan(b)) || std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

// True when `value` rounds to the CSV's `printed` text: within half a unit of
// its last printed digit ("1303.90404663086", "1307.5125", "0", "1e-05"),
// give or take the two doubles' own rounding (R prints ties away from zero).
bool withinPrintedPrecision(double value, const std::string& printed) {
    double parsed = 0;
    const auto [p, ec] = std::from_chars(printed.data(), printed.data() + printed.size(), parsed);
    if (ec != std::errc() || p != printed.data() + printed.size()) return false;
    const std::size_t e = printed.find_first_of("eE");
    const std::string mantissa = printed.substr(0, e);
    const int exponent = e == std::string::npos ? 0 : std::atoi(printed.c_str() + e + 1);
    const std::size_t dot = mantissa.find('.');
    const int decimals = dot == std::string::npos ? 0 : static_cast<int>(mantissa.size() - dot - 1);
    const double half = 0.5 * std::pow(10.0, exponent - decimals);
    const double ulp = std::nextafter(std::abs(value), INFINITY) - std::abs(value);
    return std::abs(value - parsed) <= half + 2 * ulp;
}

std::string rowText(const ParquetColumn& c, std::size_t i) {
    if (!c.valid[i]) return "null";
    return std::visit(
        [&](const auto& v) -> std::string {
            using T = typename std::decay_t<decltype(v)>::value_type;
            if constexpr (std::is_same_v<T, std::string>) return "'" + v[i] + "'";
            else if constexpr (std::is_floating_point_v<T>) return QString::number(static_cast<double>(v[i]), 'g', 17).toStdString();
            else return std::to_string(static_cast<std::int64_t>(v[i]));
        },
        c.values);
}

// Row i against a reference: decimal integer, float.hex(), "0"/"1" for
// booleans, the string itself, or null.
bool rowEquals(const ParquetColumn& c, std::size_t i, const JsonValue& ref) {
    if (ref.isNull()) return !c.valid[i];
    if (!c.valid[i] || !ref.isString()) return false;
    const std::string& t = ref.asString();
    return std::visit(
        [&](const auto& v) -> bool {
            using T = typename std::decay_t<decltype(v)>::value_type;
            if constexpr (std::is_same_v<T, std::string>) return v[i] == t;
            else if constexpr (std::is_same_v<T, std::uint8_t>) return t == (v[i] ? "1" : "0");
            else if constexpr (std::is_integral_v<T>) return parseInt(t) == static_cast<std::int64_t>(v[i]);
            else return sameDouble(static_cast<double>(v[i]), parseHex(t));
        },
        c.values);
}

// Rows that differ from `ref`; `first` describes the first of them.
int referenceMismatches(const ParquetColumn& c, const JsonValue::Array& ref, std::string& first) {
    if (c.size() != ref.size()) {
        first = std::to_string(c.size()) + " rows, the reference has " + std::to_string(ref.size());
        return -1;
    }
    int bad = 0;
    for (std::size_t i = 0; i < ref.size(); ++i) {
        if (rowEquals(c, i, ref[i])) continue;
        if (bad++ == 0) first = "row " + std::to_string(i) + ": " + rowText(c, i) + " vs " + (ref[i].isNull() ? "null" : ref[i].asString());
    }
    return bad;
}

// Rows that differ from a CSV column: strings equal, integers equal, floating
// point within the CSV's printed precision.
int csvMismatches(const ParquetColumn& c, const JsonValue::Array& csv, std::string& first) {
    if (c.size() != csv.size()) {
        first = std::to_string(c.size()) + " rows, the CSV has " + std::to_string(csv.size());
        return -1;
    }
    int bad = 0;
    for (std::size_t i = 0; i < csv.size(); ++i) {
        const std::string& text = csv[i].asString();
        const bool same = c.valid[i] && std::visit(
                                            [&](const auto& v) -> bool {
                                                using T = typename std::decay_t<decltype(v)>::value_type;
                                                if constexpr (std::is_same_v<T, std::string>) return v[i] == text;
                                                else if constexpr (std::is_integral_v<T>) return parseInt(text) == static_cast<std::int64_t>(v[i]);
                                                else return withinPrintedPrecision(static_cast<double>(v[i]), text);
                                            },
                                            c.values);
        if (!same && bad++ == 0) first = "row " + std::to_string(i) + ": parquet " + rowText(c, i) + ", CSV '" + text + "'";
    }
    return bad;
}

// y ~ a0 + a1 * row + a2 * col by least squares (Cramer's rule on the normal
// equations), with the largest residual.
struct AffineFit {
    std::array<double, 3> a{};
    double maxResidual = 0;
};

AffineFit fitAffine(const std::vector<std::int32_t>& row, const std::vector<std::int32_t>& col, const std::vector<double>& y) {
    std::array<std::array<double, 3>, 3> s{};
    std::array<double, 3> b{};
    for (std::size_t i = 0; i < y.size(); ++i) {
        const std::array<double, 3> x{1.0, static_cast<double>(row[i]), static_cast<double>(col[i])};
        for (int r = 0; r < 3; ++r) {
            b[r] += x[r] * y[i];
            for (int c = 0; c < 3; ++c) s[r][c] += x[r] * x[c];
        }
    }
    const auto det = [](const std::array<std::array<double, 3>, 3>& m) {
        return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
               m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    };
    AffineFit fit;
    for (int k = 0; k < 3; ++k) {
        auto m = s;
        for (int r = 0; r < 3; ++r) m[r][k] = b[r];
        fit.a[k] = det(m) / det(s);
    }
    for (std::size_t i = 0; i < y.size(); ++i)
        fit.maxResidual = std::max(fit.maxResidual, std::abs(fit.a[0] + fit.a[1] * row[i] + fit.a[2] * col[i] - y[i]));
    return fit;
}

struct Positions {
    std::vector<std::string> barcode;
    std::vector<std::int32_t> inTissue, row, col;
    std::vector<double> pxlRow, pxlCol;
};

Positions readPositions(const QString& bin) {
    const ParquetFile f = ParquetFile::open(toPath(visium(bin, "spatial/tissue_positions.parquet")));
    const auto ints = [&](const char* name) { return std::get<std::vector<std::int32_t>>(f.readColumn(name).values); };
    return {f.readStrings("barcode"), ints("in_tissue"), ints("array_row"), ints("array_col"),
            f.readDoubles("pxl_row_in_fullres"), f.readDoubles("pxl_col_in_fullres")};
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

std::uint32_t footerLength(const QByteArray& file) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(file.constData() + file.size() - 8);
    return p[0] | p[1] << 8 | p[2] << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

void setFooterLength(QByteArray& file, std::uint32_t length) {
    for (int k = 0; k < 4; ++k) file[file.size() - 8 + k] = static_cast<char>((length >> (8 * k)) & 0xFF);
}

// Opens `path` and reads `column` (or every readable column when empty);
// returns the ParquetError's message, or "" when all went well.
std::string errorOf(const std::string& path, const std::string& column) {
    try {
        const ParquetFile f = ParquetFile::open(path);
        if (!column.empty()) {
            (void)f.readColumn(column);
        } else {
            for (const auto& c : f.columns())
                if (c.readable) (void)f.readColumn(c.name);
        }
    } catch (const ParquetError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

class TestParquetFile : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    JsonValue manifest_;

    QString corpus(const QString& name) const { return dir_.filePath(name); }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        const auto r = runProcess(QStringLiteral(HESCAPE_TEST_PYTHON), {script("make_parquet_corpus.py"), dir_.path()});
        QVERIFY2(r.finished && r.exitCode == 0, r.err.constData());
        manifest_ = readJsonFile(toPath(corpus("manifest.json")));
    }

    // ---- real files -------------------------------------------------------------

    void footersNameTheirWriters_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("createdBy");
        QTest::addColumn<qint64>("rows");
        QTest::addColumn<QString>("columns");  // name:TYPE[:logical], comma-separated
        const QString arrow14 = QStringLiteral("parquet-cpp-arrow version 14.0.1");
        QTest::newRow("xenium cells") << xenium("cells.parquet") << arrow14 << qint64(526)
                                      << "cell_id:BYTE_ARRAY:STRING,x_centroid:DOUBLE,y_centroid:DOUBLE,transcript_counts:INT32,"
                                         "control_probe_counts:INT32,control_codeword_counts:INT32,unassigned_codeword_counts:INT32,"
                                         "total_counts:INT32,cell_area:DOUBLE,nucleus_area:DOUBLE";
        QTest::newRow("xenium transcripts") << xenium("transcripts.parquet") << arrow14 << qint64(5260)
                                            << "transcript_id:INT64,cell_id:BYTE_ARRAY:STRING,overlaps_nucleus:INT32,"
                                               "feature_name:BYTE_ARRAY:STRING,x_location:DOUBLE,y_location:DOUBLE,z_location:DOUBLE,"
                                               "qv:DOUBLE,fov_name:BYTE_ARRAY:STRING,nucleus_distance:DOUBLE";
        QTest::newRow("xenium cell boundaries") << xenium("cell_boundaries.parquet") << arrow14 << qint64(6838)
                                                << "cell_id:BYTE_ARRAY,vertex_x:DOUBLE,vertex_y:DOUBLE";
        const QString positions = "barcode:BYTE_ARRAY:STRING,in_tissue:INT32,array_row:INT32,array_col:INT32,"
                                  "pxl_row_in_fullres:DOUBLE,pxl_col_in_fullres:DOUBLE";
        QTest::newRow("visium hd 8 um") << visium("008", "spatial/tissue_positions.parquet")
                                        << "parquet-cpp-arrow version 15.0.2" << qint64(4992) << positions;
        QTest::newRow("visium hd 16 um") << visium("016", "spatial/tissue_positions.parquet")
                                         << "parquet-cpp-arrow version 15.0.2" << qint64(1248) << positions;
    }
    void footersNameTheirWriters() {
        QFETCH(QString, path);
        QFETCH(QString, createdBy);
        QFETCH(qint64, rows);
        QFETCH(QString, columns);
        const ParquetFile f = ParquetFile::open(toPath(path));
        QCOMPARE(QString::fromStdString(f.createdBy()), createdBy);
        QCOMPARE(f.rowCount(), rows);
        QCOMPARE(f.rowGroupCount(), std::size_t{1});
        QStringList described;
        for (const auto& c : f.columns()) {
            QVERIFY(c.readable);
            QVERIFY(c.optional);  // Arrow writes nullable columns as OPTIONAL
            described << QString::fromStdString(c.name + ":" + parquetTypeName(static_cast<std::int32_t>(c.physicalType)) +
                                                (c.logicalType.empty() ? "" : ":" + c.logicalType));
        }
        QCOMPARE(described.join(','), columns);
        bool arrowSchema = false;
        for (const auto& [key, value] : f.keyValueMetadata()) arrowSchema |= key == "ARROW:schema" && !value.empty();
        QVERIFY(arrowSchema);
    }

    void xeniumTablesMatchTheirCsvTwins_data() {
        QTest::addColumn<QString>("table");
        QTest::newRow("cells") << "cells";
        QTest::newRow("transcripts") << "transcripts";
        QTest::newRow("cell boundaries") << "cell_boundaries";
        QTest::newRow("nucleus boundaries") << "nucleus_boundaries";
    }
    void xeniumTablesMatchTheirCsvTwins() {
        QFETCH(QString, table);
        JsonValue csv;
        QByteArray error;
        QVERIFY2(pythonJson({"-c", kReadCsv, xenium(table + ".csv.gz")}, csv, error), error.constData());
        const ParquetFile f = ParquetFile::open(toPath(xenium(table + ".parquet")));
        const auto& names = csv.find("names")->asArray();
        QCOMPARE(f.columns().size(), names.size());
        for (std::size_t k = 0; k < names.size(); ++k) {
            const ParquetColumnInfo& info = f.columns()[k];
            QCOMPARE(info.name, names[k].asString());
            const ParquetColumn column = f.readColumn(info.name);
            QCOMPARE(column.nullCount, std::size_t{0});
            std::string first;
            const int bad = csvMismatches(column, csv.find("columns")->find(info.name)->asArray(), first);
            QVERIFY2(bad == 0, (info.name + ": " + std::to_string(bad) + " rows differ; " + first).c_str());
        }
    }

    // The convenience readers agree with readColumn on real columns.
    void readDoublesAndStringsFollowReadColumn() {
        const ParquetFile f = ParquetFile::open(toPath(xenium("transcripts.parquet")));
        const auto ids = std::get<std::vector<std::int64_t>>(f.readColumn("transcript_id").values);
        const auto asDoubles = f.readDoubles("transcript_id");
        QCOMPARE(asDoubles.size(), ids.size());
        for (std::size_t i = 0; i < ids.size(); ++i) QCOMPARE(asDoubles[i], static_cast<double>(ids[i]));
        QCOMPARE(f.readStrings("feature_name"), std::get<std::vector<std::string>>(f.readColumn("feature_name").values));
        const auto qv = f.readDoubles("qv");
        QVERIFY(*std::min_element(qv.begin(), qv.end()) >= 20 && *std::max_element(qv.begin(), qv.end()) <= 40);
    }

    void agreesWithTheReferenceReader_data() {
        QTest::addColumn<QString>("path");
        // Xenium first: there the CSVs vouch for both readers.
        QTest::newRow("xenium cells") << xenium("cells.parquet");
        QTest::newRow("xenium transcripts") << xenium("transcripts.parquet");
        QTest::newRow("visium hd 8 um") << visium("008", "spatial/tissue_positions.parquet");
        QTest::newRow("visium hd 16 um") << visium("016", "spatial/tissue_positions.parquet");
    }
    void agreesWithTheReferenceReader() {
        QFETCH(QString, path);
        const ParquetFile f = ParquetFile::open(toPath(path));
        QStringList args{script("parquet_reference.py"), path};
        for (const auto& c : f.columns()) args << QString::fromStdString(c.name);
        JsonValue ref;
        QByteArray error;
        QVERIFY2(pythonJson(args, ref, error), error.constData());
        QCOMPARE(static_cast<qint64>(ref.find("rows")->asNumber()), f.rowCount());
        for (const auto& c : f.columns()) {
            std::string first;
            const int bad = referenceMismatches(f.readColumn(c.name), ref.find("columns")->find(c.name)->asArray(), first);
            QVERIFY2(bad == 0, (c.name + ": " + std::to_string(bad) + " rows differ; " + first).c_str());
        }
    }

    void visiumHdPositionsAreOneRegularGrid_data() {
        QTest::addColumn<QString>("bin");
        QTest::addColumn<double>("stepInBins");
        // Seurat's test data reuses one grid for both folders: the 8 um
        // positions are spaced like 16 um bins (the 16 um rows are a subset of
        // them, see visiumHd16umRowsAreRowsOf8um), so their step is two bins.
        QTest::newRow("8 um") << "008" << 2.0;
        QTest::newRow("16 um") << "016" << 1.0;
    }
    void visiumHdPositionsAreOneRegularGrid() {
        QFETCH(QString, bin);
        QFETCH(double, stepInBins);
        const Positions p = readPositions(bin);
        const std::size_t n = p.barcode.size();
        QCOMPARE(std::set<std::string>(p.barcode.begin(), p.barcode.end()).size(), n);
        const QRegularExpression barcode(QStringLiteral("^[ACGT]{16}-1$"));
        std::set<std::pair<int, int>> cells;
        for (std::size_t i = 0; i < n; ++i) {
            QVERIFY2(barcode.match(QString::fromStdString(p.barcode[i])).hasMatch(), p.barcode[i].c_str());
            QVERIFY(p.inTissue[i] == 0 || p.inTissue[i] == 1);
            QVERIFY(p.row[i] >= 0 && p.col[i] >= 0);
            cells.insert({p.row[i], p.col[i]});
        }
        QCOMPARE(cells.size(), n);  // one bin per grid cell
        // Full-resolution pixels are one affine map of the grid indices, to
        // within half a pixel.
        const AffineFit rows = fitAffine(p.row, p.col, p.pxlRow), cols = fitAffine(p.row, p.col, p.pxlCol);
        QVERIFY2(rows.maxResidual < 0.5 && cols.maxResidual < 0.5, qPrintable(QString::number(std::max(rows.maxResidual, cols.maxResidual))));
        const double stepRow = std::hypot(rows.a[1], cols.a[1]), stepCol = std::hypot(rows.a[2], cols.a[2]);
        QVERIFY(std::abs(stepRow / stepCol - 1) < 1e-3);                                   // square bins
        QVERIFY(std::abs(rows.a[1] * rows.a[2] + cols.a[1] * cols.a[2]) < 1e-3 * stepRow * stepCol);  // orthogonal axes
        const JsonValue scale = readJsonFile(toPath(visium(bin, "spatial/scalefactors_json.json")));
        const double binPixels = *scale.number("bin_size_um") / *scale.number("microns_per_pixel");
        QVERIFY2(std::abs(stepRow / (stepInBins * binPixels) - 1) < 1e-3, qPrintable(QStringLiteral("step %1 px, a bin is %2 px").arg(stepRow).arg(binPixels)));
    }

    void visiumHd16umRowsAreRowsOf8um() {
        const Positions fine = readPositions("008"), coarse = readPositions("016");
        std::map<std::string, std::size_t> at;
        for (std::size_t i = 0; i < fine.barcode.size(); ++i) at[fine.barcode[i]] = i;
        for (std::size_t k = 0; k < coarse.barcode.size(); ++k) {
            const auto it = at.find(coarse.barcode[k]);
            QVERIFY2(it != at.end(), coarse.barcode[k].c_str());
            const std::size_t i = it->second;
            QVERIFY(fine.inTissue[i] == coarse.inTissue[k] && fine.row[i] == coarse.row[k] && fine.col[i] == coarse.col[k]);
            QVERIFY(sameDouble(fine.pxlRow[i], coarse.pxlRow[k]) && sameDouble(fine.pxlCol[i], coarse.pxlCol[k]));
        }
    }

    // The matrix beside the 8 um positions (Seurat's standard Visium test
    // matrix, per SOURCE.md) has barcodes that all have a position.
    void visiumHdMatrixBarcodesHavePositions() {
        JsonValue barcodes;
        QByteArray error;
        QVERIFY2(pythonJson({"-c", kMatrixBarcodes, visium("008", "filtered_feature_bc_matrix.h5")}, barcodes, error), error.constData());
        const Positions p = readPositions("008");
        const std::set<std::string> positioned(p.barcode.begin(), p.barcode.end());
        QCOMPARE(barcodes.asArray().size(), std::size_t{2695});
        for (const auto& b : barcodes.asArray()) QVERIFY2(positioned.count(b.asString()) == 1, b.asString().c_str());
    }

    // ---- generated corpus -----------------------------------------------------------

    void generatedFilesMatchTheirManifest_data() {
        QTest::addColumn<QString>("name");
        QTest::newRow("PLAIN, REQUIRED, 3 row groups, v1, UNCOMPRESSED") << "plain_v1_uncompressed.parquet";
        QTest::newRow("OPTIONAL with nulls, dictionaries, v1, GZIP") << "optional_v1_gzip.parquet";
        QTest::newRow("v2 pages, ZSTD, RLE booleans") << "v2_zstd.parquet";
        QTest::newRow("v2 pages, SNAPPY") << "v2_snappy.parquet";
        QTest::newRow("converted types, PLAIN_DICTIONARY") << "legacy_types.parquet";
        QTest::newRow("no rows, no row groups") << "empty.parquet";
        QTest::newRow("the base of the damaged files") << "damaged_base.parquet";
    }
    void generatedFilesMatchTheirManifest() {
        QFETCH(QString, name);
        const JsonValue* expected = manifest_.find(name.toStdString());
        QVERIFY(expected);
        const ParquetFile f = ParquetFile::open(toPath(corpus(name)));
        QCOMPARE(f.rowCount(), static_cast<std::int64_t>(expected->find("rows")->asNumber()));
        QCOMPARE(f.rowGroupCount(), static_cast<std::size_t>(expected->find("row_groups")->asNumber()));
        QCOMPARE(f.createdBy(), std::string("hescape test corpus (make_parquet_corpus.py)"));
        QCOMPARE(f.keyValueMetadata(), (std::vector<std::pair<std::string, std::string>>{{"written_by", "make_parquet_corpus.py"}}));
        const auto& columns = expected->find("columns")->asArray();
        QCOMPARE(f.columns().size(), columns.size());
        for (std::size_t k = 0; k < columns.size(); ++k) {
            const ParquetColumnInfo& info = f.columns()[k];
            const JsonValue& want = columns[k];
            QCOMPARE(info.name, want.find("name")->asString());
            QCOMPARE(parquetTypeName(static_cast<std::int32_t>(info.physicalType)), want.find("physical")->asString());
            QCOMPARE(info.logicalType, want.find("logical")->asString());
            QCOMPARE(info.optional, want.find("optional")->asBool());
            const ParquetColumn column = f.readColumn(info.name);
            std::string first;
            const int bad = referenceMismatches(column, want.find("values")->asArray(), first);
            QVERIFY2(bad == 0, (info.name + ": " + std::to_string(bad) + " rows differ; " + first).c_str());
            std::size_t nulls = 0;
            for (const auto& v : want.find("values")->asArray()) nulls += v.isNull();
            QCOMPARE(column.nullCount, nulls);
        }
    }

    void conversionsFollowTheLogicalType() {
        const ParquetFile legacy = ParquetFile::open(toPath(corpus("legacy_types.parquet")));
        const auto raw = std::get<std::vector<std::int32_t>>(legacy.readColumn("big_unsigned").values);
        const auto unsignedValues = legacy.readDoubles("big_unsigned");  // UINT_32: above INT32's maximum
        bool aboveInt32 = false;
        for (std::size_t i = 0; i < raw.size(); ++i) {
            QCOMPARE(unsignedValues[i], static_cast<double>(static_cast<std::uint32_t>(raw[i])));
            aboveInt32 |= unsignedValues[i] > 2147483647.0;
        }
        QVERIFY(aboveInt32);
        const auto cents = std::get<std::vector<std::int64_t>>(legacy.readColumn("price").values);
        const auto prices = legacy.readDoubles("price");  // DECIMAL(10, 2)
        for (std::size_t i = 0; i < cents.size(); ++i) QVERIFY(std::abs(prices[i] - static_cast<double>(cents[i]) / 100) < 1e-9);
        const auto small = legacy.readDoubles("small");  // nulls are NaN
        QVERIFY(std::isnan(small[9]) && small[0] == -3000 && small[1] == -2000);

        const ParquetFile gz = ParquetFile::open(toPath(corpus("optional_v1_gzip.parquet")));
        const auto flags = gz.readDoubles("opt_bool");
        QVERIFY(flags[0] == 0 && std::isnan(flags[1]) && flags[2] == 1);
        const auto strings = gz.readStrings("opt_str");
        QVERIFY(strings[0].empty() && strings[1] == "cell-037");  // nulls are ""
        const auto contains = [](const std::string& s, const char* part) { return s.find(part) != std::string::npos; };
        QVERIFY(contains(errorOf(toPath(corpus("optional_v1_gzip.parquet")), "nope"), "has no column 'nope' (its columns: opt_i32, opt_f64"));
        try {
            (void)gz.readDoubles("opt_str");
            QFAIL("readDoubles read a string column");
        } catch (const ParquetError& e) {
            QVERIFY2(contains(e.what(), "column 'opt_str' holds byte arrays (STRING), not numbers"), e.what());
        }
        try {
            (void)gz.readStrings("opt_i32");
            QFAIL("readStrings read an INT32 column");
        } catch (const ParquetError& e) {
            QVERIFY2(contains(e.what(), "column 'opt_i32' is INT32, not a string (BYTE_ARRAY) column"), e.what());
        }
    }

    void unsupportedColumnsAreRefusedByName_data() {
        QTest::addColumn<QString>("column");
        QTest::addColumn<QString>("message");
        QTest::newRow("nested leaf") << "loc.x" << "column 'loc.x' is nested inside group 'loc'";
        QTest::newRow("nested group") << "loc" << "column 'loc' is a group (a nested column)";
        QTest::newRow("repeated") << "tags" << "column 'tags' is repeated (a list)";
        QTest::newRow("FIXED_LEN_BYTE_ARRAY") << "uuid" << "column 'uuid' is FIXED_LEN_BYTE_ARRAY, which this reader does not decode";
        QTest::newRow("INT96") << "ts96" << "column 'ts96' is INT96 (legacy timestamps)";
        QTest::newRow("unknown") << "height" << "has no column 'height' (its columns: id, loc.x, loc.y, tags, uuid, ts96)";
    }
    void unsupportedColumnsAreRefusedByName() {
        QFETCH(QString, column);
        QFETCH(QString, message);
        const std::string path = toPath(corpus("unsupported_columns.parquet"));
        const ParquetFile f = ParquetFile::open(path);
        QCOMPARE(f.columns().size(), std::size_t{6});
        QCOMPARE(f.columns()[4].logicalType, std::string("UUID"));
        QCOMPARE(std::get<std::vector<std::int32_t>>(f.readColumn("id").values), (std::vector<std::int32_t>{10, 20, 30}));
        const std::string error = errorOf(path, column.toStdString());
        QVERIFY2(error.rfind(path + ": ", 0) == 0 && error.find(message.toStdString()) != std::string::npos, error.c_str());
        for (const auto& c : f.columns())
            if (c.name == column.toStdString()) QVERIFY(!c.readable && !c.whyNot.empty());
    }

    // ---- damaged files ----------------------------------------------------------------

    void damagedGeneratedFilesFailClearly_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("column");  // "" = the footer fails on open
        QTest::addColumn<QStringList>("message");
        const auto row = [](const char* name, const char* column, QStringList message) {
            QTest::newRow(name) << QString(name) + ".parquet" << QString(column) << message;
        };
        row("bad_page_past_end", "a", {"column 'a', row group 0, page 1: ", "declares 1080 bytes, only 80 remain in the column chunk"});
        row("bad_dict_index", "s", {"column 's', row group 0, page 1: ", "dictionary index 7 is out of range (the dictionary has 5 entries)"});
        row("bad_encoding_delta", "a", {"column 'a', row group 0, page 0: ", "encoding DELTA_BINARY_PACKED is not supported"});
        row("bad_encoding_bss", "d", {"column 'd', row group 0, page 0: ", "encoding BYTE_STREAM_SPLIT is not supported"});
        row("bad_codec_lz4", "a", {"column 'a', row group 0: ", "codec LZ4 is not supported"});
        row("bad_codec_brotli", "d", {"column 'd', row group 0: ", "codec BROTLI is not supported"});
        row("bad_huge_uncompressed", "a", {"column 'a', row group 0, page 0: ", "uncompressed size of 2000000000 bytes, more than the 1073741824"});
        row("bad_gzip_ratio", "a", {"column 'a', row group 0, page 0: ", "declares 900000000 bytes uncompressed, more than GZIP can expand"});
        row("bad_zstd_size", "d", {"column 'd', row group 0, page 0: ", "ZSTD data declares 128 bytes, the page header 136 bytes"});
        row("bad_snappy_size", "d", {"column 'd', row group 0, page 0: ", "SNAPPY data declares 128 bytes, the page header 136 bytes"});
        row("bad_uncompressed_size", "d", {"column 'd', row group 0, page 0: ", "UNCOMPRESSED page holds 128 bytes but its header says 136"});
        row("bad_snappy_data", "s", {"column 's', row group 0, page 0: ", "SNAPPY data is corrupt"});
        row("bad_page_values", "a", {"column 'a', row group 0, page 0: ", "the page declares 1020 values, only 40 remain in the column chunk"});
        row("bad_page_values_plus_one", "a", {"column 'a', row group 0, page 0: ", "PLAIN data of 80 bytes cannot hold 21 values"});
        row("bad_short_chunk", "a", {"column 'a', row group 0, page 2: ", "the column chunk ends after 39 of its 40 values"});
        row("bad_def_level", "d", {"column 'd', row group 0, page 0: ", "definition levels: an RLE run repeats 2"});
        row("bad_string_length", "s", {"column 's', row group 0, page 0: ", "byte array 0 of 1000000 bytes runs past the end of the page"});
        row("bad_missing_dictionary", "s", {"column 's', row group 0, page 0: ", "RLE_DICTIONARY-encoded but the column chunk has no dictionary page"});
        row("bad_chunk_offset", "d", {"column 'd', row group 0: ", "lie outside the file's column data"});
        row("bad_deep_page_header", "a", {"column 'a', row group 0, page 0: corrupt page header: ", "nest deeper than 32 levels"});
        row("bad_v2_levels", "d", {"column 'd', row group 0, page 0: ", "v2 data page's definition levels (134 bytes) are larger than the page"});
        row("bad_file_rows", "", {"corrupt footer: FileMetaData.num_rows is 47 but its row groups hold 40 rows"});
        row("bad_deep_thrift", "", {"corrupt footer (FileMetaData): ", "nest deeper than 32 levels"});
        row("bad_list_size", "", {"corrupt footer (FileMetaData): schema: a list of 1073741824 elements"});
        row("bad_schema_children", "", {"corrupt footer: the schema's groups declare more children than it lists"});
    }
    void damagedGeneratedFilesFailClearly() {
        QFETCH(QString, name);
        QFETCH(QString, column);
        QFETCH(QStringList, message);
        const std::string path = toPath(corpus(name));
        largestAllocation = 0;
        std::string error;
        try {
            error = errorOf(path, column.toStdString());
        } catch (const std::exception& e) {
            QFAIL((std::string("not a ParquetError: ") + e.what()).c_str());
        }
        QVERIFY2(!error.empty(), "no error");
        QVERIFY2(error.rfind(path + ": ", 0) == 0, error.c_str());
        for (const QString& part : message) QVERIFY2(error.find(part.toStdString()) != std::string::npos, error.c_str());
        QVERIFY2(largestAllocation < kMiB, qPrintable(QStringLiteral("allocated %1 bytes at once").arg(largestAllocation.load())));
        if (column.isEmpty()) return;
        // The other columns of the file still read, and read right.
        const ParquetFile f = ParquetFile::open(path);
        const auto& base = manifest_.find("damaged_base.parquet")->find("columns")->asArray();
        for (const auto& want : base) {
            if (want.find("name")->asString() == column.toStdString()) continue;
            std::string first;
            QCOMPARE(referenceMismatches(f.readColumn(want.find("name")->asString()), want.find("values")->asArray(), first), 0);
        }
    }

    void damagedRealFilesFailClearly_data() {
        QTest::addColumn<QString>("damage");
        QTest::addColumn<QString>("message");
        QTest::newRow("empty") << "empty" << "is 0 bytes, too short for a Parquet file";
        QTest::newRow("11 bytes") << "11 bytes" << "is 11 bytes, too short for a Parquet file";
        QTest::newRow("cut in half") << "half" << "does not end with the Parquet magic PAR1 (truncated";
        QTest::newRow("last byte cut") << "minus one" << "does not end with the Parquet magic PAR1 (truncated";
        QTest::newRow("wrong leading magic") << "leading magic" << "does not start with the Parquet magic PAR1";
        QTest::newRow("encrypted footer magic") << "PARE" << "has an encrypted footer (magic PARE)";
        QTest::newRow("footer length past the file") << "length past" << "footer length 28410 is larger than the 28398 bytes between the magics";
        QTest::newRow("footer length one more") << "length plus one" << "corrupt footer (FileMetaData): ";
        QTest::newRow("footer length one less") << "length minus one" << "corrupt footer (FileMetaData): ";
        QTest::newRow("footer zeroed") << "footer zeroed" << "corrupt footer (FileMetaData): FileMetaData.schema (a required field) is missing";
        QTest::newRow("first page header zeroed") << "page zeroed"
                                                  << "column 'cell_id', row group 0, page 0: corrupt page header: PageHeader.type is missing";
    }
    void damagedRealFilesFailClearly() {
        QFETCH(QString, damage);
        QFETCH(QString, message);
        QByteArray bytes = readAll(xenium("cells.parquet"));
        QCOMPARE(bytes.size(), qsizetype(28410));
        const std::uint32_t length = footerLength(bytes);
        if (damage == "empty") bytes.clear();
        else if (damage == "11 bytes") bytes.truncate(11);
        else if (damage == "half") bytes.truncate(bytes.size() / 2);
        else if (damage == "minus one") bytes.chop(1);
        else if (damage == "leading magic") bytes[3] = '2';
        else if (damage == "PARE") bytes[bytes.size() - 1] = 'E';
        else if (damage == "length past") setFooterLength(bytes, static_cast<std::uint32_t>(bytes.size()));
        else if (damage == "length plus one") setFooterLength(bytes, length + 1);
        else if (damage == "length minus one") setFooterLength(bytes, length - 1);
        else if (damage == "footer zeroed") std::fill(bytes.end() - 8 - length, bytes.end() - 8, '\0');
        else if (damage == "page zeroed") std::fill(bytes.begin() + 4, bytes.begin() + 24, '\0');
        const QString path = dir_.filePath(QStringLiteral("damaged_cells.parquet"));
        QVERIFY(writeFile(path, bytes));
        largestAllocation = 0;
        const std::string error = errorOf(toPath(path), "");
        QVERIFY2(error.rfind(toPath(path) + ": ", 0) == 0 && error.find(message.toStdString()) != std::string::npos, error.c_str());
        QVERIFY2(largestAllocation < kMiB, qPrintable(QStringLiteral("allocated %1 bytes at once").arg(largestAllocation.load())));
        if (damage == "page zeroed") {  // only that column is lost
            const ParquetFile f = ParquetFile::open(toPath(path));
            QCOMPARE(f.readDoubles("x_centroid").size(), std::size_t{526});
        }
    }

    // Random bytes overwritten (half the time inside the footer) must give a
    // ParquetError or a read, never a crash, another exception or a large
    // allocation. (Values may change silently: Parquet pages carry no
    // checksum here.)
    void randomDamageNeverCrashes_data() {
        QTest::addColumn<QString>("path");
        QTest::newRow("xenium cells (SNAPPY, dictionaries, v1)") << xenium("cells.parquet");
        QTest::newRow("generated v2, ZSTD") << QStringLiteral("v2_zstd.parquet");
        QTest::newRow("generated v1, GZIP, nulls") << QStringLiteral("optional_v1_gzip.parquet");
    }
    void randomDamageNeverCrashes() {
        QFETCH(QString, path);
        const QByteArray good = readAll(path.contains('/') ? path : corpus(path));
        QVERIFY(good.size() > 100);
        const qsizetype footer = good.size() - 8 - footerLength(good);
        const QString target = dir_.filePath(QStringLiteral("fuzzed.parquet"));
        std::uint64_t state = 0x9E3779B97F4A7C15ull;
        const auto next = [&] { return (state = state * 6364136223846793005ull + 1442695040888963407ull) >> 33; };
        int failed = 0, read = 0;
        largestAllocation = 0;
        for (int round = 0; round < 1500; ++round) {
            QByteArray bad = good;
            for (std::uint64_t k = 0, edits = 1 + next() % 3; k < edits; ++k) {
                const qsizetype span = round % 2 ? good.size() : good.size() - footer;
                const qsizetype at = (round % 2 ? 0 : footer) + static_cast<qsizetype>(next() % static_cast<std::uint64_t>(span));
                bad[at] = static_cast<char>(next() & 0xFF);
            }
            QVERIFY(writeFile(target, bad));
            try {
                const std::string error = errorOf(toPath(target), "");
                QVERIFY2(error.empty() || error.rfind(toPath(target) + ": ", 0) == 0, error.c_str());
                error.empty() ? ++read : ++failed;
            } catch (const std::exception& e) {
                QFAIL(qPrintable(QStringLiteral("round %1: not a ParquetError: %2").arg(round).arg(e.what())));
            }
        }
        qInfo() << path << ":" << failed << "damaged files refused," << read << "read";
        QVERIFY(failed > 100);
        QVERIFY2(largestAllocation < 4 * kMiB, qPrintable(QStringLiteral("allocated %1 bytes at once").arg(largestAllocation.load())));
    }

    // ---- the layers under the reader --------------------------------------------------

    void thriftReaderChecksEveryLength() {
        // {1: i32 -3, 2: "ab", 300: true (long form), 301: double 1.5} then stop
        const std::vector<std::uint8_t> good{0x15, 0x05, 0x18, 0x02, 'a', 'b', 0x01, 0xD8, 0x04, 0x17,
                                             0, 0, 0, 0, 0, 0, 0xF8, 0x3F, 0x00};
        ThriftCompactReader r(good);
        r.beginStruct();
        std::int16_t id = 0;
        ThriftType type = ThriftType::Stop;
        QVERIFY(r.nextField(id, type) && id == 1 && type == ThriftType::I32 && r.readI32() == -3);
        QVERIFY(r.nextField(id, type) && id == 2 && r.readBinary() == "ab");
        QVERIFY(r.nextField(id, type) && id == 300 && r.readFieldBool(type));
        QVERIFY(r.nextField(id, type) && id == 301 && r.readDouble() == 1.5);
        QVERIFY(!r.nextField(id, type));
        r.endStruct();
        QCOMPARE(r.remaining(), std::size_t{0});

        const auto fails = [](std::vector<std::uint8_t> bytes, const char* message, auto&& read) {
            ThriftCompactReader reader(bytes);
            try {
                read(reader);
            } catch (const ThriftError& e) {
                return std::string(e.what()).find(message) != std::string::npos;
            }
            return false;
        };
        QVERIFY(fails(std::vector<std::uint8_t>(11, 0xFF), "longer than 10 bytes", [](auto& t) { (void)t.readI64(); }));
        QVERIFY(fails({0x06, 'a', 'b'}, "a string of 6 bytes at offset 1 runs past", [](auto& t) { (void)t.readBinary(); }));
        QVERIFY(fails({0xF5, 0x80, 0x80, 0x80, 0x80, 0x04}, "a list of 1073741824 elements", [](auto& t) { (void)t.readListHeader(); }));
        QVERIFY(fails({0x80, 0x80, 0x80, 0x80, 0x10}, "an i32 value 2147483648 is out of range", [](auto& t) { (void)t.readI32(); }));
        QVERIFY(fails(std::vector<std::uint8_t>(100, 0x1C), "nest deeper than 32 levels", [](auto& t) { t.skip(ThriftType::Struct); }));
        QVERIFY(fails({0x19, 0x2C}, "a list of 2 elements at offset 2 cannot fit in the 0 bytes", [](auto& t) { t.skip(ThriftType::Struct); }));
        QVERIFY(fails({0x15}, "needs 1 bytes at offset 1, only 0 remain", [](auto& t) { t.skip(ThriftType::Struct); }));
    }

    void hybridDecoderFollowsEncodingsMd() {
        // Encodings.md's example: 0..7 bit-packed at width 3 are 10001000 11000110 11111010.
        const std::vector<std::uint8_t> packed{0x03, 0x88, 0xC6, 0xFA};
        std::vector<std::uint32_t> values;
        RleBitPackedDecoder(packed, 3).decode(8, values);
        QCOMPARE(values, (std::vector<std::uint32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
        // An RLE run of 5 fours at width 3, then 300 nines at width 9 (two value bytes).
        std::vector<std::uint8_t> levels;
        RleBitPackedDecoder(std::vector<std::uint8_t>{0x0A, 0x04}, 3).decode(5, levels);
        QCOMPARE(levels, (std::vector<std::uint8_t>(5, 4)));
        values.clear();
        RleBitPackedDecoder(std::vector<std::uint8_t>{0xD8, 0x04, 0x09, 0x00}, 9).decode(300, values);
        QCOMPARE(values, (std::vector<std::uint32_t>(300, 9)));
        try {
            RleBitPackedDecoder(packed, 3).decode(9, values);
            QFAIL("decoded past the end");
        } catch (const ParquetError& e) {
            QVERIFY2(std::string(e.what()) == "RLE/bit-packed data ends 1 values early", e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestParquetFile)
#include "tst_parquet_file.moc"
