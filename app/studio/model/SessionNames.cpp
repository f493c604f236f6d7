// SessionNames: one table per enum; names are the session file's (format 1).
#include "app/studio/model/SessionNames.h"

#include <array>
#include <utility>

namespace hescape {

namespace {

const std::array<std::pair<SimilarityMapMode, const char*>, 5> kMapModes{{{SimilarityMapMode::Off, "off"},
                                                                          {SimilarityMapMode::Alignment, "alignment"},
                                                                          {SimilarityMapMode::QueryImageToGene, "image-to-gene"},
                                                                          {SimilarityMapMode::QueryGeneToImage, "gene-to-image"},
                                                                          {SimilarityMapMode::GeneDirection, "gene-direction"}}};
const std::array<std::pair<EmbeddingLayoutMethod, const char*>, 2> kMethods{
    {{EmbeddingLayoutMethod::Pca, "pca"}, {EmbeddingLayoutMethod::Umap, "umap"}}};
const std::array<std::pair<EmbeddingPoints, const char*>, 4> kPoints{{{EmbeddingPoints::Image, "image"},
                                                                      {EmbeddingPoints::Gene, "gene"},
                                                                      {EmbeddingPoints::Joint, "joint"},
                                                                      {EmbeddingPoints::SideBySide, "side-by-side"}}};

template <class Table, class E>
QString nameIn(const Table& table, E value) {
    for (const auto& [v, name] : table)
        if (v == value) return QLatin1String(name);
    return {};
}

template <class E, class Table>
std::optional<E> valueIn(const Table& table, const QString& name) {
    for (const auto& [v, n] : table)
        if (name == QLatin1String(n)) return v;
    return std::nullopt;
}

template <class Table>
QStringList namesIn(const Table& table) {
    QStringList names;
    for (const auto& entry : table) names << QLatin1String(entry.second);
    return names;
}

}  // namespace

QString mapModeName(SimilarityMapMode mode) { return nameIn(kMapModes, mode); }
std::optional<SimilarityMapMode> mapModeFromName(const QString& name) { return valueIn<SimilarityMapMode>(kMapModes, name); }
QStringList mapModeNames() { return namesIn(kMapModes); }

QString layoutMethodName(EmbeddingLayoutMethod method) { return nameIn(kMethods, method); }
std::optional<EmbeddingLayoutMethod> layoutMethodFromName(const QString& name) { return valueIn<EmbeddingLayoutMethod>(kMethods, name); }
QStringList layoutMethodNames() { return namesIn(kMethods); }

QString embeddingPointsName(EmbeddingPoints points) { return nameIn(kPoints, points); }
std::optional<EmbeddingPoints> embeddingPointsFromName(const QString& name) { return valueIn<EmbeddingPoints>(kPoints, name); }
QStringList embeddingPointsNames() { return namesIn(kPoints); }

}  // namespace hescape
