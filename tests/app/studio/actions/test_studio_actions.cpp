// The studio's action classes in the main window (under xvfb): File ▸ Export
// Data as .h5ad is enabled exactly while a data set is open (the demo B4
// slide brings its data set; a slide without one closes it); the menus carry
// the actions with their shortcuts; the Help texts say what they must.
#include "app/studio/MainWindow.h"
#include "app/studio/actions/HelpActions.h"
#include "core/common/Version.h"
#include "widgets/GlSurfaceFormat.h"

#include <QAction>
#include <QApplication>
#include <QFile>
#include <QMenuBar>
#include <QOpenGLContext>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest/QtTest>

using namespace hescape;

namespace {

const QString kDemoDir = QStringLiteral(HESCAPE_SOURCE_DIR "/resources/demo/her2st/");

QAction* menuAction(MainWindow& w, const QString& text) {
    for (QAction* a : w.menuBar()->findChildren<QAction*>())
        if (a->text() == text) return a;
    for (QAction* a : w.findChildren<QAction*>())
        if (a->text() == text) return a;
    return nullptr;
}

}  // namespace

class TestStudioActions : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QOpenGLContext probe;
        if (!probe.create()) QSKIP("no OpenGL context on this platform (run under xvfb-run)");
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
    }

    void exportDataFollowsTheOpenDataSet() {
        QTemporaryDir withData, alone;
        for (const char* f : {"B4.tiff", "B4.h5ad"}) QVERIFY(QFile::copy(kDemoDir + f, withData.filePath(f)));
        QVERIFY(QFile::copy(kDemoDir + "B4.tiff", alone.filePath("B4.tiff")));
        MainWindow w;
        w.resize(1000, 700);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QAction* exportData = menuAction(w, QStringLiteral("Export Data as .&h5ad\u2026"));
        QVERIFY(exportData);
        QCOMPARE(exportData->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
        QVERIFY(!exportData->isEnabled());

        QSignalSpy dataset(&w, &MainWindow::datasetLoaded);
        w.openFile(withData.filePath("B4.tiff"));
        QVERIFY(dataset.wait(20000));
        QVERIFY(exportData->isEnabled());

        QSignalSpy slide(&w, &MainWindow::slideLoaded);
        w.openFile(alone.filePath("B4.tiff"));
        QVERIFY(slide.wait(20000));
        QVERIFY(!exportData->isEnabled());
    }

    void menusCarryTheActions() {
        MainWindow w;
        QAction* folder = menuAction(w, QStringLiteral("Open &Folder (Xenium, OME-Zarr)\u2026"));
        QVERIFY(folder);
        QCOMPARE(folder->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_X));
        QAction* session = menuAction(w, QStringLiteral("Open Sess&ion\u2026"));
        QVERIFY(session);
        QCOMPARE(session->shortcut(), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_S));
        QVERIFY(menuAction(w, QStringLiteral("&Keyboard Shortcuts")));
        QVERIFY(menuAction(w, QStringLiteral("&About HEScape Studio")));
        QVERIFY(ShortcutsAction::shortcutsTable().contains(QStringLiteral("Ctrl+Shift+X")));
        QVERIFY(AboutAction::aboutText().contains(QLatin1String(kVersion)));
    }
};

int main(int argc, char** argv) {
    hescape::setDefaultGlSurfaceFormat();
    QApplication app(argc, argv);
    QApplication::setOrganizationName("HEScape");
    QApplication::setApplicationName("HEScape Studio Action Tests");
    TestStudioActions t;
    return QTest::qExec(&t, argc, argv);
}

#include "test_studio_actions.moc"
