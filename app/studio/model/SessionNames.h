// Every enum <-> name conversion of the session file (similarity-map modes,
// embedding layout method and points): the writer (SessionCodec) and the
// reader (SessionFile) use the same tables. Apart from SessionCodec so that
// the reader links with Qt Core alone (the session fuzz target, fuzz/).
#pragma once

#include "app/studio/model/DocumentTypes.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace hescape {

QString mapModeName(SimilarityMapMode mode);
std::optional<SimilarityMapMode> mapModeFromName(const QString& name);
QStringList mapModeNames();

QString layoutMethodName(EmbeddingLayoutMethod method);
std::optional<EmbeddingLayoutMethod> layoutMethodFromName(const QString& name);
QStringList layoutMethodNames();

QString embeddingPointsName(EmbeddingPoints points);
std::optional<EmbeddingPoints> embeddingPointsFromName(const QString& name);
QStringList embeddingPointsNames();

}  // namespace hescape
