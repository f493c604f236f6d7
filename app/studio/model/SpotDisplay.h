// What the spots show for the document as it is, computed without a window:
// the similarity map when one is chosen and can be drawn, else the colouring
// (a gene, a gene-set score or an obs column); the values per observation,
// the colormap and range (the 1st-99th percentile when automatic), the
// legend, the messages for the two panels, the spots a query marks, and the
// colouring request the run's other sections are coloured by. The presenter
// only applies it; tests run it without a display.
#pragma once

#include "app/studio/model/RowColouring.h"
#include "core/render/Colormap.h"
#include "core/spatial/ExpressionValues.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <vector>

namespace hescape {

class StudioDocument;
struct RunEmbeddings;
struct SpotColoring;

struct SpotDisplay {
    enum class Kind {
        Nothing,    // nothing to colour by: what is on screen stays
        Colouring,  // the spot colouring
        Map,        // a similarity map
        Failed,     // the colouring could not be computed: `error` says why
    };
    Kind kind = Kind::Nothing;
    std::vector<float> values;  // per observation; NaN: none
    ColormapId colormap = ColormapId::Viridis;
    bool keepOutline = false;  // maps keep the outline shown; colourings set their own
    bool outline = false;
    double lo = 0, hi = 1;       // the colour range (unused for categories)
    bool rangeFromData = false;  // lo and hi are percentiles of the values
    QString legendTitle;
    QStringList categories;  // non-empty: values are codes into it
    std::optional<QString> colouringMessage;  // for the colouring panel (empty clears it)
    std::optional<QString> mapMessage;        // for the similarity-map panel
    std::optional<std::vector<std::int64_t>> marked;  // a query's top k, to select
    std::optional<ColouringRequest> request;          // a gene or obs colouring, for the other sections
    QString error;
};

// The request behind a gene or obs colouring; none while there is nothing to colour by.
std::optional<ColouringRequest> colouringRequestOf(const SpotColoring& c);

SpotDisplay computeSpotDisplay(const StudioDocument& document);

// The display carried over to the run's rows (NaN for rows not on the open
// slide), for the embedding view's "as on the slide".
RowColouring rowColouringOf(const SpotDisplay& display, const RunEmbeddings& run, const std::vector<std::int64_t>& runRows);

// "N spot(s) selected; mean <title> = v" for the selected observations (no
// mean for categories).
QString selectionSummary(const std::vector<std::int64_t>& selected, const std::vector<float>& values, const QString& title,
                         bool categorical);

}  // namespace hescape
