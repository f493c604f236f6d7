// Batch-effect metrics of one embedding: how strongly cells still group by
// the batch a user picks (donor, section, panel) rather than by biology. The
// definitions are those of scib (Luecken et al. 2022, "Benchmarking atlas-level
// data integration in single-cell genomics", Nat. Methods 19:41; the `scib`
// package, scib/metrics/*.py) and of LISI (Korsunsky et al. 2019, "Fast,
// sensitive and accurate integration of single-cell data with Harmony",
// Nat. Methods 16:1289; the R package immunogenomics/LISI, compute_lisi).
//
// Labels are integer codes 0 .. 2^20 - 1 (a categorical obs column's codes);
// a code that no cell carries is simply absent. Per-label results are indexed
// by code (size = largest code + 1), NaN for codes no cell carries or that a
// metric skips. All distances are Euclidean.
//
// - Silhouette (sklearn.metrics.silhouette_samples / silhouette_score):
//   a(i) = mean distance to the other cells of i's label, b(i) = smallest mean
//   distance to the cells of another label, s(i) = (b - a) / max(a, b);
//   s(i) = 0 when i's label has one cell or when a = b = 0. Needs 2 <= labels
//   <= n - 1 (sklearn raises otherwise; so do we).
// - Batch silhouette (scib.metrics.silhouette_batch, scale=True): for each
//   cell-type label g, the silhouette of the *batch* labels among g's cells
//   only, s'(i) = 1 - |s(i)|; groups with one batch, or with every cell its own
//   batch, are skipped (as scib does); the mean of s' per group, then the mean
//   over groups. 1 = batches mixed within every cell type, 0 = separated.
//   Without cell types all cells form one group.
// - LISI (compute_lisi): on the 3 * perplexity - 1 nearest neighbours of each
//   cell (R's nn2 returns 3 * perplexity including the cell, which it drops),
//   Gaussian weights exp(-beta * d) on the Euclidean distances d (not squared,
//   as compute_simpson_index receives them), beta found by the package's binary
//   search (start 1, double/halve until bracketed, then bisect; stop when the
//   entropy is within 1e-5 of log(perplexity) or after 50 updates); the cell's
//   LISI is 1 / sum over labels of (weight of that label)^2. iLISI uses batch
//   labels (1 .. B, B = perfectly mixed), cLISI cell types (1 = pure). scib's
//   normalised forms (scib.metrics.ilisi_graph / clisi_graph, scale=True):
//   (median iLISI - 1) / (B - 1) and (C - median cLISI) / (C - 1), B and C the
//   numbers of labels present. Only the normalisation is scib's: scib runs the
//   same kernel on shortest-path distances of a 15-NN graph, so its raw LISI
//   values differ from compute_lisi's and ours. Differences from the R
//   package: beta and the entropy are double here (float there); where every
//   weight underflows (H = 0) R reports -1, we report NaN and leave the cell
//   out of medians and means (with doubles this needs distances ~1e300).
// - kNN batch classifier: each cell's batch predicted by the majority of the
//   batches of its k nearest other cells (sklearn KNeighborsClassifier with
//   uniform weights, queried leave-self-out). A tied vote is shared: a cell
//   whose batch is among m equally voted batches counts 1/m, the expected
//   accuracy of a random tie-break (sklearn gives the tie to the smallest
//   label, which makes the score depend on how batches are coded; `predicted`
//   still names the smallest code, for display). Accuracy over cells, recall
//   per batch, balanced accuracy (mean recall; about 1 / B when mixed). High =
//   strong batch effect.
// - Graph connectivity (scib.metrics.graph_connectivity): for each cell-type
//   label, the fraction of its cells in the largest connected component of
//   the kNN graph restricted to its cells; the mean over labels. The graph is
//   each cell's k nearest other cells, edges undirected (scanpy's
//   connectivities are symmetric, so scib's strong components are these weak
//   ones). Difference from scib: scanpy's n_neighbors counts the cell itself,
//   our k does not. Without cell types all cells form one label.
//
// Nearest neighbours are exact (core/neighbours/ExactNeighbours.h: float
// screening on all threads, proven or recomputed in double; ties by the
// smaller cell index). Silhouettes need every
// pairwise distance (float, summed in double; ~1e-7 relative).
// Cost: one pass over all pairs, O(n^2 * dim) time split over `threads`
// threads, and O(n * (dim + k)) memory (no n x n matrix); the standalone batch
// silhouette is O(sum over cell types of n_g^2 * dim). LISI adds
// O(n * 50 * 3 * perplexity). batchEffectReport makes one pass for everything:
// n = 50,000 took 16 s of CPU at dim 128 and 6.5 s at dim 32 on the
// development machine (AVX2), so about 8 s and 3.5 s on 2 cores.
//
// Bad input (a label vector whose length is not the number of rows, codes
// outside 0 .. 2^20 - 1, NaN or infinite embedding values, fewer than 2
// batches, k >= n, perplexity <= 0) throws std::invalid_argument whose message
// starts with the argument's name.
#pragma once

#include "core/common/EmbeddingView.h"
#include "core/neighbours/ExactNeighbours.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hescape {

// The kNN graph the metrics take is exactNeighbours (core/neighbours/ExactNeighbours.h).

// sklearn.metrics.silhouette_samples / silhouette_score, Euclidean.
std::vector<double> silhouetteSamples(EmbeddingView embeddings, const std::vector<int>& labels, int threads = 0);
double silhouetteScore(EmbeddingView embeddings, const std::vector<int>& labels, int threads = 0);

struct BatchSilhouette {
    double score = 0;              // scib silhouette_batch; NaN when every group is skipped
    std::vector<double> perGroup;  // mean 1 - |s| per cell-type code (NaN: skipped / absent)
    std::vector<double> perBatch;  // mean 1 - |s| over each batch's cells in scored groups
    std::vector<double> perCell;   // 1 - |s(i)|, NaN for cells of skipped groups
    int groupsScored = 0;
};

// cellTypes empty: all cells form one group.
BatchSilhouette batchSilhouette(EmbeddingView embeddings, const std::vector<int>& batches,
                                const std::vector<int>& cellTypes = {}, int threads = 0);

struct LisiSummary {
    std::vector<double> perCell;   // LISI of each cell
    double median = 0;             // what compute_lisi users and scib report
    double mean = 0;
    double normalised = 0;         // scib: iLISI (median - 1) / (L - 1), cLISI (L - median) / (L - 1)
    std::vector<double> perLabel;  // mean LISI over the cells of each label (of the labelling scored)
    int labels = 0;                // L, the number of labels present
};

// Per-cell LISI of `labels` on the graph's first `neighbours` neighbours
// (0: 3 * perplexity - 1, what compute_lisi uses); the graph must have at
// least that many. normalisedAsCellTypes picks the cLISI normalisation.
LisiSummary lisi(const NeighbourGraph& graph, const std::vector<int>& labels, double perplexity = 30, int neighbours = 0,
                 bool normalisedAsCellTypes = false, int threads = 0);

struct KnnBatchAccuracy {
    double accuracy = 0;
    double balancedAccuracy = 0;   // mean of perBatch over batches present
    double chanceBalanced = 0;     // 1 / B
    std::vector<double> perBatch;  // fraction of each batch's cells predicted as their batch
    std::vector<int> predicted;    // predicted batch code per cell
};

// Uses the graph's first k neighbours (k <= graph.k).
KnnBatchAccuracy knnBatchAccuracy(const NeighbourGraph& graph, const std::vector<int>& batches, int k = 15);

struct GraphConnectivity {
    double score = 0;              // mean over labels present
    std::vector<double> perLabel;  // largest component / cells, per label code
};

// labels empty: all cells form one label. Uses the graph's first k neighbours.
GraphConnectivity graphConnectivity(const NeighbourGraph& graph, const std::vector<int>& labels, int k = 15);

struct BatchMetricsOptions {
    int k = 15;                // kNN classifier and connectivity graph
    double perplexity = 30;    // LISI
    int lisiNeighbours = 0;    // 0: 3 * perplexity - 1
    int threads = 0;           // 0: all hardware threads
};

struct BatchEffectReport {
    std::int64_t cells = 0;
    int batches = 0;                         // batch codes present
    int cellTypes = 0;                       // cell-type codes present; 0 when none were given
    std::vector<std::int64_t> cellsPerBatch; // per batch code
    BatchSilhouette batchSilhouette;
    double cellTypeSilhouette = 0;           // sklearn silhouette_score of the cell types; NaN without them
    double cellTypeSilhouetteScaled = 0;     // scib's (asw + 1) / 2
    LisiSummary ilisi;
    LisiSummary clisi;                       // empty (perCell empty, NaNs) without cell types
    KnnBatchAccuracy knn;
    GraphConnectivity connectivity;          // over cell types; over all cells as one label without them
};

// Codes of text labels in sorted name order (so the same batches get the same
// codes whatever order a file lists them in); `names`, when given, receives
// the distinct names, code = index.
std::vector<int> codesInNameOrder(const std::vector<std::string>& labels, std::vector<std::string>* names = nullptr);

// Everything above in one pass over the pairs. cellTypes may be empty.
BatchEffectReport batchEffectReport(EmbeddingView embeddings, const std::vector<int>& batches,
                                    const std::vector<int>& cellTypes = {}, const BatchMetricsOptions& options = {});

}  // namespace hescape
