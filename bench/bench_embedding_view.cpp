// Embedding explorer timings: EmbeddingScatterView (1000 x 800) with 100k and
// 1M points, 2-D and 3-D: data set-up, first frame, frame time while the
// camera moves (change -> requestRender -> frameSwapped), the first hover
// after a camera change (which projects every point and builds the grid),
// a cached hover, a lasso and a selection. The last rows compare the render
// path used (vertex cells, point size 3) with vtkPointGaussianMapper on the
// same 1M points. Needs a GL context: xvfb-run (Mesa llvmpipe) or a desktop.
#include "widgets/GlSurfaceFormat.h"
#include "widgets/embedding/EmbeddingScatterView.h"
#include "widgets/vtk/VtkGLWidget.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QOpenGLContext>
#include <QOpenGLFunctions>
#include <QTimer>

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkFloatArray.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkPointData.h>
#include <vtkPointGaussianMapper.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkRendererCollection.h>
#include <vtkUnsignedCharArray.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>

using namespace hescape;

namespace {

double pct(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(std::min<double>(v.size() - 1, std::ceil(p / 100.0 * v.size()) - 1))];
}

double msSince(const QElapsedTimer& t) { return static_cast<double>(t.nsecsElapsed()) / 1e6; }

// One frame: change the scene, then wait until Qt has swapped the result.
double frame(VtkGLWidget& w, const std::function<void()>& change) {
    QEventLoop loop;
    QObject::connect(&w, &QOpenGLWidget::frameSwapped, &loop, &QEventLoop::quit);
    QTimer::singleShot(20000, &loop, &QEventLoop::quit);
    QElapsedTimer t;
    t.start();
    change();
    w.requestRender();
    loop.exec();
    return msSince(t);
}

std::vector<double> frames(VtkGLWidget& w, int n, const std::function<void(int)>& change) {
    std::vector<double> ms;
    for (int i = 0; i < n + 3; ++i) {
        const double f = frame(w, [&] { change(i); });
        if (i >= 3) ms.push_back(f);  // the first frames warm up
    }
    return ms;
}

vtkCamera* cameraOf(VtkGLWidget& w) { return w.renderWindow()->GetRenderers()->GetFirstRenderer()->GetActiveCamera(); }

// A UMAP-like picture: `clusters` Gaussian blobs of different sizes.
std::vector<float> makeCloud(int n, int dims, std::vector<int>& codes) {
    std::mt19937 rng(11);
    const int clusters = 20;
    std::uniform_real_distribution<float> centre(-20, 20), spread(0.5f, 2.5f);
    std::vector<std::array<float, 4>> c(clusters);
    for (auto& k : c) k = {centre(rng), centre(rng), centre(rng), spread(rng)};
    std::normal_distribution<float> g(0, 1);
    std::uniform_int_distribution<int> pick(0, clusters - 1);
    std::vector<float> xyz(static_cast<std::size_t>(n) * dims);
    codes.resize(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        const int k = pick(rng);
        codes[static_cast<std::size_t>(i)] = k;
        for (int d = 0; d < dims; ++d) xyz[static_cast<std::size_t>(i) * dims + d] = c[k][d] + c[k][3] * g(rng);
    }
    return xyz;
}

}  // namespace

int main(int argc, char** argv) {
    int nFrames = 20;
    QString shotDir;  // --screenshot DIR: also saves what the 100k views look like
    std::vector<int> sizes{100000, 1000000};  // --points N: only this size (and no mapper comparison)
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
            std::puts("usage: xvfb-run -a -s '-screen 0 1920x1200x24' bench_embedding_view [--frames N] [--points N] [--screenshot DIR]\n\n"
                      "EmbeddingScatterView timings with 100k and 1M points, 2-D and 3-D.");
            return 0;
        }
        if (std::strcmp(argv[i], "--frames") == 0 && i + 1 < argc) nFrames = std::atoi(argv[++i]);
        if (std::strcmp(argv[i], "--points") == 0 && i + 1 < argc) sizes = {std::atoi(argv[++i])};
        if (std::strcmp(argv[i], "--screenshot") == 0 && i + 1 < argc) shotDir = QString::fromLocal8Bit(argv[++i]);
    }
    setDefaultGlSurfaceFormat();
    QSurfaceFormat fmt = QSurfaceFormat::defaultFormat();
    fmt.setSwapInterval(0);  // measure frames, not the display's refresh
    QSurfaceFormat::setDefaultFormat(fmt);
    QApplication app(argc, argv);

    EmbeddingScatterView v;
    v.resize(1000, 800);
    v.show();
    QElapsedTimer wait;
    wait.start();
    while (wait.elapsed() < 500) QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    v.makeCurrent();
    const QString renderer = QString::fromLatin1(
        reinterpret_cast<const char*>(QOpenGLContext::currentContext()->functions()->glGetString(GL_RENDERER)));
    v.doneCurrent();
    std::printf("EmbeddingScatterView 1000 x 800, point size 3, GL renderer: %s\n\n", qPrintable(renderer));
    std::printf("| points | dims | setPoints (ms) | setCategories (ms) | first frame (ms) | camera frame p50 / p95 (ms) "
                "| first hover after camera move (ms) | cached hover (us) | lasso (ms) | select 1%% + frame (ms) |\n");
    std::printf("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");

    for (const int dims : {2, 3}) {
        for (const int n : sizes) {
            std::vector<int> codes;
            std::vector<float> xyz = makeCloud(n, dims, codes);
            QElapsedTimer t;
            t.start();
            v.setPoints(std::move(xyz), dims);
            const double setMs = msSince(t);
            QStringList names;
            for (int k = 0; k < 20; ++k) names << QStringLiteral("cluster %1").arg(k);
            t.start();
            v.setCategories(codes, names, QStringLiteral("cluster"));
            const double catMs = msSince(t);
            const double first = frame(v, [] {});
            vtkCamera* cam = cameraOf(v);
            const auto ms = frames(v, nFrames, [&](int i) {
                if (dims == 2) {
                    double f[3], p[3];
                    cam->GetFocalPoint(f);
                    cam->GetPosition(p);
                    const double d = (i % 2 ? 0.05 : -0.04);
                    cam->SetFocalPoint(f[0] + d, f[1], f[2]);
                    cam->SetPosition(p[0] + d, p[1], p[2]);
                } else {
                    cam->Azimuth(2.0);
                }
            });
            // Hover: the first query after the camera moved projects all points.
            t.start();
            (void)v.pointAt(QPointF(500, 400));
            const double firstHover = msSince(t);
            t.start();
            const int queries = 1000;
            for (int q = 0; q < queries; ++q) (void)v.pointAt(QPointF(300 + q % 400, 200 + (q * 7) % 400));
            const double cachedHoverUs = msSince(t) * 1000.0 / queries;
            QPolygonF lasso;
            for (int k = 0; k < 64; ++k)
                lasso << QPointF(500 + 250 * std::cos(k * 0.098), 400 + 200 * std::sin(k * 0.098));
            t.start();
            v.selectInPolygon(lasso);
            const double lassoMs = msSince(t);
            std::vector<std::int64_t> sel;
            for (std::int64_t i = 0; i < n; i += 100) sel.push_back(i);
            const double selFrame = frame(v, [&] { v.setSelection(sel); });
            if (!shotDir.isEmpty() && n == 100000) {
                v.selectInPolygon(lasso);
                v.setCategoryVisible(3, false);
                v.grab().save(QStringLiteral("%1/embedding_%2d_100k.png").arg(shotDir).arg(dims));
                v.setCategoryVisible(3, true);
            }
            v.clearSelection();
            std::printf("| %d | %d | %.1f | %.1f | %.1f | %.1f / %.1f | %.1f | %.1f | %.1f | %.1f |\n", n, dims, setMs,
                        catMs, first, pct(ms, 50), pct(ms, 95), firstHover, cachedHoverUs, lassoMs, selFrame);
            std::fflush(stdout);
        }
    }

    // The alternative render path on the same 1M 3-D points, in a bare widget.
    if (sizes.size() > 1) {
        v.setPoints({}, 2);
        std::vector<int> codes;
        const std::vector<float> xyz = makeCloud(1000000, 3, codes);
        VtkGLWidget w;
        w.resize(1000, 800);
        w.show();
        vtkNew<vtkPoints> pts;
        pts->SetDataTypeToFloat();
        pts->SetNumberOfPoints(1000000);
        vtkNew<vtkUnsignedCharArray> rgb;
        rgb->SetNumberOfComponents(3);
        rgb->SetNumberOfTuples(1000000);
        for (vtkIdType i = 0; i < 1000000; ++i) {
            pts->SetPoint(i, xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2]);
            rgb->SetTypedTuple(i, std::array<unsigned char, 3>{static_cast<unsigned char>(codes[i] * 12), 90, 160}.data());
        }
        vtkNew<vtkPolyData> pd;
        pd->SetPoints(pts);
        pd->GetPointData()->SetScalars(rgb);
        std::printf("\nRender path, 1M points, 3-D, 1000 x 800 (camera frame p50 / p95, ms):\n\n");
        std::printf("| mapper | first frame (ms) | camera frame p50 / p95 (ms) |\n|---|--:|--:|\n");
        for (const double scale : {0.0, 0.08}) {
            vtkNew<vtkPointGaussianMapper> mapper;
            mapper->SetInputData(pd);
            mapper->SetScaleFactor(scale);  // 0: plain GL points; > 0: splats of that world radius
            mapper->SetColorModeToDirectScalars();
            mapper->EmissiveOff();
            vtkNew<vtkActor> actor;
            actor->SetMapper(mapper);
            actor->GetProperty()->SetPointSize(3);
            vtkNew<vtkRenderer> ren;
            ren->SetBackground(0.99, 0.99, 0.99);
            ren->AddActor(actor);
            w.renderWindow()->AddRenderer(ren);
            ren->ResetCamera();
            const double first = frame(w, [] {});
            const auto ms = frames(w, nFrames, [&](int) { ren->GetActiveCamera()->Azimuth(2.0); });
            std::printf("| vtkPointGaussianMapper, scale %.2f | %.1f | %.1f / %.1f |\n", scale, first, pct(ms, 50),
                        pct(ms, 95));
            std::fflush(stdout);
            w.renderWindow()->RemoveRenderer(ren);
        }
    }
    return 0;
}
