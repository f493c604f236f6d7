// A studio session as one JSON file: which slide, data set, registration, run
// and embedding layout are open, how the spots are coloured, the layers, a
// fluorescence slide's channels, and where the view is. Paths are stored relative to the session file (so a
// project folder can move) and absolute (so a session outside it still
// opens). Written atomically; a malformed file is refused with a message that
// names the file and the field, before anything open is touched.
#pragma once

#include "core/slide/ChannelDisplay.h"
#include "core/spatial/RegistrationFile.h"

#include <QPointF>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace hescape {

struct SessionColoring {
    QString source = QStringLiteral("gene");  // "gene" or "annotation"
    QStringList genes;
    QString annotation;
    QString normalisation;  // normalisationName()
    QString colormap;       // colormapName()
    bool autoRange = true;
    double vmin = 0;
    double vmax = 1;
    bool outline = false;
};

struct SessionLayer {
    bool visible = true;
    double opacity = 1.0;
};

struct SessionEmbedding {
    QString method;  // "pca" or "umap"; empty: no layout
    QString points = QStringLiteral("image");  // "image", "gene", "joint" or "side-by-side"
    int dims = 2;
    QString colorBy;  // "section", "donor", "alignment", "slide" (as the spots), "modality"
    std::uint64_t seed = 42;
};

struct Session {
    QString slide;    // absolute paths once read
    QString dataset;  // empty: none
    QString run;      // empty: none
    std::optional<Registration> registration;  // the user's landmark registration
    SessionColoring coloring;
    SessionLayer slideLayer, spotsLayer;
    QString similarityMap = QStringLiteral("off");  // "off", "alignment", "image-to-gene", "gene-to-image", "gene-direction"
    QString similarityGene;
    qint64 queryObservation = -1;
    std::vector<qint64> selection;  // selected observations
    SessionEmbedding embedding;
    QPointF viewCenter;
    double viewDownsample = 0;  // 0: fit to window
    bool minimap = true;
    bool scaleBar = true;
    // A fluorescence slide's channels as shown (empty for RGB slides).
    std::vector<ChannelDisplay> channels;
};

class SessionError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Throws SessionError naming the file when it cannot be written.
void writeSession(const QString& path, const Session& s);
// Throws SessionError naming the file and the field.
Session readSession(const QString& path);

}  // namespace hescape
