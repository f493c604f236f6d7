// Sessions: the file round-trips every field; malformed files are refused
// with the file and field named; a session saved from a window (slide, data
// set, registration, colouring, layers, run, map, selection, view) restores
// the same state in a fresh window; a session that cannot be restored leaves
// the open slide as it was.
#include "app/studio/EmbeddingExplorer.h"
#include "app/studio/MainWindow.h"
#include "app/studio/DocumentLoader.h"
#include "app/studio/LinkedViews.h"
#include "app/studio/SessionController.h"
#include "app/studio/SpotPresenter.h"
#include "app/studio/StudioMenus.h"
#include "app/studio/actions/CompareRunsAction.h"
#include "app/studio/actions/ExportAnnDataAction.h"
#include "app/studio/actions/ExportViewAction.h"
#include "app/studio/model/RegistrationEdit.h"
#include "app/studio/model/SessionCodec.h"
#include "app/studio/model/StudioDocument.h"
#include "widgets/embedding/EmbeddingScatterView.h"
#include "app/studio/RecentFiles.h"
#include "app/studio/SessionFile.h"
#include "core/eval/SimilarityMaps.h"
#include "tests/app/studio/ToyRun.h"
#include "widgets/eval/SimilarityMapPanel.h"
#include "widgets/slideview/SlideView.h"
#include "widgets/spatial/LayersPanel.h"
#include "widgets/spatial/SpotColoringPanel.h"

#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QMessageBox>
#include <QOpenGLContext>
#include <QSignalSpy>
#include <QStatusBar>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>

using namespace hescape;

namespace {

const QString kDemoDir = QStringLiteral(HESCAPE_SOURCE_DIR "/resources/demo/her2st/");

void writeText(const QString& path, const QByteArray& text) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text);
}

QString readError(const QString& path) {
    try {
        readSession(path);
    } catch (const SessionError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

void compareSessions(const Session& a, const Session& b) {
    QCOMPARE(a.slide, b.slide);
    QCOMPARE(a.dataset, b.dataset);
    QCOMPARE(a.run, b.run);
    QCOMPARE(a.registration.has_value(), b.registration.has_value());
    if (a.registration) {
        for (std::size_t i = 0; i < 6; ++i) QCOMPARE(a.registration->transform.m[i], b.registration->transform.m[i]);
        QCOMPARE(a.registration->landmarks.size(), b.registration->landmarks.size());
        for (std::size_t i = 0; i < a.registration->landmarks.size(); ++i) {
            QCOMPARE(a.registration->landmarks[i].dataset.x, b.registration->landmarks[i].dataset.x);
            QCOMPARE(a.registration->landmarks[i].slide.y, b.registration->landmarks[i].slide.y);
        }
        QCOMPARE(a.registration->slide, b.registration->slide);
    }
    QCOMPARE(a.coloring.source, b.coloring.source);
    QCOMPARE(a.coloring.genes, b.coloring.genes);
    QCOMPARE(a.coloring.annotation, b.coloring.annotation);
    QCOMPARE(a.coloring.normalisation, b.coloring.normalisation);
    QCOMPARE(a.coloring.colormap, b.coloring.colormap);
    QCOMPARE(a.coloring.autoRange, b.coloring.autoRange);
    QCOMPARE(a.coloring.vmin, b.coloring.vmin);
    QCOMPARE(a.coloring.vmax, b.coloring.vmax);
    QCOMPARE(a.coloring.outline, b.coloring.outline);
    QCOMPARE(a.slideLayer.visible, b.slideLayer.visible);
    QCOMPARE(a.slideLayer.opacity, b.slideLayer.opacity);
    QCOMPARE(a.spotsLayer.visible, b.spotsLayer.visible);
    QCOMPARE(a.spotsLayer.opacity, b.spotsLayer.opacity);
    QCOMPARE(a.similarityMap, b.similarityMap);
    QCOMPARE(a.similarityGene, b.similarityGene);
    QCOMPARE(a.queryObservation, b.queryObservation);
    QCOMPARE(a.selection, b.selection);
    QCOMPARE(a.embedding.method, b.embedding.method);
    QCOMPARE(a.embedding.points, b.embedding.points);
    QCOMPARE(a.embedding.dims, b.embedding.dims);
    QCOMPARE(a.embedding.colorBy, b.embedding.colorBy);
    QCOMPARE(a.embedding.seed, b.embedding.seed);
    QVERIFY(std::abs(a.viewCenter.x() - b.viewCenter.x()) < 1e-6);
    QVERIFY(std::abs(a.viewCenter.y() - b.viewCenter.y()) < 1e-6);
    QVERIFY(std::abs(a.viewDownsample - b.viewDownsample) < 1e-9);
    QCOMPARE(a.minimap, b.minimap);
    QCOMPARE(a.scaleBar, b.scaleBar);
    QCOMPARE(a.channels.size(), b.channels.size());
    for (std::size_t i = 0; i < a.channels.size(); ++i) QVERIFY(a.channels[i] == b.channels[i]);
}

}  // namespace

class TestSession : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        QOpenGLContext probe;
        if (!probe.create()) QSKIP("no OpenGL context on this platform (run under xvfb-run)");
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
    }

    void fileRoundTripsEveryField() {
        QTemporaryDir dir;
        writeText(dir.filePath("slide.tiff"), "x");
        writeText(dir.filePath("data.h5ad"), "x");
        Session s;
        s.slide = dir.filePath("slide.tiff");
        s.dataset = dir.filePath("data.h5ad");
        s.run = QStringLiteral("/elsewhere/run.h5");
        s.registration = Registration{{{1.5, 0.1, -3, 0.2, 1.25, 7}}, {{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}, {{9, 1}, {2, 3}}}, "slide.tiff"};
        s.coloring = {QStringLiteral("annotation"), {QStringLiteral("ERBB2"), QStringLiteral("GRB7")}, QStringLiteral("label"),
                      QStringLiteral("counts per 10k + log1p"), QStringLiteral("magma"), false, -1.5, 2.25, true};
        s.slideLayer = {false, 0.5};
        s.spotsLayer = {true, 0.25};
        s.similarityMap = QStringLiteral("gene-direction");
        s.similarityGene = QStringLiteral("ERBB2");
        s.queryObservation = 12;
        s.selection = {3, 1, 4, 1, 5};
        s.embedding = {QStringLiteral("umap"), QStringLiteral("joint"), 3, QStringLiteral("obs:label"), 7};
        s.viewCenter = QPointF(1234.5, 678.25);
        s.viewDownsample = 3.75;
        s.minimap = false;
        s.scaleBar = false;
        s.channels = {{true, {0, 110, 255}, 260, 23253.5, 1.0}, {false, {255, 0, 128}, 0, 4095, 0.45}};
        writeSession(dir.filePath("a.hescape"), s);
        compareSessions(readSession(dir.filePath("a.hescape")), s);

        // The folder moves with its session: relative paths win when they exist.
        QTemporaryDir moved;
        for (const char* f : {"a.hescape", "slide.tiff", "data.h5ad"}) QVERIFY(QFile::copy(dir.filePath(f), moved.filePath(f)));
        const Session m = readSession(moved.filePath("a.hescape"));
        QCOMPARE(m.slide, QFileInfo(moved.filePath("slide.tiff")).absoluteFilePath());
        QCOMPARE(m.dataset, QFileInfo(moved.filePath("data.h5ad")).absoluteFilePath());
        QCOMPARE(m.run, QStringLiteral("/elsewhere/run.h5"));
    }

    void malformedFilesNameTheField_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("expected");
        const QByteArray slide = R"("slide": {"absolute": "/s.tiff"})";
        QTest::newRow("not json") << QByteArray("{\"hescape_session\": 1,") << QStringLiteral("not valid JSON at byte");
        QTest::newRow("array") << QByteArray("[1]") << QStringLiteral("expected a JSON object");
        QTest::newRow("no marker") << QByteArray("{" + slide + "}") << QStringLiteral("field hescape_session: missing: not a HEScape session");
        QTest::newRow("newer") << QByteArray("{\"hescape_session\": 9, " + slide + "}")
                               << QStringLiteral("field hescape_session: made by a newer HEScape Studio (format 9");
        QTest::newRow("no slide") << QByteArray("{\"hescape_session\": 1}") << QStringLiteral("field slide: missing");
        QTest::newRow("slide not object") << QByteArray(R"({"hescape_session": 1, "slide": "/s.tiff"})")
                                          << QStringLiteral("field slide: expected an object");
        QTest::newRow("opacity") << QByteArray("{\"hescape_session\": 1, " + slide + R"(, "layers": {"spots": {"opacity": 2}}})")
                                 << QStringLiteral("field layers.spots.opacity: expected a number in [0, 1]");
        QTest::newRow("visible") << QByteArray("{\"hescape_session\": 1, " + slide + R"(, "layers": {"slide": {"visible": "yes"}}})")
                                 << QStringLiteral("field layers.slide.visible: expected true or false");
        QTest::newRow("transform") << QByteArray("{\"hescape_session\": 1, " + slide + R"(, "registration": {"transform": [1, 0, 0]}})")
                                   << QStringLiteral("field registration.transform: expected 6 numbers");
        QTest::newRow("landmark") << QByteArray("{\"hescape_session\": 1, " + slide +
                                                R"(, "registration": {"transform": [1,0,0,0,1,0], "landmarks": [{"dataset": [1], "slide": [1, 2]}]}})")
                                  << QStringLiteral("field registration.landmarks[0].dataset: expected [x, y]");
        QTest::newRow("map mode") << QByteArray("{\"hescape_session\": 1, " + slide + R"(, "similarity_map": {"mode": "sideways"}})")
                                  << QStringLiteral("field similarity_map.mode: \"sideways\" is not one of off, alignment");
        QTest::newRow("selection") << QByteArray("{\"hescape_session\": 1, " + slide + R"(, "selection": [1, -2]})")
                                   << QStringLiteral("field selection: expected observation indices");
        QTest::newRow("dims") << QByteArray("{\"hescape_session\": 1, " + slide + R"(, "embedding": {"dims": 4}})")
                              << QStringLiteral("field embedding.dims: expected 2 or 3");
        QTest::newRow("channel colour") << QByteArray("{\"hescape_session\": 1, " + slide +
                                                      R"(, "channels": [{"colour": "blue-ish", "low": 0, "high": 9, "gamma": 1}]})")
                                        << QStringLiteral("field channels[0]: colour: expected \"#rrggbb\"");
        QTest::newRow("channel window") << QByteArray("{\"hescape_session\": 1, " + slide +
                                                      R"(, "channels": [{"colour": "white", "low": 9, "high": 9, "gamma": 1}]})")
                                        << QStringLiteral("field channels[0]: expected low < high");
        QTest::newRow("channel gamma") << QByteArray("{\"hescape_session\": 1, " + slide +
                                                     R"(, "channels": [{"colour": "white", "low": 0, "high": 9, "gamma": "x"}]})")
                                       << QStringLiteral("field channels[0]: gamma: expected a finite number");
        QTest::newRow("genes") << QByteArray("{\"hescape_session\": 1, " + slide + R"(, "coloring": {"genes": ["A", 3]}})")
                               << QStringLiteral("field coloring.genes: expected an array of strings");
        QTest::newRow("transform of zeros") << QByteArray("{\"hescape_session\": 1, " + slide + R"(, "registration": {"transform": [0, 0, 0, 0, 0, 0]}})")
                                            << QStringLiteral("field registration.transform: not an invertible map");
        QTest::newRow("transform of 1e308") << QByteArray("{\"hescape_session\": 1, " + slide + R"(, "registration": {"transform": [1e308, 0, 0, 0, 1e308, 0]}})")
                                            << QStringLiteral("field registration.transform: not an invertible map");
        QTest::newRow("vmin above vmax") << QByteArray("{\"hescape_session\": 1, " + slide + R"(, "coloring": {"auto_range": false, "vmin": 5, "vmax": 2}})")
                                         << QStringLiteral("field coloring.vmax: must be greater than vmin (5)");
        QTest::newRow("unknown colormap") << QByteArray("{\"hescape_session\": 1, " + slide + R"(, "coloring": {"colormap": "jet"}})")
                                          << QStringLiteral("field coloring.colormap: \"jet\" is not one of viridis");
        QTest::newRow("unknown normalisation") << QByteArray("{\"hescape_session\": 1, " + slide + R"(, "coloring": {"normalisation": "tpm"}})")
                                               << QStringLiteral("field coloring.normalisation: \"tpm\" is not one of raw, log1p");
    }
    void malformedFilesNameTheField() {
        QFETCH(QByteArray, json);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const QString path = dir.filePath("bad.hescape");
        writeText(path, json);
        const QString error = readError(path);
        QVERIFY2(error.startsWith(path + QStringLiteral(": ")), qPrintable(error));
        QVERIFY2(error.contains(expected), qPrintable(error));
        QVERIFY(readError(dir.filePath("missing.hescape")).contains("missing.hescape: cannot read"));
    }

    void windowStateRestoresInAFreshWindow() {
        // A copy of the demo section B4, so the registration written beside it stays in the temporary folder.
        QTemporaryDir dir;
        for (const char* f : {"B4.tiff", "B4.h5ad"}) QVERIFY(QFile::copy(kDemoDir + f, dir.filePath(f)));
        const SpatialDataset b4 = readAnnData(dir.filePath("B4.h5ad").toStdString());
        writeAlignedToyRun(dir.filePath("run.h5").toStdString(), b4, "B4");

        Session saved;
        std::vector<float> values;
        {
            MainWindow w;
            w.resize(1100, 760);
            w.show();
            QVERIFY(QTest::qWaitForWindowExposed(&w));
            QSignalSpy dataset(&w, &MainWindow::datasetLoaded);
            w.openFile(dir.filePath("B4.tiff"));
            QVERIFY(dataset.wait(20000));
            // A registration: shift the spots by (40, -25) px.
            std::vector<LandmarkPair> pairs;
            const AffineTransform t = w.document()->datasetToSlide();
            for (const Point2 p : {Point2{0, 0}, Point2{1000, 0}, Point2{0, 1000}}) {
                double x = 0, y = 0;
                t.apply(p.x, p.y, x, y);
                pairs.push_back({p, {x + 40, y - 25}});
            }
            QCOMPARE(applyLandmarks(*w.document(), pairs).error, QString());
            SpotColoring c;
            c.genes = {QStringLiteral("GRB7")};
            c.normalisation = Normalisation::CountsPer10kLog1p;
            c.colormap = ColormapId::Magma;
            c.autoRange = false;
            c.vmin = 0.5;
            c.vmax = 2.5;
            c.outline = true;
            w.coloringPanel()->setColoring(c);
            w.layersPanel()->setLayerState(w.spotsLayer(), true, 0.6);
            w.layersPanel()->setLayerState(w.slideLayer(), true, 0.8);
            QSignalSpy run(&w, &MainWindow::runLoaded);
            w.openRunFile(dir.filePath("run.h5"));
            QVERIFY(run.wait(20000));
            w.similarityPanel()->setMode(SimilarityMapMode::QueryGeneToImage);
            const std::int64_t q = 9;
            SlideView* v = w.slideView();
            QTest::mouseClick(v, Qt::LeftButton, Qt::NoModifier,
                              v->slideToWidget(QPointF(v->spots().positions()[2 * q], v->spots().positions()[2 * q + 1])).toPoint());
            QVERIFY2(w.similarityPanel()->message().contains("ranks 1 of"), qPrintable(w.similarityPanel()->message()));
            v->setView(QPointF(900, 1100), 2.5);
            w.embeddingExplorer()->setColourBy(QStringLiteral("alignment"));
            w.embeddingExplorer()->setSettings({EmbeddingLayoutMethod::Pca, EmbeddingPoints::Joint, 3, 5});
            QVERIFY(w.sessions()->save(dir.filePath("s.hescape")));
            QCOMPARE(w.sessions()->path(), dir.filePath("s.hescape"));
            saved = sessionOf(*w.document());
            values = v->spots().values();
            QVERIFY(saved.registration.has_value());
            QCOMPARE(saved.similarityMap, QStringLiteral("gene-to-image"));
            QCOMPARE(saved.queryObservation, q);
            QCOMPARE(saved.selection.size(), std::size_t{5});
            QCOMPARE(saved.embedding.method, QStringLiteral("pca"));
            QCOMPARE(saved.embedding.points, QStringLiteral("joint"));
            QCOMPARE(saved.embedding.dims, 3);
            QCOMPARE(saved.embedding.colorBy, QStringLiteral("alignment"));
        }
        // The registration beside the data set is gone: the session alone must bring it back.
        QVERIFY(QFile::remove(QString::fromStdString(registrationPathFor(dir.filePath("B4.h5ad").toStdString()))));

        MainWindow w;
        w.resize(1100, 760);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QSignalSpy restored(&w, &MainWindow::sessionRestored);
        QSignalSpy failed(&w, &MainWindow::sessionFailed);
        w.openSession(dir.filePath("s.hescape"));
        QVERIFY2(restored.wait(40000), qPrintable(w.lastError() + QStringLiteral(" | ") + w.statusBar()->currentMessage()));
        QCOMPARE(failed.count(), 0);
        compareSessions(sessionOf(*w.document()), saved);
        QCOMPARE(w.slideView()->spots().values(), values);
        // The embedding view lays the restored run out with the restored settings (once it is shown).
        qobject_cast<QDockWidget*>(w.embeddingExplorer()->parentWidget())->raise();
        QTRY_COMPARE_WITH_TIMEOUT(w.embeddingExplorer()->scatter()->pointCount(), 2 * w.document()->run()->rows(), 30000);
        QCOMPARE(w.embeddingExplorer()->scatter()->dims(), 3);
        QCOMPARE(w.recentSessions()->paths().first(), QFileInfo(dir.filePath("s.hescape")).absoluteFilePath());
    }

    void channelSettingsRestoreOnAFluorescenceSlide() {
        // A copy of the real Xenium DAPI image on its own (no cells beside it).
        QTemporaryDir dir;
        const QString dapi = dir.filePath("morphology_focus.ome.tif");
        QVERIFY(QFile::copy(QStringLiteral(HESCAPE_SHARED_DATA_DIR "/xenium_toy_sfe/morphology_focus.ome.tif"), dapi));
        std::vector<ChannelDisplay> shown;
        {
            MainWindow w;
            w.show();
            QVERIFY(QTest::qWaitForWindowExposed(&w));
            QSignalSpy loaded(&w, &MainWindow::slideLoaded);
            w.openFile(dapi);
            QVERIFY(loaded.wait(20000));
            const auto state = w.slideView()->slide()->channelDisplay();
            QVERIFY(state);
            state->setSettings({{true, {255, 128, 0}, 12, 180, 0.7}});
            QVERIFY(w.sessions()->save(dir.filePath("c.hescape")));
            shown = state->settings();
        }
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QSignalSpy restored(&w, &MainWindow::sessionRestored);
        w.openSession(dir.filePath("c.hescape"));
        QVERIFY2(restored.wait(20000), qPrintable(w.lastError()));
        const auto state = w.slideView()->slide()->channelDisplay();
        QVERIFY(state);
        QVERIFY(state->settings() == shown);
        // A window outside the slide's 16-bit range is refused with a message; the slide keeps its automatic window.
        Session s = readSession(dir.filePath("c.hescape"));
        s.channels[0].high = 70000;
        writeSession(dir.filePath("c2.hescape"), s);
        MainWindow w2;
        w2.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w2));
        QSignalSpy again(&w2, &MainWindow::sessionRestored);
        w2.openSession(dir.filePath("c2.hescape"));
        QVERIFY2(again.wait(20000), qPrintable(w2.lastError()));
        QVERIFY2(w2.statusBar()->currentMessage().contains(QStringLiteral("channel settings were not applied")),
                 qPrintable(w2.statusBar()->currentMessage()));
        QVERIFY(w2.slideView()->slide()->channelDisplay()->settings()[0].high <= 65535);
    }

    void aSessionThatCannotBeRestoredKeepsTheOpenSlide() {
        QTemporaryDir dir;
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QSignalSpy dataset(&w, &MainWindow::datasetLoaded);
        w.openFile(kDemoDir + "C3.tiff");
        QVERIFY(dataset.wait(20000));
        const auto spots = w.slideView()->spots().count();

        // Malformed: refused before anything is touched.
        writeText(dir.filePath("bad.hescape"), R"({"hescape_session": 1, "slide": {"absolute": "/s.tiff"}, "view": {"center": [1]}})");
        QSignalSpy failed(&w, &MainWindow::sessionFailed);
        QTimer::singleShot(500, [] {
            for (QWidget* t : QApplication::topLevelWidgets())
                if (auto* box = qobject_cast<QMessageBox*>(t)) box->close();
        });
        w.openSession(dir.filePath("bad.hescape"));
        QCOMPARE(failed.count(), 1);
        QVERIFY2(failed.first().at(1).toString().contains("field view.center: expected [x, y]"), qPrintable(failed.first().at(1).toString()));
        QCOMPARE(w.document()->slidePath(), kDemoDir + "C3.tiff");

        // Well-formed, but its slide is not there: the message names it, C3 and its spots stay.
        Session s;
        s.slide = dir.filePath("gone.tiff");
        writeSession(dir.filePath("gone.hescape"), s);
        w.openSession(dir.filePath("gone.hescape"));
        QVERIFY2(failed.wait(20000), qPrintable(w.lastError() + QStringLiteral(" | ") + w.statusBar()->currentMessage()));
        QVERIFY2(failed.last().at(1).toString().contains("gone.tiff"), qPrintable(failed.last().at(1).toString()));
        QCOMPARE(w.document()->slidePath(), kDemoDir + "C3.tiff");
        QCOMPARE(w.slideView()->spots().count(), spots);
        QVERIFY(w.document()->dataset() != nullptr);
    }
};

QTEST_MAIN(TestSession)
#include "test_session.moc"
