// The File ▸ Open Recent list, kept in QSettings, most recent first.
#pragma once

#include <QObject>
#include <QStringList>

class QMenu;

namespace hescape {

class RecentFiles : public QObject {
    Q_OBJECT
public:
    static constexpr int kMaxEntries = 10;
    explicit RecentFiles(QMenu* menu, QObject* parent = nullptr);

    void add(const QString& path);
    void clear();
    QStringList paths() const;

Q_SIGNALS:
    void openRequested(const QString& path);

private:
    void rebuildMenu();
    QMenu* menu_;
};

}  // namespace hescape
