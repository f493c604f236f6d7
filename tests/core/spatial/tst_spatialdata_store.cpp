// SpatialData stores against independent writers and independent values
// (make_spatialdata_corpus.py): the demo's C3.h5ad as a SpatialData table
// written by anndata's own write_zarr (Zarr v2) and converted to Zarr v3 from
// the specification, its spots as GeoParquet circles (the spec-written Parquet
// writer of tests/core/io) and as spatialdata's older Zarr shapes layout, with
// scale / translation / affine / sequence transformations and image elements
// made from C3.tiff. Every expression row, obs column and obsm value must
// equal what h5py reads from C3.h5ad; every position after the composed
// transform what numpy computes from the same transformations; diameters
// 2 x radius (polygons: the equal-area circle, from composite-figure areas).
// Every bad store must fail naming the store, the element and the field.
#include "core/io/ZarrCodecs.h"
#include "core/slide/Slide.h"
#include "core/spatial/AnnDataZarrReader.h"
#include "core/spatial/ShapeGeometry.h"
#include "core/spatial/SpatialDataStore.h"
#include "tests/core/TestSupport.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>

using namespace hescape;
using namespace hescape::test;

namespace {

bool near(double a, double b, double tol) { return std::abs(a - b) <= tol * std::max(1.0, std::abs(b)); }

std::vector<std::string> strings(const QJsonArray& a) {
    std::vector<std::string> out;
    for (const auto& v : a) out.push_back(v.toString().toStdString());
    return out;
}

}  // namespace

class TestSpatialDataStore : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QJsonObject expected_;
    std::vector<float> x_;  // C3's X as h5py reads it

    std::string store(const QString& name) const { return toPath(dir_.filePath(name)); }
    QJsonObject storeExpected(const QString& name) const { return expected_["stores"].toObject()[name].toObject(); }

    static void checkTransform(const AffineTransform& t, const QJsonArray& e) {
        QCOMPARE(e.size(), 6);
        for (int k = 0; k < 6; ++k) QVERIFY2(near(t.m[static_cast<std::size_t>(k)], e[k].toDouble(), 1e-12), qPrintable(QString::number(k)));
    }

    void checkC3Table(const SpatialDataset& ds, bool counts) const {
        QCOMPARE(ds.obsNames, strings(expected_["obs_names"].toArray()));
        QCOMPARE(ds.geneNames, strings(expected_["var_names"].toArray()));
        const auto rows = static_cast<std::size_t>(ds.observationCount()), cols = static_cast<std::size_t>(ds.geneCount());
        QCOMPARE(rows * cols, x_.size());
        for (std::size_t r = 0; r < rows; ++r) {
            const auto row = ds.expression.row(static_cast<std::int64_t>(r));
            QVERIFY(std::memcmp(row.data(), x_.data() + r * cols, cols * sizeof(float)) == 0);
            if (counts) {
                const auto c = ds.rawCounts->row(static_cast<std::int64_t>(r));
                QVERIFY(std::memcmp(c.data(), x_.data() + r * cols, cols * sizeof(float)) == 0);
            }
        }
        QCOMPARE(ds.rawCounts.has_value(), counts);
        const QJsonObject obs = expected_["obs"].toObject();
        for (const char* name : {"section", "patient"}) {
            const ObsColumn* c = ds.obsColumn(name);
            QVERIFY(c && c->kind == ObsColumn::Kind::Categorical);
            QCOMPARE(c->categories, strings(obs[name].toObject()["categories"].toArray()));
            const auto codes = obs[name].toObject()["codes"].toArray();
            QCOMPARE(c->codes.size(), static_cast<std::size_t>(codes.size()));
            for (int i = 0; i < codes.size(); ++i) QCOMPARE(c->codes[static_cast<std::size_t>(i)], codes[i].toInt());
        }
        for (const char* name : {"array_x", "array_y"}) {
            const ObsColumn* c = ds.obsColumn(name);
            QVERIFY(c && c->kind == ObsColumn::Kind::Numeric);
            const auto values = obs[name].toObject()["values"].toArray();
            for (int i = 0; i < values.size(); ++i) QCOMPARE(c->numbers[static_cast<std::size_t>(i)], values[i].toDouble());
        }
        const auto spatial = expected_["obsm_spatial"].toArray();
        const Embedding& e = ds.obsm.at("spatial");
        QCOMPARE(e.rows, static_cast<std::int64_t>(spatial.size()));
        QCOMPARE(e.dims, 2);
        for (int i = 0; i < spatial.size(); ++i)
            for (int d = 0; d < 2; ++d)
                QCOMPARE(e.values[static_cast<std::size_t>(i * 2 + d)], static_cast<float>(spatial[i].toArray()[d].toDouble()));
    }

    // Coordinates, the composed transform, positions on the image and the diameter.
    static void checkPlacement(const SpatialDataset& ds, const QJsonObject& e, double positionTol) {
        const auto coords = e["coordinates"].toArray(), slide = e["slide_xy"].toArray();
        QCOMPARE(ds.coordinates.size(), static_cast<std::size_t>(coords.size()));
        checkTransform(ds.toSlide, e["to_slide"].toArray());
        for (int i = 0; i < coords.size(); ++i) {
            const auto& p = ds.coordinates[static_cast<std::size_t>(i)];
            QVERIFY(near(p.x, coords[i].toArray()[0].toDouble(), 1e-12) && near(p.y, coords[i].toArray()[1].toDouble(), 1e-12));
            double x = 0, y = 0;
            ds.toSlide.apply(p.x, p.y, x, y);
            QVERIFY2(std::abs(x - slide[i].toArray()[0].toDouble()) < positionTol && std::abs(y - slide[i].toArray()[1].toDouble()) < positionTol,
                     qPrintable(QStringLiteral("row %1").arg(i)));
        }
        QVERIFY(ds.spotDiameter);
        QVERIFY(near(*ds.spotDiameter, e["spot_diameter"].toDouble(), 1e-12));
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        const auto r = runProcess(QStringLiteral(HESCAPE_TEST_PYTHON),
                                  {QStringLiteral(HESCAPE_SOURCE_DIR "/tests/core/spatial/make_spatialdata_corpus.py"), dir_.path()});
        QVERIFY2(r.finished && r.exitCode == 0, r.err.constData());
        QFile f(dir_.filePath("expected.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        expected_ = QJsonDocument::fromJson(f.readAll()).object();
        QVERIFY(!expected_.isEmpty());
        QFile xf(dir_.filePath("X.f32"));
        QVERIFY(xf.open(QIODevice::ReadOnly));
        const QByteArray raw = xf.readAll();
        x_.resize(static_cast<std::size_t>(raw.size()) / sizeof(float));
        std::memcpy(x_.data(), raw.constData(), x_.size() * sizeof(float));
        QCOMPARE(x_.size(), static_cast<std::size_t>(expected_["n_obs"].toInt() * expected_["n_vars"].toInt()));
    }

    void recognisesStores() {
        for (const char* name : {"c3_v2_parquet.zarr", "c3_v2_zarrshapes.zarr", "c3_v3.zarr", "cells_v2.zarr"})
            QVERIFY2(isSpatialDataStore(store(name)), name);
        QVERIFY(!isSpatialDataStore(store("c3_v2_parquet.zarr/tables/table")));  // an AnnData group
        QVERIFY(!isSpatialDataStore(store("c3_v2_parquet.zarr/images/he")));     // an OME-Zarr image
        QVERIFY(!isSpatialDataStore(store("c3_v3.zarr/images/he")));
        QVERIFY(!isSpatialDataStore(store("no_such.zarr")));
        QVERIFY(!isSpatialDataStore(toPath(dir_.path())));
        QVERIFY_THROWS_EXCEPTION(DatasetError, listSpatialDataStore(store("c3_v2_parquet.zarr/tables/table")));
    }

    void listsElementsAndCoordinateSystems() {
        const auto a = listSpatialDataStore(store("c3_v2_parquet.zarr"));
        QCOMPARE(a.zarrFormat, 2);
        QCOMPARE(a.version, std::string("0.1"));
        const auto names = storeExpected("c3_v2_parquet.zarr")["elements"].toArray();
        QCOMPARE(a.elements.size(), static_cast<std::size_t>(names.size()));
        for (int i = 0; i < names.size(); ++i) {
            QCOMPARE(a.elements[static_cast<std::size_t>(i)].kind, names[i].toArray()[0].toString().toStdString());
            QCOMPARE(a.elements[static_cast<std::size_t>(i)].name, names[i].toArray()[1].toString().toStdString());
            QVERIFY(a.elements[static_cast<std::size_t>(i)].error.empty());
        }
        QCOMPARE(a.coordinateSystems, std::vector<std::string>{"global"});
        const SpatialDataElement* he = a.find("images", "he");
        QVERIFY(he && he->transforms.size() == 1);
        QCOMPARE(he->transforms[0].coordinateSystem, std::string("global"));
        QCOMPARE(he->transforms[0].toSystem.m[0], 8.0);
        QCOMPARE(he->transforms[0].toSystem.m[4], 8.0);
        QVERIFY(contains(he->detail, "2 levels") && contains(he->detail, "c y x"));
        QVERIFY(contains(a.find("tables", "table")->detail, "spots"));
        QVERIFY(contains(a.find("shapes", "spots")->detail, "geoparquet"));

        const auto c = listSpatialDataStore(store("c3_v3.zarr"));
        QCOMPARE(c.zarrFormat, 3);
        QCOMPARE(c.version, std::string("0.2"));
        QCOMPARE(c.coordinateSystems, (std::vector<std::string>{"aligned", "global"}));
        QCOMPARE(listSpatialDataStore(store("c3_v2_zarrshapes.zarr")).find("shapes", "spots")->detail, std::string("zarr arrays"));
        // A damaged element is listed with its error, not thrown.
        const auto bad = listSpatialDataStore(store("bad_unknown_transform.zarr"));
        QVERIFY(contains(bad.find("shapes", "spots")->error, "bogus"));
    }

    void c3StoresMatchTheH5ad_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("layout");
        QTest::newRow("Zarr v2, GeoParquet circles, sequence(scale, translation), dense X") << "c3_v2_parquet.zarr" << int(MatrixLayout::Dense);
        QTest::newRow("Zarr v2, zarr shapes 0.1, affine, CSR X + counts") << "c3_v2_zarrshapes.zarr" << int(MatrixLayout::Csr);
        QTest::newRow("Zarr v3 sharded, big-endian WKB, string ids, affine image") << "c3_v3.zarr" << int(MatrixLayout::Dense);
    }
    void c3StoresMatchTheH5ad() {
        QFETCH(QString, name);
        QFETCH(int, layout);
        const QJsonObject e = storeExpected(name);
        SpatialDataChoice choice;
        const SpatialDataset ds = readSpatialDataStore(store(name), {}, {}, &choice);
        QCOMPARE(ds.format, std::string("spatialdata"));
        QCOMPARE(ds.source, store(name));
        QCOMPARE(int(ds.expression.layout()), layout);
        QVERIFY(ds.expression.integerValued());
        checkC3Table(ds, e["counts"].toBool());
        if (e["counts_layout"].toString() == "csc") QCOMPARE(int(ds.rawCounts->layout()), int(MatrixLayout::Csc));
        QCOMPARE(choice.table, std::string("table"));
        QCOMPARE(choice.shapes, std::vector<std::string>{"spots"});
        QCOMPARE(choice.coordinateSystem, std::string("global"));
        QCOMPARE(choice.image, e["image"].toString().toStdString());
        QCOMPARE(choice.imagePath, store(name + "/images/he"));
        QVERIFY(ds.metadata.count("spatialdata.image:he") && ds.metadata.count("spatialdata.coordinate_system:global"));
        QVERIFY(ds.metadata.count("spatialdata.table:table") && ds.metadata.count("spatialdata.shapes:spots"));
        if (e.contains("microns_per_pixel")) {
            QVERIFY(choice.micronsPerPixel && near(*choice.micronsPerPixel, e["microns_per_pixel"].toDouble(), 1e-12));
            QCOMPARE(ds.metadata.at("microns_per_pixel"), *choice.micronsPerPixel);
            QCOMPARE(ds.metadata.at("spatialdata.microns_per_pixel_known"), 1.0);
        } else {  // spatialdata's placeholder unit: unknown, not invented
            QVERIFY(!choice.micronsPerPixel && !ds.metadata.count("microns_per_pixel"));
            QCOMPARE(ds.metadata.at("spatialdata.microns_per_pixel_known"), 0.0);
        }
        checkPlacement(ds, e, 1e-6);
    }

    void imageElementOpensAsASlide() {
        // The chosen image is C3.tiff downsampled 8x: spots land at obsm/spatial / 8 on it.
        SpatialDataChoice choice;
        const SpatialDataset ds = readSpatialDataStore(store("c3_v2_parquet.zarr"), {}, {}, &choice);
        const auto slide = openSlide(choice.imagePath);
        QCOMPARE(slide->format(), std::string("ome-zarr"));
        const auto size = storeExpected("c3_v2_parquet.zarr")["he_level0"].toArray();
        QCOMPARE(slide->width(), static_cast<std::int64_t>(size[0].toInt()));
        QCOMPARE(slide->height(), static_cast<std::int64_t>(size[1].toInt()));
        const auto spatial = expected_["obsm_spatial"].toArray();
        for (std::size_t i = 0; i < ds.coordinates.size(); ++i) {
            double x = 0, y = 0;
            ds.toSlide.apply(ds.coordinates[i].x, ds.coordinates[i].y, x, y);
            QVERIFY(std::abs(x - spatial[int(i)].toArray()[0].toDouble() / 8) < 1e-6);
            QVERIFY(std::abs(y - spatial[int(i)].toArray()[1].toDouble() / 8) < 1e-6);
        }
    }

    void optionsChooseTheSystemAndImage() {
        const QJsonObject a = storeExpected("c3_v2_parquet.zarr");
        SpatialDataOptions o;
        o.withoutImage = true;
        SpatialDataChoice choice;
        checkTransform(readSpatialDataStore(store("c3_v2_parquet.zarr"), o, {}, &choice).toSlide, a["without_image_to_slide"].toArray());
        QVERIFY(choice.image.empty() && choice.imagePath.empty());
        o = {};
        o.image = "he_lowres";
        checkTransform(readSpatialDataStore(store("c3_v2_parquet.zarr"), o, {}, &choice).toSlide, a["lowres_to_slide"].toArray());
        QCOMPARE(choice.image, std::string("he_lowres"));
        o = {};
        o.coordinateSystem = "aligned";  // no image maps there: the system itself
        checkTransform(readSpatialDataStore(store("c3_v3.zarr"), o, {}, &choice).toSlide,
                       storeExpected("c3_v3.zarr")["aligned_to_slide"].toArray());
        QCOMPARE(choice.coordinateSystem, std::string("aligned"));
        QVERIFY(choice.image.empty());
        o = {};
        o.table = "other";
        QVERIFY_THROWS_EXCEPTION(DatasetError, readSpatialDataStore(store("c3_v3.zarr"), o));
        o = {};
        o.coordinateSystem = "nowhere";
        QVERIFY_THROWS_EXCEPTION(DatasetError, readSpatialDataStore(store("c3_v3.zarr"), o));
        o = {};
        o.image = "no_image";
        QVERIFY_THROWS_EXCEPTION(DatasetError, readSpatialDataStore(store("c3_v3.zarr"), o));
    }

    void polygonsOfTwoRegions() {
        const QJsonObject e = storeExpected("cells_v2.zarr");
        SpatialDataChoice choice;
        const SpatialDataset ds = readSpatialDataStore(store("cells_v2.zarr"), {}, {}, &choice);
        QCOMPARE(choice.shapes, (std::vector<std::string>{"cells", "cells_legacy"}));
        QVERIFY(choice.image.empty());
        QCOMPARE(ds.obsNames, strings(e["obs_names"].toArray()));
        checkPlacement(ds, e, 1e-9);  // several elements: coordinates in "global", identity onto it
        const ObsColumn* d = ds.obsColumn("shape_diameter");
        QVERIFY(d && d->kind == ObsColumn::Kind::Numeric);
        const auto diam = e["shape_diameter"].toArray();
        for (int i = 0; i < diam.size(); ++i) QVERIFY(near(d->numbers[static_cast<std::size_t>(i)], diam[i].toDouble(), 1e-12));
        const auto X = e["X"].toArray();
        for (int r = 0; r < X.size(); ++r) {
            const auto row = ds.expression.row(r);
            for (int c = 0; c < 4; ++c) QCOMPARE(row[static_cast<std::size_t>(c)], static_cast<float>(X[r].toArray()[c].toDouble()));
        }
        QVERIFY(!ds.expression.integerValued());
        // Nullable integers and booleans (values + mask): NaN where missing; bools as 0 / 1.
        for (const char* name : {"nullable", "maybe", "flag"}) {
            const ObsColumn* c = ds.obsColumn(name);
            QVERIFY2(c && c->kind == ObsColumn::Kind::Numeric, name);
            for (int i = 0; i < 6; ++i) {
                const QJsonValue v = e[name].toArray()[i];
                if (v.isNull()) QVERIFY(std::isnan(c->numbers[static_cast<std::size_t>(i)]));
                else QCOMPARE(c->numbers[static_cast<std::size_t>(i)], v.toDouble());
            }
        }
        // Points and labels are listed with their systems, and are not observations.
        const auto listing = listSpatialDataStore(store("cells_v2.zarr"));
        const auto kinds = e["elements"].toArray();
        QCOMPARE(listing.elements.size(), static_cast<std::size_t>(kinds.size()));
        for (int i = 0; i < kinds.size(); ++i) {
            const auto& el = listing.elements[static_cast<std::size_t>(i)];
            QCOMPARE(el.kind, kinds[i].toArray()[0].toString().toStdString());
            QCOMPARE(el.name, kinds[i].toArray()[1].toString().toStdString());
            QVERIFY2(el.error.empty(), el.error.c_str());
            if (el.kind != "tables") QCOMPARE(el.transforms.at(0).coordinateSystem, std::string("global"));
        }
        QCOMPARE(listing.find("points", "transcripts")->transforms[0].toSystem.m[0], 0.5);
        const auto attrs = readSpatialDataTableAttrs(store("cells_v2.zarr/tables/table"));
        QCOMPARE(attrs.regions, (std::vector<std::string>{"cells", "cells_legacy"}));
        QCOMPARE(attrs.regionKey, std::string("region"));
        QCOMPARE(attrs.instanceKey, std::string("cell_id"));
    }

    void annDataZarrOnItsOwn() {
        // The table alone, as the AnnData Zarr reader gives it: obsm/spatial as coordinates.
        const SpatialDataset ds = readAnnDataZarr(store("c3_v3.zarr/tables/table"));
        QCOMPARE(ds.format, std::string("anndata-zarr"));
        checkC3Table(ds, true);
        const auto spatial = expected_["obsm_spatial"].toArray();
        for (int i = 0; i < spatial.size(); ++i) QCOMPARE(ds.coordinates[static_cast<std::size_t>(i)].x, spatial[i].toArray()[0].toDouble());
        QVERIFY_THROWS_EXCEPTION(DatasetError, readAnnDataZarr(store("c3_v3.zarr/shapes/spots")));
    }

    void badStoresNameTheFault_data() {
        QTest::addColumn<QString>("name");
        for (const auto& key : expected_["bad"].toObject().keys()) QTest::newRow(qPrintable(key)) << key;
    }
    void badStoresNameTheFault() {
        QFETCH(QString, name);
        const std::string path = store(name);
        try {
            readSpatialDataStore(path);
            QFAIL("no error");
        } catch (const DatasetError& err) {
            const std::string what = err.what();
            QVERIFY2(contains(what, path), err.what());
            for (const auto& part : expected_["bad"].toObject()[name].toArray())
                QVERIFY2(contains(what, part.toString().toStdString()), err.what());
        }
    }

    void transformationsAsSpatialdataDefinesThem() {
        // mapAxis swapping x and y, then a rotation by 90 degrees, in a sequence whose steps name no axes.
        const JsonValue list = parseJson(R"([{"type": "sequence", "input": {"name": "xy", "axes": [{"name": "x"}, {"name": "y"}]},
            "output": {"name": "global", "axes": [{"name": "x", "unit": "micrometer"}, {"name": "y"}]},
            "transformations": [{"type": "mapAxis", "mapAxis": {"x": "y", "y": "x"}},
                                {"type": "rotation", "rotation": [0, -1, 1, 0]},
                                {"type": "translation", "translation": [5, 7]}]}])",
                                         "test");
        const auto t = parseSpatialDataTransforms(list, {"x", "y"}, "test");
        QCOMPARE(t.size(), std::size_t{1});
        QCOMPARE(t[0].unit, std::string("micrometer"));
        // (x, y) -> swap -> (y, x) -> rotate [[0,-1],[1,0]] -> (-x, y) -> + (5, 7)
        double x = 0, y = 0;
        t[0].toSystem.apply(2, 3, x, y);
        QCOMPARE(x, 3.0);
        QCOMPARE(y, 10.0);
        QCOMPARE(micronsPerUnit("nanometer"), 1e-3);
        QCOMPARE(micronsPerUnit("unit"), 0.0);
        // x depending on the channel axis, byDimension and an output without a name are refused.
        const char* refused[] = {
            R"([{"type": "affine", "affine": [[1,0,0,0],[0,1,0,0],[2,0,1,0]], "input": {"name": "cyx", "axes": [{"name": "c"}, {"name": "y"}, {"name": "x"}]}, "output": {"name": "g", "axes": [{"name": "c"}, {"name": "y"}, {"name": "x"}]}}])",
            R"([{"type": "byDimension", "transformations": [], "output": {"name": "g", "axes": [{"name": "x"}, {"name": "y"}]}}])",
            R"([{"type": "scale", "scale": [1, 2]}])",
            R"([{"type": "scale", "scale": [1, 2, 3], "output": "g"}])"};
        for (const char* text : refused)
            QVERIFY_THROWS_EXCEPTION(DatasetError, parseSpatialDataTransforms(parseJson(text, "test"), {"x", "y"}, "test"));
    }

    void wkbIsCheckedByteByByte() {
        // POINT EMPTY is NaN; truncated, unknown and trailing bytes are refused.
        std::string point(21, '\0');
        point[0] = 1;
        point[1] = 1;
        const double nan = std::nan("");
        std::memcpy(point.data() + 5, &nan, 8);
        std::memcpy(point.data() + 13, &nan, 8);
        QVERIFY(std::isnan(wkbShapeCentre(point).x));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, wkbShapeCentre(point.substr(0, 15)));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, wkbShapeCentre(point + "x"));
        std::string line = point;
        line[1] = 2;  // LINESTRING
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, wkbShapeCentre(line));
        std::string hugeRings(9, '\0');
        hugeRings[0] = 1;
        hugeRings[1] = 3;
        hugeRings[5] = hugeRings[6] = hugeRings[7] = hugeRings[8] = '\xff';  // 4 billion rings in 9 bytes
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, wkbShapeCentre(hugeRings));
    }
};

QTEST_GUILESS_MAIN(TestSpatialDataStore)
#include "tst_spatialdata_store.moc"
