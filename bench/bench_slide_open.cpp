// First frame of a slide in the app, and (for fluorescence slides) the frame
// time while a contrast window is dragged. Each slide is opened in a fresh
// child process (a 1600 x 1000 MainWindow) so that its peak memory is its
// own: time from File > Open until every visible tile is on screen, and the
// child's peak RSS. Slides are listed side by side (an OME-TIFF beside its
// twin in the project's pyramidal TIFF). Run under a real GL context
// (xvfb-run here: Mesa llvmpipe).
#include "app/studio/MainWindow.h"
#include "widgets/GlSurfaceFormat.h"
#include "widgets/slideview/SlideView.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTimer>

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

using namespace hescape;

namespace {

constexpr const char* kHelp =
    "usage: xvfb-run -a -s '-screen 0 1920x1200x24' bench_slide_open [--drag N] SLIDE...\n\n"
    "Opens each SLIDE in HEScape Studio's main window, in a fresh process, and prints the time until the\n"
    "first full frame (every visible tile drawn) and the process's peak memory. For fluorescence slides it\n"
    "then moves channel 0's upper contrast limit N times (default 20) as the Channels dock does and prints\n"
    "the time until each new frame is complete.\n";

double pct(std::vector<double> v, double p) {
    if (v.empty()) return NAN;
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(std::min<double>(static_cast<double>(v.size()) - 1, std::ceil(p / 100.0 * static_cast<double>(v.size())) - 1))];
}

// Runs the event loop until `done()` or `timeoutMs`; false on timeout.
template <typename F>
bool spinUntil(F done, int timeoutMs) {
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > timeoutMs) return false;
        QEventLoop loop;
        QTimer::singleShot(2, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return true;
}

long peakRssMiB() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss / 1024;
}

// The child: one slide, one line of results.
int measureOne(int argc, char** argv, const QString& slide, int drags) {
    setDefaultGlSurfaceFormat();
    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true);
    MainWindow w;
    w.resize(1600, 1000);
    w.show();
    spinUntil([] { return false; }, 300);  // the window is mapped and idle
    QElapsedTimer t;
    t.start();
    bool loaded = false;
    QObject::connect(&w, &MainWindow::slideLoaded, &w, [&] { loaded = true; });
    w.openFile(slide);
    if (!spinUntil([&] { return loaded; }, 120000)) {
        std::printf("error %s\n", qPrintable(w.lastError()));
        return 1;
    }
    const double openedMs = static_cast<double>(t.elapsed());
    SlideView* v = w.slideView();
    if (!spinUntil([&] { return v->isFullyLoaded(); }, 120000)) return 1;
    const double frameMs = static_cast<double>(t.elapsed());
    std::vector<double> dragMs;
    if (const auto state = v->slide()->channelDisplay(); state && drags > 0) {
        const auto start = state->settings();
        for (int i = 0; i < drags; ++i) {
            auto s = start;
            s[0].high = s[0].low + (s[0].high - s[0].low) * (0.5 + 0.5 * (i + 1) / drags);
            QElapsedTimer d;
            d.start();
            state->setSettings(s);
            v->refreshTiles();
            if (!spinUntil([&] { return v->isFullyLoaded(); }, 60000)) return 1;
            dragMs.push_back(static_cast<double>(d.nsecsElapsed()) / 1e6);
        }
    }
    std::printf("result %s %.0f %.0f %ld %.1f %.1f\n", v->slide()->format().c_str(), openedMs, frameMs, peakRssMiB(),
                pct(dragMs, 50), pct(dragMs, 95));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    int drags = 20;
    std::vector<QString> slides;
    QString one;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "-h" || a == "--help") {
            std::fputs(kHelp, stdout);
            return 0;
        } else if (a == "--drag" && i + 1 < argc) drags = std::max(0, std::atoi(argv[++i]));
        else if (a == "--one" && i + 1 < argc) one = QString::fromLocal8Bit(argv[++i]);
        else slides.push_back(QFileInfo(QString::fromLocal8Bit(argv[i])).absoluteFilePath());
    }
    if (!one.isEmpty()) return measureOne(argc, argv, one, drags);
    if (slides.empty()) {
        std::fputs(kHelp, stderr);
        return 2;
    }
    std::printf("| slide | backend | opened (ms) | first full frame (ms) | peak RSS (MiB) | contrast drag p50 / p95 (ms) |\n");
    std::printf("|:--|:--|--:|--:|--:|--:|\n");
    for (const QString& s : slides) {
        QProcess child;
        child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        child.start(QString::fromLocal8Bit(argv[0]), {QStringLiteral("--one"), s, QStringLiteral("--drag"), QString::number(drags)});
        child.waitForFinished(600000);
        const QString out = QString::fromUtf8(child.readAllStandardOutput());
        const auto line = out.split('\n').filter(QStringLiteral("result "));
        const QString name = QFileInfo(s).fileName();
        if (line.isEmpty()) {
            std::printf("| %s | failed: %s | | | | |\n", qPrintable(name), qPrintable(out.trimmed().right(200)));
            continue;
        }
        const auto f = line.front().split(' ');
        const QString drag = f[5] == QStringLiteral("nan") ? QStringLiteral("-") : f[5] + " / " + f[6];
        std::printf("| %s | %s | %s | %s | %s | %s |\n", qPrintable(name), qPrintable(f[1]), qPrintable(f[2]), qPrintable(f[3]),
                    qPrintable(f[4]), qPrintable(drag));
        std::fflush(stdout);
    }
    return 0;
}
