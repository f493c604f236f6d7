#!/usr/bin/python3
"""scikit-learn / scipy reference for tst_prediction_metrics.

Reads from DIR (all raw little-endian, row-major):
  features.f32  n x d float32      image embeddings
  targets.f32   n x g float32      log-normalised expression
  split.u8      n uint8            0 = unused, 1 = train, 2 = test
  label_NAME.i32 n int32           one categorical label per file (codes)
and prints JSON with, for every ridge configuration (alpha, standardize):
Ridge(alpha, fit_intercept=True) coefficients, intercepts, test predictions,
scipy.stats.pearsonr per gene (null where undefined), nan-mean and median;
the top variable genes on the train rows; and for every label and
standardize setting: LogisticRegression(C=1, lbfgs) probabilities on the
test rows (at sklearn's lbfgs stopping point and, with newton-cg driven to a
tight tolerance, at the optimum of the same objective), predictions,
roc_auc_score per class one-vs-rest (null where a class is absent),
balanced_accuracy_score.
usage: prediction_reference.py DIR N D G LABEL... (LABEL = NAME:K)"""
import json
import os
import sys
import warnings

import numpy as np
from scipy.stats import pearsonr
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import balanced_accuracy_score, roc_auc_score
from sklearn.preprocessing import StandardScaler

warnings.simplefilter("ignore")  # constant-input warnings are expected (NaN genes)

folder, n, d, g = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
labels = [(a.split(":")[0], int(a.split(":")[1])) for a in sys.argv[5:]]


def load(name, dtype, shape):
    return np.fromfile(os.path.join(folder, name), dtype=dtype).reshape(shape)


def finite_or_none(values):
    return [None if np.isnan(v) else float(v) for v in values]


# float64 throughout, as the C++ computes (sklearn would keep float32 input
# in float32 for Ridge).
X = load("features.f32", np.float32, (n, d)).astype(np.float64)
Y = load("targets.f32", np.float32, (n, g)).astype(np.float64)
split = load("split.u8", np.uint8, (n,))
train, test = split == 1, split == 2


def scaled(standardize):
    if not standardize:
        return X[train], X[test]
    scaler = StandardScaler().fit(X[train])
    return scaler.transform(X[train]), scaler.transform(X[test])


out = {"ridge": [], "logistic": {}}
for alpha, standardize in [(1.0, False), (100.0 / (d * g), True), (25.0, True)]:
    Xtr, Xte = scaled(standardize)
    model = Ridge(alpha=alpha, fit_intercept=True).fit(Xtr, Y[train])
    pred = model.predict(Xte)
    r = np.array([pearsonr(Y[test][:, t], pred[:, t])[0] for t in range(g)])
    out["ridge"].append({
        "alpha": alpha, "standardize": standardize,
        "coef": [float(v) for v in model.coef_.T.ravel()],  # d x g row-major
        "intercept": [float(v) for v in model.intercept_],
        "pred": [float(v) for v in pred.ravel()],
        "pearson": finite_or_none(r),
        "mean": float(np.nanmean(r)), "median": float(np.nanmedian(r)),
        "undefined": int(np.isnan(r).sum()),
    })
var = Y[train].var(axis=0)
out["hvg"] = [int(i) for i in np.argsort(-var, kind="stable")]

for name, k in labels:
    y = load("label_" + name + ".i32", np.int32, (n,))
    for standardize in (False, True):
        # Rows with a missing label (negative code) take no part, as in the C++.
        keep = y >= 0
        scaler = StandardScaler().fit(X[train & keep]) if standardize else None
        Xtr, Xte = X[train & keep], X[test & keep]
        if scaler is not None:
            Xtr, Xte = scaler.transform(Xtr), scaler.transform(Xte)
        ytr, yte = y[train & keep], y[test & keep]
        lbfgs = LogisticRegression(C=1.0, penalty="l2", solver="lbfgs", multi_class="auto",
                                   max_iter=100000).fit(Xtr, ytr)
        # The same model solved by Newton steps to a summed gradient of 1e-7
        # (quadratic convergence: the optimum to far better than that; 1e-8
        # can sit below its rounding floor on the raw features and never stop).
        tight = LogisticRegression(C=1.0, penalty="l2", solver="newton-cg", multi_class="auto",
                                   tol=1e-7, max_iter=1000).fit(Xtr, ytr)
        proba = tight.predict_proba(Xte)
        auroc = []
        for c in range(k):
            pos = yte == c
            auroc.append(float(roc_auc_score(pos, proba[:, c])) if 0 < pos.sum() < len(pos) else float("nan"))
        entry = {
            "proba_lbfgs": [float(v) for v in lbfgs.predict_proba(Xte).ravel()],
            "proba": [float(v) for v in proba.ravel()],
            "pred": [int(v) for v in tight.predict(Xte)],
            "auroc": finite_or_none(auroc),
            "macro": float(np.nanmean(auroc)),
            "balanced_accuracy": float(balanced_accuracy_score(yte, tight.predict(Xte))),
            "coef": [float(v) for v in tight.coef_.ravel()],
            "intercept": [float(v) for v in tight.intercept_],
            "converged": bool(np.max(tight.n_iter_) < 1000),
            "iterations": int(np.max(tight.n_iter_)),
        }
        if len(np.unique(yte)) == k:
            # sklearn's own multiclass / binary AUROC agrees with the per-class loop.
            entry["sklearn_macro"] = float(roc_auc_score(yte, proba, multi_class="ovr") if k > 2
                                           else roc_auc_score(yte, proba[:, 1]))
        out["logistic"][name + ("_std" if standardize else "_raw")] = entry
print(json.dumps(out))
