// Spatial maths with hand-checkable answers: landmark registration recovers a
// known affine map (exactly from 3 points, in least squares from noisy ones);
// affine inverse and composition; the grid index agrees with brute force;
// percentiles agree with numpy's linear interpolation; expression matrix
// layouts agree with each other; display normalisations and gene-set scores;
// the all-sections grid's layout at one scale and its pooled colour range.
#include "core/spatial/ExpressionValues.h"
#include "core/spatial/LandmarkRegistration.h"
#include "core/spatial/PointGridIndex.h"
#include "core/spatial/RegistrationFile.h"
#include "core/spatial/SectionGrid.h"

#include <QTemporaryDir>
#include <fstream>

#include <QtTest/QtTest>

#include <cmath>
#include <memory>
#include <random>
#include <thread>

using namespace hescape;

class TestSpatialMath : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void landmarksRecoverKnownAffine() {
        // Rotation by 30 degrees, scale 1.45, shear, shift.
        const double c = std::cos(M_PI / 6), s = std::sin(M_PI / 6);
        const AffineTransform truth{{1.45 * c, -1.45 * s + 0.05, 1234.5, 1.45 * s, 1.45 * c, -321.25}};
        std::vector<LandmarkPair> pairs;
        for (const auto& [x, y] : std::vector<std::pair<double, double>>{{10, 20}, {5000, 300}, {2500, 4000}}) {
            LandmarkPair p{{x, y}, {}};
            truth.apply(x, y, p.slide.x, p.slide.y);
            pairs.push_back(p);
        }
        const AffineFit exact = fitAffine(pairs);
        for (int i = 0; i < 6; ++i) QVERIFY2(std::abs(exact.transform.m[i] - truth.m[i]) < 1e-9, qPrintable(QString::number(i)));
        QVERIFY(exact.rmsError < 1e-6);

        std::mt19937 rng(3);
        std::normal_distribution<double> noise(0.0, 0.5);
        std::uniform_real_distribution<double> pos(0, 8000);
        pairs.clear();
        for (int i = 0; i < 200; ++i) {
            LandmarkPair p{{pos(rng), pos(rng)}, {}};
            truth.apply(p.dataset.x, p.dataset.y, p.slide.x, p.slide.y);
            p.slide.x += noise(rng);
            p.slide.y += noise(rng);
            pairs.push_back(p);
        }
        const AffineFit ls = fitAffine(pairs);
        for (int i : {0, 1, 3, 4}) QVERIFY(std::abs(ls.transform.m[i] - truth.m[i]) < 1e-3);
        for (int i : {2, 5}) QVERIFY(std::abs(ls.transform.m[i] - truth.m[i]) < 0.5);
        QVERIFY(ls.rmsError > 0.4 && ls.rmsError < 1.0);  // sqrt(2) * 0.5 expected

        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, fitAffine({pairs[0], pairs[1]}));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 fitAffine({{{0, 0}, {0, 0}}, {{1, 1}, {2, 2}}, {{2, 2}, {4, 4}}}));  // collinear
    }

    void registrationFileRoundTripAndBadFiles() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("d.h5ad.registration.json").toStdString();
        QVERIFY(!loadRegistration(path).has_value());
        Registration r{AffineTransform{{1.0 / 3.0, 0.1, 1e6 / 7.0, -0.2, 2.5, -123.456}},
                       {{{1, 2}, {3, 4}}, {{5.5, 6}, {7, 8.25}}}, "slide \"x\".tiff"};
        saveRegistration(path, r);
        const auto back = loadRegistration(path);
        QVERIFY(back.has_value());
        QVERIFY(back->transform.m == r.transform.m);  // 17 digits: exact
        QCOMPARE(back->landmarks.size(), std::size_t{2});
        QCOMPARE(back->landmarks[1].slide.y, 8.25);
        QCOMPARE(back->slide, r.slide);
        QVERIFY(QDir(dir.path()).entryList(QDir::Files) == QStringList{"d.h5ad.registration.json"});  // no temp left
        for (const char* bad : {"{\"affine\": [1, 2, 3]}", "{\"affine\": [1, 2, 0, 2, 4, 0]}", "{\"affine\": ", "[]"}) {
            std::ofstream(path) << bad;
            try {
                loadRegistration(path);
                QFAIL(bad);
            } catch (const std::runtime_error& e) {
                QVERIFY2(std::string(e.what()).find(path) == 0, e.what());
            }
        }
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, saveRegistration("/nonexistent-dir/x.json", r));
    }

    void affineInverseAndComposition() {
        const AffineTransform a{{2, 0.5, 10, -0.25, 3, -7}};
        const AffineTransform id = a.inverse().after(a);
        const std::array<double, 6> expect{1, 0, 0, 0, 1, 0};
        for (int i = 0; i < 6; ++i) QVERIFY(std::abs(id.m[i] - expect[i]) < 1e-12);
        double x = 0, y = 0;
        AffineTransform::translation(5, 6).after(AffineTransform::scale(2, 3)).apply(1, 1, x, y);
        QCOMPARE(x, 7.0);
        QCOMPARE(y, 9.0);
        QVERIFY_THROWS_EXCEPTION(std::domain_error, (AffineTransform{{1, 2, 0, 2, 4, 0}}.inverse()));
    }

    void gridIndexMatchesBruteForce() {
        std::mt19937 rng(11);
        std::uniform_real_distribution<float> pos(-500, 20000);
        std::vector<float> xy(2 * 20000);
        for (auto& v : xy) v = pos(rng);
        const PointGridIndex index(xy);
        for (int q = 0; q < 300; ++q) {
            const double qx = pos(rng), qy = pos(rng), r = 150;
            std::optional<std::int64_t> brute;
            double best = r * r;
            for (std::size_t i = 0; i < xy.size() / 2; ++i) {
                const double d = (xy[2 * i] - qx) * (xy[2 * i] - qx) + (xy[2 * i + 1] - qy) * (xy[2 * i + 1] - qy);
                if (d <= best) {
                    best = d;
                    brute = static_cast<std::int64_t>(i);
                }
            }
            const auto got = index.nearest(qx, qy, r);
            QCOMPARE(got.has_value(), brute.has_value());
            if (got) {
                const double dg = std::hypot(xy[2 * *got] - qx, xy[2 * *got + 1] - qy);
                QVERIFY(std::abs(dg - std::sqrt(best)) < 1e-9);
            }
        }
        const auto rect = index.inRect(1000, 2000, 3000, 2500);
        std::vector<std::int64_t> brute;
        for (std::size_t i = 0; i < xy.size() / 2; ++i)
            if (xy[2 * i] >= 1000 && xy[2 * i] <= 3000 && xy[2 * i + 1] >= 2000 && xy[2 * i + 1] <= 2500)
                brute.push_back(static_cast<std::int64_t>(i));
        QVERIFY(rect == brute);
        QVERIFY(!PointGridIndex().nearest(0, 0, 10).has_value());
    }

    void percentileLikeNumpy() {
        // numpy.percentile([1, 2, 3, 4, 10], [0, 25, 50, 90, 99, 100]) = 1, 2, 3, 7.6, 9.76, 10
        const std::vector<float> v{4, 1, 10, 3, 2, std::nanf("")};
        QCOMPARE(percentile(v, 0), 1.0);
        QCOMPARE(percentile(v, 25), 2.0);
        QCOMPARE(percentile(v, 50), 3.0);
        QVERIFY(std::abs(percentile(v, 90) - 7.6) < 1e-6);
        QVERIFY(std::abs(percentile(v, 99) - 9.76) < 1e-5);
        QCOMPARE(percentile(v, 100), 10.0);
    }

    void sectionGridIsOneScaleInTheBestColumns() {
        // Six 2000 x 1000 um sections and one 1000 x 3000: cells are the largest width and height.
        std::vector<SectionExtent> e(6, {2000, 1000});
        e.push_back({1000, 3000});
        const SectionGridLayout wide = layoutSectionGrid(e, 16.0 / 9.0);
        QCOMPARE(wide.cellWidth, 2000.0);
        QCOMPARE(wide.cellHeight, 3000.0);
        // Brute force: the column count whose grid is largest in a 16:9 area.
        int best = 0;
        double bestScale = 0;
        for (int c = 1; c <= 7; ++c) {
            const int r = (7 + c - 1) / c;
            const double scale = std::min(16.0 / 9.0 / (c * 2000.0), 1.0 / (r * 3000.0));
            if (scale > bestScale) bestScale = scale, best = c;
        }
        QCOMPARE(wide.columns, best);
        QCOMPARE(wide.rows, (7 + best - 1) / best);
        // Row-major, each section centred in its cell.
        QCOMPARE(wide.x[1], 2000.0);
        QCOMPARE(wide.y[0], 1000.0);  // (3000 - 1000) / 2
        QCOMPARE(wide.x[6], (6 % best) * 2000.0 + 500.0);
        QCOMPARE(wide.y[6], (6 / best) * 3000.0);
        // A tall area stacks them in one column; nothing and bad sizes are handled.
        QCOMPARE(layoutSectionGrid(e, 0.05).columns, 1);
        QCOMPARE(layoutSectionGrid({}, 1.0).columns, 0);
        const SectionGridLayout bad = layoutSectionGrid({{std::nan(""), -3}}, 1.0);
        QCOMPARE(bad.cellWidth, 1.0);
        QCOMPARE(bad.columns, 1);
    }

    void sharedColourRangePoolsAllSections() {
        // numpy.percentile([1, 2, 3, 4, 10], [1, 99]) = 1.04, 9.76: pooled over
        // sections, NaN and infinities left out.
        const SharedColourRange r = sharedColourRange({{4, 1, std::nanf("")}, {10, INFINITY}, {3, 2}});
        QCOMPARE(r.count, std::size_t{5});
        QVERIFY(std::abs(r.lo - 1.04) < 1e-6);
        QVERIFY(std::abs(r.hi - 9.76) < 1e-5);
        const SharedColourRange constant = sharedColourRange({{2, 2}, {2}});
        QCOMPARE(constant.lo, 2.0);
        QCOMPARE(constant.hi, 3.0);
        const SharedColourRange none = sharedColourRange({{std::nanf("")}, {}});
        QCOMPARE(none.count, std::size_t{0});
        QVERIFY(none.hi > none.lo);
    }

    void columnIndexIsTheSameOnAnyNumberOfThreads() {
        // 300 x 40 CSR with empty rows, an empty column (7) and a dense one (0).
        std::mt19937 rng(3);
        std::vector<std::int64_t> indptr{0};
        std::vector<std::int32_t> indices;
        std::vector<float> data;
        for (int r = 0; r < 300; ++r) {
            if (r % 11 != 5) {
                for (std::int32_t c = 0; c < 40; ++c) {
                    if (c != 7 && (c == 0 || rng() % 5 == 0)) {
                        indices.push_back(c);
                        data.push_back(static_cast<float>(r * 100 + c));
                    }
                }
            }
            indptr.push_back(static_cast<std::int64_t>(indices.size()));
        }
        const auto scanned = ExpressionMatrix::sparse(MatrixLayout::Csr, 300, 40, indptr, indices, data);
        // Sorted rows: column() binary-searches each row, with the same result as the full scan.
        auto searched = scanned;
        QVERIFY(!searched.rowsSorted());
        searched.checkSortedRows();
        QVERIFY(searched.rowsSorted());
        for (std::int64_t c = 0; c < 40; ++c) QVERIFY(searched.column(c) == scanned.column(c));
        // Built on a worker while this thread reads columns of the same matrix: every read is right,
        // before, during and after the index arrives.
        {
            const auto shared = std::make_shared<const ExpressionMatrix>(searched);
            std::vector<std::vector<float>> expected;
            for (std::int64_t c = 0; c < 40; ++c) expected.push_back(scanned.column(c));
            std::thread builder([shared] { shared->buildColumnIndex(2); });
            int reads = 0;
            while (!shared->hasColumnIndex() || reads < 400) {
                const auto c = reads++ % 40;
                QVERIFY(shared->column(c) == expected[static_cast<std::size_t>(c)]);
            }
            builder.join();
            QVERIFY(shared->hasColumnIndex());
        }
        // Unsorted rows are found out (and scanned).
        auto unsorted = ExpressionMatrix::sparse(MatrixLayout::Csr, 2, 3, {0, 2, 3}, {2, 0, 1}, {5, 6, 7});
        unsorted.checkSortedRows();
        QVERIFY(!unsorted.rowsSorted());
        QVERIFY(unsorted.column(0) == (std::vector<float>{6, 0}));
        for (const unsigned threads : {1u, 2u, 3u, 8u, 299u, 300u, 301u}) {
            auto indexed = scanned;
            indexed.buildColumnIndex(threads);
            QVERIFY(indexed.hasColumnIndex());
            QVERIFY(!scanned.hasColumnIndex());  // copies share the arrays, not the index built later
            for (std::int64_t c = 0; c < 40; ++c) QVERIFY2(indexed.column(c) == scanned.column(c), qPrintable(QString::number(threads)));
            QVERIFY(indexed.column(7) == std::vector<float>(300, 0.0f));
        }
        // No rows, no values.
        auto empty = ExpressionMatrix::sparse(MatrixLayout::Csr, 0, 4, {0}, {}, {});
        empty.buildColumnIndex(4);
        QCOMPARE(empty.column(2).size(), std::size_t{0});
        auto zeros = ExpressionMatrix::sparse(MatrixLayout::Csr, 5, 3, {0, 0, 0, 0, 0, 0}, {}, {});
        zeros.buildColumnIndex(2);
        QVERIFY(zeros.column(1) == std::vector<float>(5, 0.0f));
    }

    void layoutsAgreeAndNormalisations() {
        // 3 spots x 4 genes.
        const std::vector<float> dense{0, 2, 0, 1, 3, 0, 0, 0, 1, 1, 4, 0};
        SpatialDataset ds;
        ds.obsNames = {"a", "b", "c"};
        ds.geneNames = {"G0", "G1", "G2", "G3"};
        ds.expression = ExpressionMatrix::dense(3, 4, dense);
        auto csr = ExpressionMatrix::sparse(MatrixLayout::Csr, 3, 4, {0, 2, 3, 6}, {1, 3, 0, 0, 1, 2}, {2, 1, 3, 1, 1, 4});
        auto csc = ExpressionMatrix::sparse(MatrixLayout::Csc, 3, 4, {0, 2, 4, 5, 6}, {1, 2, 0, 2, 2, 0}, {3, 1, 2, 1, 4, 1});
        for (std::int64_t g = 0; g < 4; ++g) {
            QVERIFY(csr.column(g) == ds.expression.column(g));
            QVERIFY(csc.column(g) == ds.expression.column(g));
        }
        csr.buildColumnIndex();
        for (std::int64_t g = 0; g < 4; ++g) QVERIFY(csr.column(g) == ds.expression.column(g));
        for (std::int64_t r = 0; r < 3; ++r) QVERIFY(csc.row(r) == ds.expression.row(r));
        const auto sel = csr.selectColumns({3, 1});
        QVERIFY(sel.column(0) == ds.expression.column(3));
        QVERIFY(sel.column(1) == ds.expression.column(1));

        const auto lib = ds.expression.rowSums();  // 3, 3, 6
        QCOMPARE(lib, (std::vector<double>{3, 3, 6}));
        for (const ExpressionMatrix* m : {&ds.expression, &csr, &csc}) QCOMPARE(m->columnSums(), (std::vector<double>{4, 3, 4, 1}));
        const auto cp10k = geneValues(ds, 2, Normalisation::CountsPer10kLog1p, lib);
        QCOMPARE(cp10k[2], static_cast<float>(std::log1p(4.0 * 1e4 / 6.0)));
        QCOMPARE(cp10k[0], 0.0f);
        QCOMPARE(geneValues(ds, 1, Normalisation::Log1p, lib)[0], std::log1p(2.0f));
        // Gene-set score: mean of per-gene z-scores (population sd), by hand for G1 and G2.
        const auto score = geneSetScore(ds, {"G1", "G2"}, Normalisation::Raw, lib);
        // G1 = (2, 0, 1): mean 1, sd sqrt(2/3). G2 = (0, 0, 4): mean 4/3, sd sqrt((16/9 + 16/9 + 64/9) / 3).
        const double m1 = 1.0, sd1 = std::sqrt(2.0 / 3.0), m2 = 4.0 / 3.0, sd2 = std::sqrt((16.0 / 9 + 16.0 / 9 + 64.0 / 9) / 3.0);
        const double z0 = ((2 - m1) / sd1 + (0 - m2) / sd2) / 2.0;
        QVERIFY2(std::abs(score[0] - z0) < 1e-5, qPrintable(QString::number(score[0]) + " vs " + QString::number(z0)));
        QVERIFY_THROWS_EXCEPTION(DatasetError, geneSetScore(ds, {"G1", "NOPE"}, Normalisation::Raw, lib));

        // What colours spots: the same values through colouringValues, and obs columns of each kind.
        ds.source = "toy.h5ad";
        ColouringRequest gene;
        gene.genes = {"G2"};
        gene.normalisation = Normalisation::CountsPer10kLog1p;
        QCOMPARE(colouringValues(ds, gene, lib).values, geneValues(ds, 2, Normalisation::CountsPer10kLog1p, lib));
        QVERIFY(colouringValues(ds, gene, lib).categories.empty());
        gene.genes = {"G1", "G2"};
        QCOMPARE(colouringValues(ds, gene, lib).values, geneSetScore(ds, {"G1", "G2"}, Normalisation::CountsPer10kLog1p, lib));
        gene.genes = {"NOPE"};
        try {
            colouringValues(ds, gene, lib);
            QFAIL("a missing gene was accepted");
        } catch (const DatasetError& e) {
            QCOMPARE(QString(e.what()), QStringLiteral("gene NOPE is not in toy.h5ad"));
        }
        ObsColumn region;
        region.name = "region";
        region.kind = ObsColumn::Kind::Categorical;
        region.categories = {"tumour", "stroma"};
        region.codes = {1, -1, 0};
        ObsColumn label;
        label.name = "label";
        label.kind = ObsColumn::Kind::String;
        label.strings = {"b", "a", "b"};
        ObsColumn depth;
        depth.name = "depth";
        depth.numbers = {0.5, std::nan(""), 2};
        ds.obs = {region, label, depth};
        ColouringRequest byObs;
        byObs.byGene = false;
        byObs.annotation = "region";
        const ColouringValues r = colouringValues(ds, byObs, lib);
        QCOMPARE(r.categories, (std::vector<std::string>{"tumour", "stroma"}));
        QCOMPARE(r.values[0], 1.0f);
        QVERIFY(std::isnan(r.values[1]));  // missing
        QCOMPARE(r.values[2], 0.0f);
        const ColouringValues l = obsColumnValues(label);  // strings: codes into the sorted distinct values
        QCOMPARE(l.categories, (std::vector<std::string>{"a", "b"}));
        QCOMPARE(l.values, (std::vector<float>{1, 0, 1}));
        const ColouringValues d = obsColumnValues(depth);
        QVERIFY(d.categories.empty());
        QCOMPARE(d.values[0], 0.5f);
        QVERIFY(std::isnan(d.values[1]));
        byObs.annotation = "nope";
        try {
            colouringValues(ds, byObs, lib);
            QFAIL("a missing column was accepted");
        } catch (const DatasetError& e) {
            QCOMPARE(QString(e.what()), QStringLiteral("obs column nope is not in toy.h5ad"));
        }
    }
};

QTEST_GUILESS_MAIN(TestSpatialMath)
#include "tst_spatial_math.moc"
