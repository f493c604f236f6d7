// TrainingCurvesChart under a real GL context (xvfb + xcb): appended points
// are counted per series, the rendered chart shows the series colours (not a
// blank widget), and the SVG export is well-formed XML holding the axes,
// ticks, one polyline per curve with points that map back to the data, and
// the legend; the export replaces the file atomically.
#include "core/render/Colormap.h"
#include "widgets/GlSurfaceFormat.h"
#include "widgets/charts/TrainingCurvesChart.h"

#include <QDir>
#include <QFile>
#include <QOpenGLContext>
#include <QTemporaryDir>
#include <QXmlStreamReader>
#include <QtTest/QtTest>

#include <vtkContextInteractorStyle.h>
#include <vtkGenericRenderWindowInteractor.h>

#include <cmath>
#include <limits>

using namespace hescape;
using Series = TrainingCurvesChart::Series;

namespace {

// Pixels within `tol` of the colour.
int countColor(const QImage& img, std::array<std::uint8_t, 4> c, int tol = 40) {
    int n = 0;
    for (int y = 0; y < img.height(); ++y)
        for (int x = 0; x < img.width(); ++x) {
            const QColor p = img.pixelColor(x, y);
            n += std::abs(p.red() - c[0]) + std::abs(p.green() - c[1]) + std::abs(p.blue() - c[2]) <= tol;
        }
    return n;
}

void fill(TrainingCurvesChart& chart, int steps, int stepsPerEpoch) {
    for (int s = 1; s <= steps; ++s) {
        chart.appendTrainLoss(s, 4.0 * std::exp(-s / 150.0) + 0.3 + 0.05 * std::sin(s * 0.7));
        if (s % stepsPerEpoch == 0) chart.appendValidation(s, 3.8 * std::exp(-s / 170.0) + 0.45, 1.0 - std::exp(-s / 200.0));
    }
}

}  // namespace

class TestTrainingCurves : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QOpenGLContext probe;
        if (!probe.create()) QSKIP("no OpenGL context on this platform (run under xvfb-run)");
    }

    void appendCountsAndRenders() {
        TrainingCurvesChart chart;
        chart.resize(640, 400);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        QCOMPARE(chart.pointCount(Series::TrainLoss), std::size_t(0));
        // Mouse events reach the chart (pan/zoom) through the context view's style.
        QVERIFY(vtkContextInteractorStyle::SafeDownCast(chart.interactor()->GetInteractorStyle()));
        // Empty: at most a legend swatch in the series colour.
        const int emptyBlue = countColor(chart.grabFramebuffer(), categoryColor(0));
        QVERIFY2(emptyBlue < 100, qPrintable(QString::number(emptyBlue)));

        fill(chart, 600, 100);
        QCOMPARE(chart.pointCount(Series::TrainLoss), std::size_t(600));
        QCOMPARE(chart.pointCount(Series::ValidationLoss), std::size_t(6));
        QCOMPARE(chart.pointCount(Series::RecallAt5), std::size_t(6));
        chart.appendTrainLoss(601, 0.31);
        QCOMPARE(chart.pointCount(Series::TrainLoss), std::size_t(601));

        // Each series' colour shows up on screen, and much of the widget is
        // not background (axes, labels, curves).
        QImage img;
        QTRY_VERIFY((img = chart.grabFramebuffer(), countColor(img, categoryColor(0)) > emptyBlue + 300));
        QVERIFY2(countColor(img, categoryColor(1)) > 30, "validation loss not drawn");
        QVERIFY2(countColor(img, categoryColor(2)) > 30, "recall@5 not drawn");
        int nonWhite = 0;
        for (int y = 0; y < img.height(); ++y)
            for (int x = 0; x < img.width(); ++x) nonWhite += img.pixelColor(x, y).lightness() < 200;
        QVERIFY2(nonWhite > 2000, qPrintable(QString::number(nonWhite)));
        if (qEnvironmentVariableIsSet("HESCAPE_SHOT_DIR"))
            chart.grab().save(qEnvironmentVariable("HESCAPE_SHOT_DIR") + "/training_chart.png");

        chart.clear();
        QCOMPARE(chart.pointCount(Series::TrainLoss), std::size_t(0));
        QCOMPARE(chart.pointCount(Series::ValidationLoss), std::size_t(0));
        QTRY_VERIFY(countColor(chart.grabFramebuffer(), categoryColor(0)) <= emptyBlue);
    }

    void svgExport() {
        TrainingCurvesChart chart;  // never shown: the export needs no GL
        chart.setTitle("run 7 & <test>");
        fill(chart, 3000, 500);
        chart.appendTrainLoss(3001, std::numeric_limits<double>::quiet_NaN());  // skipped, not drawn as 0
        QTemporaryDir dir;
        const QString path = dir.filePath("curves.svg");
        {
            QFile old(path);  // an existing file is replaced whole
            QVERIFY(old.open(QIODevice::WriteOnly));
            old.write("old contents");
        }
        QString error;
        QVERIFY2(chart.exportSvg(path, &error), qPrintable(error));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"curves.svg"});  // no temporary left

        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(&f);
        int polylines = 0, circles = 0, texts = 0, lines = 0;
        QStringList groups, allText;
        QString trainPoints;
        QString currentGroup;
        bool rootIsSvg = false;
        while (!xml.atEnd()) {
            if (xml.readNext() != QXmlStreamReader::StartElement) continue;
            const auto name = xml.name();
            if (!rootIsSvg) {
                QCOMPARE(name.toString(), QString("svg"));
                QCOMPARE(xml.namespaceUri().toString(), QString("http://www.w3.org/2000/svg"));
                QCOMPARE(xml.attributes().value("width").toString(), QString("800"));
                rootIsSvg = true;
            }
            if (name == u"g") {
                currentGroup = xml.attributes().value("id").toString();
                groups << currentGroup;
            } else if (name == u"polyline") {
                ++polylines;
                if (currentGroup == "train-loss") trainPoints += xml.attributes().value("points").toString() + ' ';
            } else if (name == u"circle") {
                ++circles;
            } else if (name == u"line") {
                ++lines;
            } else if (name == u"text") {
                ++texts;
                allText << xml.readElementText();
            }
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QVERIFY(rootIsSvg);
        QCOMPARE(groups, (QStringList{"axes", "train-loss", "validation-loss", "recall-at-5", "legend"}));
        QCOMPARE(polylines, 3);
        QCOMPARE(circles, 12);  // 6 validation epochs, loss and recall
        QVERIFY(lines > 20);  // grid and ticks
        QVERIFY(allText.contains("run 7 & <test>"));
        for (const char* label : {"step", "loss", "recall@5", "train loss", "validation loss"})
            QVERIFY2(allText.contains(QString::fromUtf8(label)), label);
        // Right axis (recall, 0..1 in steps of 0.2) and left axis (loss, 0..4 in steps of 1).
        for (const char* tick : {"0.0", "0.2", "1.0", "0", "4"}) QVERIFY2(allText.contains(QString::fromUtf8(tick)), tick);

        // The train-loss polyline spans the plot from the first step to the
        // last finite one, with y decreasing (loss falls, SVG y grows down),
        // decimated to the pixel columns: fewer points than 3000 steps.
        const QStringList pts = trainPoints.split(' ', Qt::SkipEmptyParts);
        QVERIFY(pts.size() > 100);
        QVERIFY(pts.size() < 3000);
        const auto xyOf = [](const QString& s) {
            const auto parts = s.split(',');
            return QPointF(parts[0].toDouble(), parts[1].toDouble());
        };
        const QPointF first = xyOf(pts.first()), last = xyOf(pts.last());
        QVERIFY2(std::abs(first.x() - 72) < 1.0, qPrintable(pts.first()));
        QVERIFY(last.x() > 700 && last.x() <= 728.5);
        QVERIFY(first.y() < last.y() - 100);
        for (const QString& p : pts) {
            const QPointF q = xyOf(p);
            QVERIFY2(std::isfinite(q.x()) && std::isfinite(q.y()) && q.y() >= 44 && q.y() <= 424, qPrintable(p));
        }

        // Unwritable target: false and a message, nothing created.
        QVERIFY(!chart.exportSvg(dir.filePath("no/such/dir/x.svg"), &error));
        QVERIFY(!error.isEmpty());
        if (qEnvironmentVariableIsSet("HESCAPE_SHOT_DIR"))
            QFile::copy(path, qEnvironmentVariable("HESCAPE_SHOT_DIR") + "/training_chart.svg");
    }
};

int main(int argc, char** argv) {
    hescape::setDefaultGlSurfaceFormat();
    QApplication app(argc, argv);
    TestTrainingCurves t;
    return QTest::qExec(&t, argc, argv);
}

#include "test_training_curves.moc"
