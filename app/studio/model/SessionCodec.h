// The document as a session and back: sessionOf() captures the whole document
// as the Session that SessionFile writes; the enum <-> name tables are
// SessionNames' (normalisations and colormaps use core's names).
#pragma once

#include "app/studio/SessionFile.h"
#include "app/studio/model/DocumentTypes.h"
#include "app/studio/model/SessionNames.h"

#include <QStringList>

#include <optional>

namespace hescape {

class StudioDocument;
struct SpotColoring;

SessionColoring sessionColoringOf(const SpotColoring& c);
// Names the file does not know fall back to the defaults (the reader has
// refused unknown map and embedding names already).
SpotColoring spotColoringOf(const SessionColoring& c);
SessionEmbedding sessionEmbeddingOf(const EmbeddingViewState& e);
EmbeddingViewState embeddingViewOf(const SessionEmbedding& e);

// Everything open and how it is shown, as a session.
Session sessionOf(const StudioDocument& document);

}  // namespace hescape
