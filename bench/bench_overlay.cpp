// Overlay frame time: a SlideView (1600 x 1000) panning over a slide with N
// spots drawn by SpotOverlayRenderer, frame to frame (update() ->
// frameSwapped), for N = 100k and 1M, with the same view without spots as the
// baseline. Run under a real GL context: xvfb-run (Mesa llvmpipe) here, or a
// desktop/GPU X server. Prints a table.
#include "core/slide/PyramidTiffWriter.h"
#include "widgets/GlSurfaceFormat.h"
#include "widgets/slideview/SlideView.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QOpenGLContext>
#include <QOpenGLFunctions>
#include <QSurfaceFormat>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>

using namespace hescape;

namespace {

double pct(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(std::min<double>(v.size() - 1, std::ceil(p / 100.0 * v.size()) - 1))];
}

std::vector<double> panFrames(SlideView& v, int frames) {
    std::vector<double> ms;
    QElapsedTimer t;
    for (int i = 0; i < frames + 5; ++i) {
        QEventLoop loop;
        QObject::connect(&v, &QOpenGLWidget::frameSwapped, &loop, &QEventLoop::quit);
        QTimer::singleShot(5000, &loop, &QEventLoop::quit);
        t.start();
        v.panByWidgetPixels(QPointF(i % 2 ? 7 : -5, 3));
        loop.exec();
        if (i >= 5) ms.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);  // first frames warm up
    }
    return ms;
}

}  // namespace

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
            std::puts("usage: xvfb-run -a -s '-screen 0 1920x1200x24' bench_overlay [--frames N]\n\n"
                      "Frame time of SlideView panning with 0, 100k and 1M spots.");
            return 0;
        }
    }
    int frames = 60;
    for (int i = 1; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], "--frames") == 0) frames = std::atoi(argv[i + 1]);
    setDefaultGlSurfaceFormat();
    QSurfaceFormat fmt = QSurfaceFormat::defaultFormat();
    fmt.setSwapInterval(0);  // measure frames, not the display's refresh
    QSurfaceFormat::setDefaultFormat(fmt);
    QApplication app(argc, argv);

    QTemporaryDir dir;
    const std::string slidePath = dir.filePath("slide.tiff").toStdString();
    {
        PyramidTiffOptions o;
        PyramidTiffWriter w(slidePath, 20000, 20000, o);
        std::vector<std::uint8_t> row(20000 * 4);
        for (int x = 0; x < 20000; ++x) {
            row[x * 4] = static_cast<std::uint8_t>(200 + (x / 64) % 40);
            row[x * 4 + 1] = 180;
            row[x * 4 + 2] = 210;
            row[x * 4 + 3] = 255;
        }
        for (int y = 0; y < 20000; ++y) w.appendRow(row.data());
        w.finish();
    }
    SlideView v;
    v.resize(1600, 1000);
    v.show();
    v.setSlide(std::shared_ptr<Slide>(openSlide(slidePath)));
    QElapsedTimer wait;
    wait.start();
    while (!v.isFullyLoaded() && wait.elapsed() < 20000) QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    v.makeCurrent();
    const QString renderer = QString::fromLatin1(reinterpret_cast<const char*>(
        QOpenGLContext::currentContext()->functions()->glGetString(GL_RENDERER)));
    v.doneCurrent();

    std::printf("SlideView 1600 x 1000, fitted 20,000 x 20,000 slide, GL renderer: %s\n\n", qPrintable(renderer));
    std::printf("| spots | frames | p50 frame (ms) | p95 frame (ms) | fps (p50) |\n|--:|--:|--:|--:|--:|\n");
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> pos(0, 20000);
    for (const int n : {0, 100000, 1000000}) {
        std::vector<float> xy(static_cast<std::size_t>(n) * 2), values(static_cast<std::size_t>(n));
        for (auto& p : xy) p = pos(rng);
        for (int i = 0; i < n; ++i) values[static_cast<std::size_t>(i)] = static_cast<float>(i % 100);
        v.setSpots(std::move(xy), 8.0f);
        SpotStyle style;
        style.vmin = 0;
        style.vmax = 99;
        v.setSpotValues(std::move(values), style, {QStringLiteral("bench"), {}});
        const auto ms = panFrames(v, frames);
        std::printf("| %d | %d | %.1f | %.1f | %.0f |\n", n, frames, pct(ms, 50), pct(ms, 95), 1000.0 / pct(ms, 50));
        std::fflush(stdout);
    }
    return 0;
}
