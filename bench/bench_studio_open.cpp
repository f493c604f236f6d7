// What a user of a large data set waits for in the app itself: a MainWindow
// opens a large slide and a large data set (an .h5ad, or any data set path the
// app opens: a Visium HD bin folder, ...), and the benchmark measures the time
// until the spots are coloured on screen, how long the GUI thread was
// stalled meanwhile (a 10 ms timer's gaps), and the gene-switch latency end
// to end (gene picked -> colours computed -> frame on screen), next to the
// core's share of it (ExpressionMatrix::column of the same genes). The
// reference, in the same invocation: anndata.read_h5ad of the same data as
// .h5ad (the file itself, or the .h5ad twin that make_visium_hd_bench.py
// writes beside a bin folder) in a child process, what any Python viewer
// waits for before it can draw a spot.
// Run under a real GL context: xvfb-run here (Mesa llvmpipe), or a GPU X server.
#include "app/studio/DocumentLoader.h"
#include "bench/BenchSupport.h"
#include "app/studio/MainWindow.h"
#include "app/studio/model/StudioDocument.h"
#include "core/spatial/SpatialDataset.h"
#include "widgets/GlSurfaceFormat.h"
#include "widgets/slideview/SlideView.h"
#include "widgets/spatial/SpotColoringPanel.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace hescape;

namespace {

constexpr const char* kHelp =
    "usage: xvfb-run -a -s '-screen 0 1920x1200x24' bench_studio_open [--slide PATH] [--data PATH] [--reference H5AD] [--genes N]\n\n"
    "Opens SLIDE and the data set DATA (an .h5ad, or any data set path the app opens, such as a Visium HD bin\n"
    "folder) in HEScape Studio's main window (1600 x 1000) and prints: the time until the data set is read and\n"
    "until its spots are coloured on screen, the GUI thread's stalls meanwhile (gaps of a 10 ms timer), and the\n"
    "gene-switch latency over N random genes (default 30), end to end and for the column extraction alone; then\n"
    "anndata.read_h5ad (Debian's python3-anndata) of the same data as .h5ad as the reference: H5AD, by default\n"
    "DATA itself when it is an .h5ad, else DATA.h5ad beside it (make_visium_hd_bench.py writes square_008um.h5ad\n"
    "beside square_008um/). Defaults: bench_slide_50k.tiff (make_bench_slide) and bench_500000x5000.h5ad\n"
    "(bench_spatial) beside this executable.\n";

// This process's user + system CPU seconds so far (every thread).
double ownCpuSeconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

// The .h5ad that anndata reads as the reference: DATA itself, or DATA.h5ad beside a folder; empty when none.
std::string referenceFor(const std::string& data) {
    std::string path = data;
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    if (path.ends_with(".h5ad")) return path;
    return QFileInfo::exists(QString::fromStdString(path + ".h5ad")) ? path + ".h5ad" : std::string();
}

// anndata.read_h5ad of `h5ad` in a fresh process, after an untimed run (on
// this VM, whatever first takes fresh memory after an idle spell is slowed by
// the host, bench/README.md): the table row with its in-process time and the
// process's peak memory.
std::string referenceRow(const std::string& h5ad) {
    if (h5ad.empty()) return "| reference: none (no .h5ad of the same data; pass --reference) | |\n\n";
    bench::ChildResult r;
    for (int run = 0; run < 2; ++run) r = bench::runChild({"/usr/bin/python3", HESCAPE_BENCH_SOURCE_DIR "/anndata_reference.py", h5ad});
    char row[512];
    if (r.status == 0 && bench::field(r.out, "seconds") >= 0) {
        std::snprintf(row, sizeof row,
                      "| reference: anndata.read_h5ad alone of %s (fresh process, in-process time; peak memory %.0f MiB) | %.0f |\n\n",
                      QFileInfo(QString::fromStdString(h5ad)).fileName().toLocal8Bit().constData(), static_cast<double>(r.maxRssKb) / 1024.0,
                      1000.0 * bench::field(r.out, "seconds"));
    } else {
        std::snprintf(row, sizeof row, "| reference: anndata.read_h5ad of %s | failed (status %d) |\n\n", h5ad.c_str(), r.status);
    }
    return row;
}

// Runs the event loop until `signal` of `sender` fires (or `timeoutMs`);
// false on timeout.
template <typename Sender, typename Signal>
bool waitFor(Sender* sender, Signal signal, int timeoutMs) {
    QEventLoop loop;
    bool fired = false;
    QObject::connect(sender, signal, &loop, [&] {
        fired = true;
        loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    loop.exec();
    return fired;
}

// Gaps between the ticks of a 10 ms timer on the GUI thread.
struct StallWatch {
    QElapsedTimer clock;
    QTimer tick;
    qint64 last = -1;
    std::vector<qint64> gaps;
    StallWatch() {
        tick.setTimerType(Qt::PreciseTimer);
        QObject::connect(&tick, &QTimer::timeout, [this] {
            const qint64 now = clock.elapsed();
            if (last >= 0) gaps.push_back(now - last);
            last = now;
        });
    }
    void start() {
        gaps.clear();
        last = -1;
        clock.start();
        tick.start(10);
    }
    void stop() { tick.stop(); }
    qint64 worst() const { return gaps.empty() ? 0 : *std::max_element(gaps.begin(), gaps.end()); }
    qint64 over(qint64 ms) const {  // time lost in gaps longer than `ms`
        qint64 s = 0;
        for (const auto g : gaps)
            if (g > ms) s += g;
        return s;
    }
};

}  // namespace

int main(int argc, char** argv) {
    const std::string dir = QFileInfo(QString::fromLocal8Bit(argv[0])).absolutePath().toStdString();
    std::string slide = dir + "/bench_slide_50k.tiff", data = dir + "/bench_500000x5000.h5ad", reference;
    bool referenceGiven = false;
    int genes = 30;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool hasValue = i + 1 < argc;
        if (a == "-h" || a == "--help") {
            std::fputs(kHelp, stdout);
            return 0;
        } else if (a == "--slide" && hasValue) slide = argv[++i];
        else if (a == "--data" && hasValue) data = argv[++i];
        else if (a == "--reference" && hasValue) reference = argv[++i], referenceGiven = true;
        else if (a == "--genes" && hasValue) genes = std::max(1, std::atoi(argv[++i]));
        else {
            std::fprintf(stderr, "bench_studio_open: unknown or incomplete option %s\n%s", a.c_str(), kHelp);
            return 2;
        }
    }
    for (const auto& f : {slide, data}) {
        if (!QFileInfo::exists(QString::fromStdString(f))) {
            std::fprintf(stderr, "bench_studio_open: %s is missing (make it with make_bench_slide / bench_spatial, or pass --slide/--data)\n",
                         f.c_str());
            return 1;
        }
    }
    if (!referenceGiven) reference = referenceFor(data);
    setDefaultGlSurfaceFormat();
    QApplication app(argc, argv);
    // The reference first, while this process holds no big memory: anndata's
    // read alone (no index, no drawing).
    const std::string referenceLine = referenceRow(reference);
    QStandardPaths::setTestModeEnabled(true);  // recent files and settings go to a test location
    MainWindow w;
    w.resize(1600, 1000);
    w.show();
    StallWatch watch;

    // The slide first, as a user opens it.
    QElapsedTimer t;
    t.start();
    w.openFile(QString::fromStdString(slide));
    if (!waitFor(&w, &MainWindow::slideLoaded, 60000)) {
        std::fprintf(stderr, "the slide did not open: %s\n", qPrintable(w.lastError()));
        return 1;
    }
    const double slideMs = static_cast<double>(t.elapsed());
    waitFor(w.slideView(), &QOpenGLWidget::frameSwapped, 5000);

    // The data set: read on a worker, then placed and coloured on the GUI thread.
    const double busy0 = bench::machineBusySeconds(), own0 = ownCpuSeconds();
    watch.start();
    t.start();
    bool coloured = false;
    double readMs = -1, colouredMs = -1;
    QObject::connect(&w, &MainWindow::datasetLoaded, &w, [&] { readMs = static_cast<double>(t.elapsed()); });
    QObject::connect(&w, &MainWindow::coloringApplied, &w, [&] {
        if (!coloured) colouredMs = static_cast<double>(t.elapsed());
        coloured = true;
    });
    w.loader()->openDataset(QString::fromStdString(data));
    while (!coloured && t.elapsed() < 120000) waitFor(&w, &MainWindow::coloringApplied, 1000);
    if (!coloured || !w.document()->dataset()) {
        std::fprintf(stderr, "the data set did not open: %s\n", qPrintable(w.lastError()));
        return 1;
    }
    waitFor(w.slideView(), &QOpenGLWidget::frameSwapped, 5000);
    const double shownMs = static_cast<double>(t.elapsed());
    watch.stop();
    // CPU the rest of the machine used while the data set opened: a busy machine slows every step above.
    const double otherCpu = std::max(0.0, bench::machineBusySeconds() - busy0 - (ownCpuSeconds() - own0));
    const SpatialDataset& ds = *w.document()->dataset();

    std::printf("HEScape Studio opening %s (%lld observations x %lld genes) on %s\n\n", data.c_str(),
                static_cast<long long>(ds.observationCount()), static_cast<long long>(ds.geneCount()), slide.c_str());
    std::printf("| step | ms |\n|:--|--:|\n");
    std::printf("| slide opened | %.0f |\n", slideMs);
    std::printf("| data set read (worker thread: file, sorted-rows check, library sizes, start gene) | %.0f |\n", readMs);
    std::printf("| spots placed and coloured (GUI thread) | %.0f |\n", colouredMs);
    std::printf("| first frame with the spots | %.0f |\n", shownMs);
    std::printf("| GUI thread meanwhile: worst stall / time in stalls > 50 ms | %lld / %lld |\n",
                static_cast<long long>(watch.worst()), static_cast<long long>(watch.over(50)));
    rusage self{};
    getrusage(RUSAGE_SELF, &self);
    std::printf("| HEScape Studio process peak memory so far (MiB; slide, data set, GL buffers) | %.0f |\n", static_cast<double>(self.ru_maxrss) / 1024.0);
    std::printf("| other processes' CPU meanwhile (s, during the %.1f s above) | %.1f |\n", shownMs / 1000.0, otherCpu);
    std::printf("%s", referenceLine.c_str());

    // Gene switches, as picking a gene in the Spatial data dock does.
    std::mt19937 rng(7);
    std::uniform_int_distribution<std::int64_t> pick(0, ds.geneCount() - 1);
    std::vector<double> applied, onScreen, column;
    for (int i = 0; i < genes; ++i) {
        const std::int64_t g = pick(rng);
        QElapsedTimer c;
        c.start();
        const auto values = ds.expression.column(g);
        column.push_back(static_cast<double>(c.nsecsElapsed()) / 1e6);
        if (values.size() != static_cast<std::size_t>(ds.observationCount())) return 1;
        QElapsedTimer s;
        s.start();
        bool appliedNow = false;
        const auto conn = QObject::connect(&w, &MainWindow::coloringApplied, &w, [&] {
            if (!appliedNow) applied.push_back(static_cast<double>(s.nsecsElapsed()) / 1e6);
            appliedNow = true;
        });
        w.coloringPanel()->setGenes({QString::fromStdString(ds.geneNames[static_cast<std::size_t>(g)])});
        if (!appliedNow) waitFor(&w, &MainWindow::coloringApplied, 10000);
        QObject::disconnect(conn);
        if (!appliedNow) {
            std::fprintf(stderr, "gene %s was not applied\n", ds.geneNames[static_cast<std::size_t>(g)].c_str());
            return 1;
        }
        waitFor(w.slideView(), &QOpenGLWidget::frameSwapped, 5000);
        onScreen.push_back(static_cast<double>(s.nsecsElapsed()) / 1e6);
    }
    std::printf("Gene switch, %d random genes:\n\n| measure | p50 (ms) | p95 (ms) |\n|:--|--:|--:|\n", genes);
    std::printf("| ExpressionMatrix::column() alone (the core's part) | %.2f | %.2f |\n", bench::pct(column, 50), bench::pct(column, 95));
    std::printf("| gene picked -> colours computed and uploaded | %.1f | %.1f |\n", bench::pct(applied, 50), bench::pct(applied, 95));
    std::printf("| gene picked -> frame on screen | %.1f | %.1f |\n", bench::pct(onScreen, 50), bench::pct(onScreen, 95));
    return 0;
}
