// The document as a session and back: every enum <-> name conversion of the
// session file lives here (similarity-map modes, embedding layout method and
// points, colouring source; normalisations and colormaps use core's names),
// and sessionOf() captures the whole document as the Session that
// SessionFile writes. The file reader checks names against the same tables.
#pragma once

#include "app/studio/SessionFile.h"
#include "app/studio/model/DocumentTypes.h"

#include <QStringList>

#include <optional>

namespace hescape {

class StudioDocument;
struct SpotColoring;

QString mapModeName(SimilarityMapMode mode);
std::optional<SimilarityMapMode> mapModeFromName(const QString& name);
QStringList mapModeNames();

QString layoutMethodName(EmbeddingLayoutMethod method);
std::optional<EmbeddingLayoutMethod> layoutMethodFromName(const QString& name);
QStringList layoutMethodNames();

QString embeddingPointsName(EmbeddingPoints points);
std::optional<EmbeddingPoints> embeddingPointsFromName(const QString& name);
QStringList embeddingPointsNames();

SessionColoring sessionColoringOf(const SpotColoring& c);
// Names the file does not know fall back to the defaults (the reader has
// refused unknown map and embedding names already).
SpotColoring spotColoringOf(const SessionColoring& c);
SessionEmbedding sessionEmbeddingOf(const EmbeddingViewState& e);
EmbeddingViewState embeddingViewOf(const SessionEmbedding& e);

// Everything open and how it is shown, as a session.
Session sessionOf(const StudioDocument& document);

}  // namespace hescape
