// How the spots are coloured, as the user chose it: a gene (or several, for a
// gene-set score) under a normalisation, or an obs column; the colormap, the
// value range and the outline mode. A plain value (no widget), shared by the
// SpotColoringPanel that edits it and the studio's document that holds it.
#pragma once

#include "core/render/Colormap.h"
#include "core/spatial/ExpressionValues.h"

#include <QStringList>

namespace hescape {

struct SpotColoring {
    enum class Source { Gene, Annotation };
    Source source = Source::Gene;
    QStringList genes;  // one gene, or several for a mean z-score
    QString annotation;
    Normalisation normalisation = Normalisation::Log1p;
    ColormapId colormap = ColormapId::Viridis;
    bool autoRange = true;  // 1st..99th percentile
    double vmin = 0;
    double vmax = 1;
    bool outline = false;
    bool operator==(const SpotColoring&) const = default;
};

}  // namespace hescape
