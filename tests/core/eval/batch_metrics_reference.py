#!/usr/bin/python3
"""Reference for tst_batch_metrics: the batch-effect metrics of core/eval/
BatchMetrics computed with Debian's numpy / scipy / scikit-learn, written from
the published definitions rather than from the C++:

- neighbours: sklearn NearestNeighbors, queried with X=None (leave-self-out);
- silhouette: sklearn.metrics.silhouette_samples / silhouette_score;
- batch silhouette: scib.metrics.silhouette_batch (scale=True), transcribed;
- LISI: the Simpson index of Korsunsky et al. 2019 (Harmony), per cell:
  weights exp(-beta * d) over the 3 * perplexity - 1 nearest other cells, beta
  by the LISI package's binary search on the entropy (tolerance 1e-5, 50
  updates), 1 / sum over labels of the squared label weight;
- kNN batch accuracy: sklearn KNeighborsClassifier's uniform vote on
  leave-self-out neighbours ("predicted": scipy.stats.mode, the smallest
  label wins ties); accuracy with tied votes shared (a cell whose batch is
  one of m equally voted batches counts 1/m), from np.bincount of the same
  neighbours;
- graph connectivity: scib.metrics.graph_connectivity on the symmetrised kNN
  graph, scipy.sparse.csgraph.connected_components.

usage: batch_metrics_reference.py X.f32 BATCH.i32 TYPES.i32 N D K PERPLEXITY
Prints JSON with the results with and without the cell types ("typed",
"untyped") and the neighbour lists ("neighbours")."""
import json
import math
import sys

import numpy as np
from scipy import stats
from scipy.sparse.csgraph import connected_components
from sklearn.metrics import balanced_accuracy_score, silhouette_samples, silhouette_score
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors


def batch_silhouette(x, batch, groups):
    """scib silhouette_batch: 1 - |s| per group, groups with one batch or all
    singleton batches skipped; mean per group, then over groups."""
    per_cell = np.full(len(batch), np.nan)
    per_group = {}
    for g in np.unique(groups):
        idx = np.where(groups == g)[0]
        nb = len(np.unique(batch[idx]))
        if nb == 1 or nb == len(idx):
            continue
        s = silhouette_samples(x[idx], batch[idx], metric="euclidean")
        per_cell[idx] = 1 - np.abs(s)
        per_group[int(g)] = float(np.mean(1 - np.abs(s)))
    score = float(np.mean(list(per_group.values()))) if per_group else float("nan")
    per_batch = {int(b): float(np.nanmean(per_cell[batch == b])) for b in np.unique(batch)}
    return {"score": score, "perGroup": per_group, "perBatch": per_batch, "perCell": per_cell.tolist()}


def simpson(dist, lab, perplexity, tol=1e-5, tries=50):
    """One cell's Simpson index from its neighbours' distances and labels."""
    log_u = math.log(perplexity)

    def entropy(beta):
        w = np.exp(-dist * beta)
        total = w.sum()
        if total == 0:
            return 0.0, np.zeros_like(w)
        return math.log(total) + beta * float((dist * w).sum()) / total, w / total

    beta, lo, hi = 1.0, -math.inf, math.inf
    h, p = entropy(beta)
    t = 0
    while abs(h - log_u) > tol and t < tries:
        if h - log_u > 0:
            lo = beta
            beta = beta * 2 if math.isinf(hi) else (beta + hi) / 2
        else:
            hi = beta
            beta = beta / 2 if math.isinf(lo) else (beta + lo) / 2
        h, p = entropy(beta)
        t += 1
    if h == 0:
        return float("nan")
    return float(sum(p[lab == c].sum() ** 2 for c in np.unique(lab)))


def lisi(dist, ind, labels, perplexity, cell_types):
    per_cell = np.array([1 / simpson(dist[i], labels[ind[i]], perplexity) for i in range(len(labels))])
    med = float(np.nanmedian(per_cell))
    n_labels = len(np.unique(labels))
    norm = (n_labels - med) / (n_labels - 1) if cell_types else (med - 1) / (n_labels - 1)
    return {"perCell": per_cell.tolist(), "median": med, "mean": float(np.nanmean(per_cell)), "normalised": float(norm),
            "perLabel": {int(c): float(np.nanmean(per_cell[labels == c])) for c in np.unique(labels)}}


def knn_accuracy(x, batch, k):
    clf = KNeighborsClassifier(n_neighbors=k).fit(x, batch)
    ind = clf.kneighbors(n_neighbors=k, return_distance=False)  # X=None: each cell is not its own neighbour
    # predict()'s own vote on these neighbours: classes encoded in sorted order, scipy's mode.
    encoded = np.searchsorted(clf.classes_, batch)

    def vote(neighbours):
        return clf.classes_[stats.mode(encoded[neighbours], axis=1, keepdims=False).mode]

    # The vote is predict()'s: on the neighbourhoods that include the cell itself,
    # which is what predict() sees, they agree ties included.
    assert (vote(clf.kneighbors(x, return_distance=False)) == clf.predict(x)).all()
    pred = vote(ind)
    counts = np.array([np.bincount(encoded[row], minlength=len(clf.classes_)) for row in ind])
    top = counts.max(1)
    credit = (counts[np.arange(len(batch)), encoded] == top) / (counts == top[:, None]).sum(1)
    per = {int(b): float(np.mean(credit[batch == b])) for b in np.unique(batch)}
    return {"accuracy": float(np.mean(credit)), "balanced": float(np.mean(list(per.values()))),
            "perBatch": per, "predicted": pred.tolist()}


def graph_connectivity(x, labels, k):
    g = NearestNeighbors(n_neighbors=k).fit(x).kneighbors_graph(mode="connectivity")
    g = ((g + g.T) > 0).astype(np.float64).tocsr()  # scanpy's connectivities are symmetric
    per = {}
    for c in np.unique(labels):
        idx = np.where(labels == c)[0]
        _, comp = connected_components(g[idx][:, idx], connection="strong")
        per[int(c)] = float(np.bincount(comp).max() / len(idx))
    return {"score": float(np.mean(list(per.values()))), "perLabel": per}


def clean(v):
    """JSON has no NaN: null in lists, left out of per-code tables."""
    if isinstance(v, float):
        return None if math.isnan(v) else v
    if isinstance(v, list):
        return [clean(e) for e in v]
    if isinstance(v, dict):
        return {k: clean(e) for k, e in v.items() if not (isinstance(e, float) and math.isnan(e))}
    return v


def main():
    xp, bp, tp, n, d, k, perplexity = sys.argv[1:8]
    n, d, k, perplexity = int(n), int(d), int(k), float(perplexity)
    x = np.fromfile(xp, dtype=np.float32).reshape(n, d).astype(np.float64)
    batch = np.fromfile(bp, dtype=np.int32).astype(np.int64)
    types = np.fromfile(tp, dtype=np.int32).astype(np.int64)
    lisi_k = int(round(3 * perplexity)) - 1
    big = max(k, lisi_k)
    dist, ind = NearestNeighbors(n_neighbors=big).fit(x).kneighbors()  # X=None: self excluded
    ld, li = dist[:, :lisi_k], ind[:, :lisi_k]
    out = {"neighbours": {"index": ind.tolist(), "distance": dist.tolist()}}
    ones = np.zeros(n, dtype=np.int64)
    out["untyped"] = {"batchSilhouette": batch_silhouette(x, batch, ones), "ilisi": lisi(ld, li, batch, perplexity, False),
                      "knn": knn_accuracy(x, batch, k), "connectivity": graph_connectivity(x, ones, k)}
    out["typed"] = {"batchSilhouette": batch_silhouette(x, batch, types),
                    "clisi": lisi(ld, li, types, perplexity, True),
                    "connectivity": graph_connectivity(x, types, k),
                    "typeSilhouette": silhouette_samples(x, types).tolist(),
                    "typeSilhouetteScore": float(silhouette_score(x, types))}
    print(json.dumps(clean(out)))


main()
