// SessionController: the restore is a sequence of loader continuations, not
// flags checked across the window's load handlers.
#include "app/studio/SessionController.h"

#include "app/studio/ChannelsDock.h"
#include "app/studio/DocumentLoader.h"
#include "app/studio/EmbeddingExplorer.h"
#include "app/studio/model/SessionCodec.h"
#include "app/studio/model/StudioDocument.h"
#include "core/spatial/SpatialDataset.h"
#include "widgets/slideview/SlideView.h"

#include <QFileInfo>

namespace hescape {

SessionController::SessionController(StudioDocument* document, DocumentLoader* loader, Views views, QObject* parent)
    : QObject(parent), document_(document), loader_(loader), views_(views) {}

bool SessionController::save(const QString& path) {
    if (document_->slidePath().isEmpty()) {
        Q_EMIT saveFailed(tr("Open a slide first: a session starts from a slide."), false);
        return false;
    }
    try {
        writeSession(path, sessionOf(*document_));
    } catch (const std::exception& e) {
        Q_EMIT saveFailed(QString::fromStdString(e.what()), true);
        return false;
    }
    path_ = path;
    Q_EMIT saved(path);
    Q_EMIT statusMessage(tr("Saved session %1").arg(path), 6000);
    return true;
}

void SessionController::open(const QString& path) {
    if (pending_) {
        Q_EMIT statusMessage(tr("Still restoring %1").arg(pendingPath_), 6000);
        return;
    }
    try {
        pending_ = readSession(path);
    } catch (const std::exception& e) {
        Q_EMIT failed(path, QString::fromStdString(e.what()), true);
        return;
    }
    pendingPath_ = path;
    Q_EMIT statusMessage(tr("Restoring session %1\u2026").arg(QFileInfo(path).fileName()), 0);
    if (pending_->slide == document_->slidePath() && document_->slide()) return restoreDataset();  // the slide is open already
    loader_->openSlide(pending_->slide, [this](bool ok, const QString& error) {
        if (ok) restoreDataset();
        else fail(error);
    });
}

void SessionController::restoreDataset() {
    if (pending_->dataset.isEmpty()) return finish();
    loader_->openDataset(pending_->dataset, [this](bool ok, const QString& error) {
        if (!ok) return fail(error);
        // The session's registration wins over the one saved beside the data set.
        if (pending_->registration) document_->setRegistration(pending_->registration);
        SpotColoring c = spotColoringOf(pending_->coloring);
        // No gene in the session: the gene the data set opened with.
        if (c.source == SpotColoring::Source::Gene && c.genes.isEmpty()) c.genes = document_->colouring().genes;
        document_->setColouring(c);
        restoreRun();
    });
}

void SessionController::restoreRun() {
    if (pending_->run.isEmpty()) return finish();
    loader_->openRun(pending_->run, [this](bool ok, const QString& error) {
        if (ok) finish();
        else fail(error);
    });
}

void SessionController::fail(const QString& message) {
    const QString path = pendingPath_;
    pending_.reset();
    pendingPath_.clear();
    Q_EMIT failed(path, tr("Session %1: %2").arg(QFileInfo(path).fileName(), message), false);
}

void SessionController::finish() {
    const Session s = *pending_;
    const QString path = pendingPath_;
    pending_.reset();
    pendingPath_.clear();
    document_->setSlideLayer({s.slideLayer.visible, s.slideLayer.opacity});
    if (document_->dataset()) document_->setSpotsLayer({s.spotsLayer.visible, s.spotsLayer.opacity});
    document_->setOverlays(s.minimap, s.scaleBar);
    if (document_->run()) {
        SimilarityMapSettings map = document_->map();
        map.gene = s.similarityGene;
        map.mode = mapModeFromName(s.similarityMap).value_or(map.mode);
        document_->setMap(map);
        document_->setQueryObservation(s.queryObservation);
    }
    const QString note = applyToViews(s);
    path_ = path;
    Q_EMIT restored(path);
    // Said with the "Restored" message, which would hide a message of its own.
    Q_EMIT statusMessage(tr("Restored session %1%2").arg(path, note), note.isEmpty() ? 6000 : 12000);
}

QString SessionController::applyToViews(const Session& s) {
    QString note;
    if (!s.channels.empty()) {
        if (const QString why = views_.channels->applySettings(s.channels); !why.isEmpty())
            note = tr(" (its channel settings were not applied: %1)").arg(why);
    }
    if (const SpatialDataset* ds = document_->dataset()) {
        std::vector<std::int64_t> selection;
        for (const qint64 i : s.selection)
            if (i < ds->observationCount()) selection.push_back(i);
        if (selection.size() < s.selection.size())
            note += tr(" (%1 selected spots of the session are not in the data set)").arg(s.selection.size() - selection.size());
        document_->selectObservations(std::move(selection), SelectionOrigin::Document);
    }
    if (s.viewDownsample > 0) views_.slide->setView(s.viewCenter, s.viewDownsample);
    if (!s.embedding.method.isEmpty()) {
        const EmbeddingViewState e = embeddingViewOf(s.embedding);
        views_.explorer->setColourBy(e.colourBy);
        views_.explorer->setSettings(e.layout);  // lays the run out again with these settings
    }
    return note;
}

}  // namespace hescape
