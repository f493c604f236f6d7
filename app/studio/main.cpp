// `hescape-studio`: the desktop application.
#include "app/studio/EmbeddingExplorer.h"
#include "app/studio/MainWindow.h"
#include "app/studio/SectionGridWindow.h"
#include "app/studio/StudioMenus.h"
#include "app/studio/actions/SectionGridAction.h"
#include "app/studio/model/StudioDocument.h"
#include "core/eval/SimilarityMaps.h"
#include "app/studio/TrainingPanel.h"
#include "app/studio/TrainingRunner.h"
#include "core/common/Version.h"
#include "core/engine/TorchRuntime.h"
#include "widgets/GlSurfaceFormat.h"
#include "widgets/eval/SimilarityMapPanel.h"
#include "widgets/slideview/SlideView.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QPushButton>
#include <QTimer>

#include <clocale>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

namespace {

constexpr const char* kHelp =
    "usage: hescape-studio [options] [SLIDE | SESSION.hescape]\n\n"
    "HEScape Studio: whole-slide histology x spatial transcriptomics.\n"
    "Opens SLIDE (any format OpenSlide reads, an OME-TIFF, an OME-Zarr image folder, a Xenium\n"
    "output folder, or a PNG/JPEG/TIFF image) if given.\n\n"
    "options:\n"
    "  -h, --help              show this help and exit\n"
    "  --version               show the version and exit\n"
    "  --run RESULTS.h5        open a training run's results for the similarity maps\n"
    "  --load-session FILE     restore a saved .hescape session (slide, data, run, colours, view)\n"
    "  --dock NAME             bring a dock to the front: spatial, training, maps, embeddings, properties\n"
    "  --train-demo            once SLIDE's data set is open, start the Training dock's demo preset\n"
    "  --all-sections          once SLIDE's data set (and --run) is open, show View > All Sections\n"
    "                          (with --screenshot, that window is saved)\n"
    "                          (its log goes to stdout; with --screenshot, the shot is taken when it ends)\n"
    "  --screenshot FILE.png   once SLIDE is fully drawn, save the window as FILE.png and quit\n"
    "  --size WxH              window size (e.g. 1400x900)\n";

// --help and --version must work without a display, so they are answered
// before QApplication (which aborts without one under xcb).
std::optional<int> answerWithoutDisplay(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
            std::fputs(kHelp, stdout);
            return 0;
        }
        if (std::strcmp(argv[i], "--version") == 0) {
            std::printf("hescape-studio %s\n", hescape::kVersion);
            return 0;
        }
    }
    return std::nullopt;
}

struct StartupOptions {
    QStringList files;
    QString session, run, dock, screenshot, size;
    bool trainDemo = false;
    bool allSections = false;
};

StartupOptions parseOptions(const QApplication& app) {
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("slide"), QStringLiteral("slide to open"));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"), QStringLiteral("save window"), QStringLiteral("file"));
    const QCommandLineOption size(QStringLiteral("size"), QStringLiteral("window size"), QStringLiteral("WxH"));
    const QCommandLineOption run(QStringLiteral("run"), QStringLiteral("run results"), QStringLiteral("file"));
    // Not "--session": QGuiApplication takes -session/--session (X11 session management) out of argv itself.
    const QCommandLineOption session(QStringLiteral("load-session"), QStringLiteral("session file"), QStringLiteral("file"));
    const QCommandLineOption dock(QStringLiteral("dock"), QStringLiteral("dock to show"), QStringLiteral("name"));
    const QCommandLineOption trainDemo(QStringLiteral("train-demo"), QStringLiteral("start the demo training"));
    const QCommandLineOption allSections(QStringLiteral("all-sections"), QStringLiteral("show every section"));
    for (const auto* o : {&run, &session, &dock, &trainDemo, &allSections, &screenshot, &size}) parser.addOption(*o);
    parser.process(app);
    StartupOptions o{parser.positionalArguments(), parser.value(session), parser.value(run), parser.value(dock),
                     parser.value(screenshot), parser.value(size), parser.isSet(trainDemo), parser.isSet(allSections)};
    if (!o.files.isEmpty() && o.files.first().endsWith(QLatin1String(".hescape"))) o.session = o.files.takeFirst();
    return o;
}

// What the screenshot waits for: each flag is cleared when its work is done.
struct Pending {
    bool session = false, training = false, run = false, sections = false;
};

// --all-sections: the window opens when the data set (and the run, if one is
// coming) is there; the screenshot waits until its sections are read.
void showAllSectionsWhenReady(hescape::MainWindow& window, Pending& pending) {
    pending.sections = true;
    const auto shown = std::make_shared<bool>(false);
    const auto show = [&window, &pending, shown] {
        if (*shown || pending.run || !window.document()->dataset()) return;
        *shown = true;
        hescape::SectionGridWindow* grid = window.actions().sectionGrid->showWindow();
        QObject::connect(grid, &hescape::SectionGridWindow::loaded, &window, [&pending] { pending.sections = false; });
        QObject::connect(grid, &hescape::SectionGridWindow::failed, &window, [&pending] { pending.sections = false; });
    };
    QObject::connect(&window, &hescape::MainWindow::datasetLoaded, &window, show);
    QObject::connect(&window, &hescape::MainWindow::runLoaded, &window, show);
}

// --train-demo: the demo preset starts once the data set is there; the log is printed at the end.
void startDemoTraining(hescape::MainWindow& window, Pending& pending) {
    pending.training = true;
    QObject::connect(&window, &hescape::MainWindow::datasetLoaded, &window, [&window] {
        hescape::TrainingPanel* panel = window.trainingPanel();
        if (panel->runner()->isRunning()) return;
        panel->applyDemoPreset();
        window.showTrainingDock();
        panel->startButton()->click();
    });
    const auto done = [&window, &pending] {
        std::fputs(qPrintable(window.trainingPanel()->log() + QLatin1Char('\n')), stdout);
        std::fflush(stdout);
        pending.training = false;
    };
    QObject::connect(window.trainingPanel()->runner(), &hescape::TrainingRunner::finished, &window, done);
    QObject::connect(window.trainingPanel()->runner(), &hescape::TrainingRunner::failed, &window, done);
}

// --run: the maps need the slide's data set; the run opens once it is there.
void openRunWhenReady(hescape::MainWindow& window, const QString& runFile, bool slideGiven, Pending& pending) {
    pending.run = true;
    QObject::connect(&window, &hescape::MainWindow::datasetLoaded, &window, [&window, runFile, &pending] {
        if (pending.run) window.openRunFile(runFile);
    });
    QObject::connect(&window, &hescape::MainWindow::runLoaded, &window, [&pending] { pending.run = false; });
    if (!slideGiven) window.openRunFile(runFile);
}

// --screenshot: once the slide is open and every visible tile drawn (or it
// failed), and the rest has finished, the window is saved and the app quits.
void screenshotWhenReady(QApplication& app, hescape::MainWindow& window, const QString& out, QString dockName, const Pending& pending) {
    auto* poll = new QTimer(&app);
    auto* clock = new QElapsedTimer;
    clock->start();
    QObject::connect(poll, &QTimer::timeout, &app, [&window, out, poll, clock, &pending, dockName]() mutable {
        if (pending.training && clock->elapsed() < 600000) return;
        if (pending.sections && clock->elapsed() < 120000) return;
        const bool loaded = window.slideView()->slide() && window.slideView()->isFullyLoaded() && !window.isBusy() && !pending.session &&
                            (!pending.run || !window.similarityPanel()->message().isEmpty());
        const bool failed = !window.lastError().isEmpty() && !window.isBusy() && !pending.session;
        if (!loaded && !failed && clock->elapsed() < 60000) return;
        if (!dockName.isEmpty() && !window.raiseDock(dockName)) {
            std::fprintf(stderr, "hescape-studio: no dock named %s\n", qPrintable(dockName));
            dockName.clear();
        }
        // The embedding view lays a run out once it is shown: wait for that too.
        const auto* explorer = window.embeddingExplorer();
        if (dockName == QLatin1String("embeddings") && window.document()->run() && (explorer->isComputing() || explorer->layout().empty()) &&
            clock->elapsed() < 120000)
            return;
        poll->stop();
        window.slideView()->update();
        QTimer::singleShot(300, &window, [&window, out, clock, failed] {
            hescape::SectionGridWindow* grid = window.actions().sectionGrid->window();
            const bool ok = (grid && grid->isVisible() ? grid->grab() : window.grab()).save(out);
            std::fprintf(stderr, "hescape-studio: screenshot %s %s after %lld ms\n", qPrintable(out), ok ? "saved" : "NOT saved",
                         static_cast<long long>(clock->elapsed()));
            if (failed) std::fprintf(stderr, "hescape-studio: %s\n", qPrintable(window.lastError()));
            delete clock;
            QApplication::exit(ok && !failed ? 0 : 1);
        });
    });
    poll->start(100);
}

}  // namespace

int main(int argc, char** argv) {
    if (const auto exit = answerWithoutDisplay(argc, argv)) return *exit;
    hescape::setDefaultGlSurfaceFormat();
    QApplication app(argc, argv);
    std::setlocale(LC_NUMERIC, "C");  // numbers in files parse the same in every locale
    QApplication::setOrganizationName(QStringLiteral("HEScape"));
    QApplication::setApplicationName(QStringLiteral("HEScape Studio"));
    QApplication::setApplicationVersion(QLatin1String(hescape::kVersion));
    hescape::configureTorchThreads();
    const StartupOptions options = parseOptions(app);

    hescape::MainWindow window;
    if (const QStringList wh = options.size.split(QLatin1Char('x')); wh.size() == 2) window.resize(wh[0].toInt(), wh[1].toInt());
    window.show();
    Pending pending;
    if (!options.session.isEmpty()) {
        pending.session = true;
        QObject::connect(&window, &hescape::MainWindow::sessionRestored, &window, [&pending] { pending.session = false; });
        QObject::connect(&window, &hescape::MainWindow::sessionFailed, &window, [&pending] { pending.session = false; });
        window.openSession(options.session);
    } else if (!options.files.isEmpty()) {
        window.openFile(options.files.first());
    }
    if (options.trainDemo) startDemoTraining(window, pending);
    if (!options.run.isEmpty()) openRunWhenReady(window, options.run, !options.files.isEmpty(), pending);
    if (options.allSections) showAllSectionsWhenReady(window, pending);
    if (!options.screenshot.isEmpty()) screenshotWhenReady(app, window, options.screenshot, options.dock, pending);
    return app.exec();
}
