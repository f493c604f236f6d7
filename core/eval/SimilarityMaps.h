// Cross-modal similarity maps on the tissue, from a run's embeddings (the
// /embeddings groups `hescape train --results` and `hescape embed` write):
// - alignment: each spot's cosine between its own image and gene embedding;
// - query: one spot's image embedding against every spot's gene embedding
//   (or gene against image), with the top-k retrieved spots;
// - gene direction: the gene-embedding direction of high expression of one
//   gene (mean of the spots in its top decile minus the mean of all),
//   projected onto every spot's image embedding: what the image encoder
//   "sees" of that gene.
// Maps are per observation of a loaded data set (NaN where the run has no
// embedding for it), matched by section name and observation name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hescape {

// Which map is shown: off, alignment, a query either way, or a gene's direction.
enum class SimilarityMapMode { Off, Alignment, QueryImageToGene, QueryGeneToImage, GeneDirection };

struct RunEmbeddings {
    std::string path;
    std::int64_t dim = 0;
    std::vector<std::string> section, obsName;
    std::vector<float> image, gene;  // rows * dim, L2-normalised as written
    std::int64_t rows() const { return static_cast<std::int64_t>(section.size()); }
    std::vector<std::string> sections() const;  // distinct, in order of appearance
    // Adds the rows of one split (image and gene rows * dim each).
    void append(const std::vector<std::string>& sections, const std::vector<std::string>& names, const std::vector<float>& imageRows,
                const std::vector<float>& geneRows);
};

class Hdf5File;

// The image and gene embeddings of one split (/embeddings/<split>): the one
// reader behind the maps, `hescape eval` and the app's metrics. Throws
// Hdf5Error naming the file and dataset when the two differ in shape or
// hold a value that is not finite.
struct EmbeddingPair {
    std::int64_t rows = 0, dim = 0;
    std::vector<float> image, gene;
};
EmbeddingPair readEmbeddingPair(const Hdf5File& f, const std::string& split);

// Every split of the file, one after the other. Throws Hdf5Error naming the
// file and the dataset (missing groups, shapes that disagree, NaN values).
RunEmbeddings readRunEmbeddings(const std::string& path);

// For each observation of a data set: its row in `run`, or -1. Rows of the
// named section are used; when the run has no such section, observation
// names are matched across all sections if they are unique there.
std::vector<std::int64_t> matchObservations(const RunEmbeddings& run, const std::string& section,
                                            const std::vector<std::string>& obsNames);

// The inverse of matchObservations for a set of run rows: the observations
// (indices into rowOfObs, ascending) whose row is among `rows`. Rows outside
// [0, runRows) are ignored.
std::vector<std::int64_t> observationsOfRows(const std::vector<std::int64_t>& rowOfObs, const std::vector<std::int64_t>& rows,
                                             std::int64_t runRows);

std::vector<float> alignmentMap(const RunEmbeddings& run, const std::vector<std::int64_t>& rows);
// `queryObs` is an observation index of the data set; NaN everywhere when it has no embedding.
std::vector<float> queryMap(const RunEmbeddings& run, const std::vector<std::int64_t>& rows, std::int64_t queryObs, bool imageToGene);
// The same with the query given as a run row, which may belong to another
// section than `rows` (the all-sections view: one query, every section).
std::vector<float> queryRowMap(const RunEmbeddings& run, const std::vector<std::int64_t>& rows, std::int64_t queryRow, bool imageToGene);
// `expression`: the gene's value for each observation of the data set.
std::vector<float> geneDirectionMap(const RunEmbeddings& run, const std::vector<std::int64_t>& rows,
                                    const std::vector<float>& expression, double quantile = 0.9);
// Indices of the k largest finite values, largest first.
std::vector<std::int64_t> topK(const std::vector<float>& values, int k);

}  // namespace hescape
