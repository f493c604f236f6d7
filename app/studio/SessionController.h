// Sessions: saving writes the document (sessionOf) atomically; opening reads
// the file first (a bad one changes nothing open), then restores it as a
// chain of DocumentLoader tasks -- the slide (unless it is open already),
// its data set, the run -- and finally applies the rest to the document and
// the views: registration, colouring, layers, overlays, channels, map and
// query, selection, view and embedding layout. A step that fails stops the
// chain with the file and the step named; what it opened before stays.
#pragma once

#include "app/studio/SessionFile.h"

#include <QObject>
#include <QString>

#include <optional>

namespace hescape {

class ChannelsDock;
class DocumentLoader;
class EmbeddingExplorer;
class SlideView;
class StudioDocument;

class SessionController : public QObject {
    Q_OBJECT

public:
    // The views a session sets directly (the rest follows the document).
    struct Views {
        SlideView* slide = nullptr;
        ChannelsDock* channels = nullptr;
        EmbeddingExplorer* explorer = nullptr;
    };
    SessionController(StudioDocument* document, DocumentLoader* loader, Views views, QObject* parent = nullptr);

    // False (and saveFailed() with the message) when there is no slide or the file cannot be written.
    bool save(const QString& path);
    void open(const QString& path);
    QString path() const { return path_; }  // the session file last saved or opened
    bool isRestoring() const { return pending_.has_value(); }

Q_SIGNALS:
    void saved(const QString& path);
    void restored(const QString& path);
    // A session that could not be restored; `message` names the file (and the
    // step); `showBox`: the file itself could not be read.
    void failed(const QString& path, const QString& message, bool showBox);
    // `showBox`: the file could not be written (not: no slide to save).
    void saveFailed(const QString& message, bool showBox);
    void statusMessage(const QString& text, int timeoutMs);

private:
    void restoreDataset();
    void restoreRun();
    void finish();
    void fail(const QString& message);
    QString applyToViews(const Session& s);

    StudioDocument* document_;
    DocumentLoader* loader_;
    Views views_;
    QString path_;
    std::optional<Session> pending_;  // being restored
    QString pendingPath_;
};

}  // namespace hescape
