// RecentFiles: persists the list under its QSettings key and mirrors it in a menu.
#include "app/studio/RecentFiles.h"

#include <QFileInfo>
#include <QMenu>
#include <QSettings>

namespace hescape {

RecentFiles::RecentFiles(QMenu* menu, QObject* parent, QString settingsKey)
    : QObject(parent), menu_(menu), key_(std::move(settingsKey)) {
    rebuildMenu();
}

QStringList RecentFiles::paths() const { return QSettings().value(key_).toStringList(); }

void RecentFiles::add(const QString& path) {
    const QString abs = QFileInfo(path).absoluteFilePath();
    QStringList list = paths();
    list.removeAll(abs);
    list.prepend(abs);
    while (list.size() > kMaxEntries) list.removeLast();
    QSettings().setValue(key_, list);
    rebuildMenu();
}

void RecentFiles::clear() {
    QSettings().remove(key_);
    rebuildMenu();
}

void RecentFiles::rebuildMenu() {
    menu_->clear();
    const QStringList list = paths();
    for (int i = 0; i < list.size(); ++i) {
        const QString path = list[i];
        const QString text = QStringLiteral("&%1 %2").arg((i + 1) % 10).arg(QFileInfo(path).fileName());
        QAction* a = menu_->addAction(text, this, [this, path] { Q_EMIT openRequested(path); });
        a->setToolTip(path);
        a->setStatusTip(path);
    }
    if (list.isEmpty()) menu_->addAction(tr("(none)"))->setEnabled(false);
    menu_->addSeparator();
    menu_->addAction(tr("Clear Recent Files"), this, &RecentFiles::clear)->setEnabled(!list.isEmpty());
}

}  // namespace hescape
