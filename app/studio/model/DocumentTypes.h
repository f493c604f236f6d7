// The small value types of the studio's document (StudioDocument.h): the
// similarity-map choice, a layer's visibility, the view, where a selection
// came from, and the embedding view's layout settings. Plain values, no
// widgets; the session file stores each (SessionCodec.h).
#pragma once

#include "core/eval/SimilarityMaps.h"

#include <QPointF>
#include <QString>

#include <cstdint>

namespace hescape {

struct SimilarityMapSettings {
    SimilarityMapMode mode = SimilarityMapMode::Off;
    int topK = 10;
    QString gene;  // the gene-direction map's gene
    bool operator==(const SimilarityMapSettings&) const = default;
};

struct LayerState {
    bool visible = true;
    double opacity = 1.0;
    bool operator==(const LayerState&) const = default;
};

struct ViewState {
    QPointF center;
    double downsample = 0;  // 0: fit to window
    bool minimap = true;
    bool scaleBar = true;
};

// Who changed the selection: the views it came from do not need it back.
enum class SelectionOrigin { Slide, Embedding, SecondSection, SectionGrid, Document };

enum class EmbeddingPoints { Image, Gene, Joint, SideBySide };  // side by side: image and gene layouts in two linked views
enum class EmbeddingLayoutMethod { Pca, Umap };

struct EmbeddingLayoutSettings {
    EmbeddingLayoutMethod method = EmbeddingLayoutMethod::Umap;
    EmbeddingPoints points = EmbeddingPoints::Image;
    int dims = 2;
    std::uint64_t seed = 42;
};

// The embedding view as the user left it: the layout settings and what
// colours it ("section", "donor", "alignment", "slide", "modality").
struct EmbeddingViewState {
    EmbeddingLayoutSettings layout;
    QString colourBy;
};

}  // namespace hescape
