// A File ▸ Open Recent list (slides or sessions), kept in QSettings, most recent first.
#pragma once

#include <QObject>
#include <QStringList>

class QMenu;

namespace hescape {

class RecentFiles : public QObject {
    Q_OBJECT
public:
    static constexpr int kMaxEntries = 10;
    // `settingsKey`: where the list lives in QSettings (slides and sessions keep separate lists).
    explicit RecentFiles(QMenu* menu, QObject* parent = nullptr, QString settingsKey = QStringLiteral("recentFiles"));

    void add(const QString& path);
    void clear();
    QStringList paths() const;

Q_SIGNALS:
    void openRequested(const QString& path);

private:
    void rebuildMenu();
    QMenu* menu_;
    QString key_;
};

}  // namespace hescape
