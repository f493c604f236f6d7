#!/usr/bin/python3
"""numpy reference for tst_retrieval_metrics: reads image and gene embeddings
(float32, row-major, n x d) from raw files, prints the whole-set and in-batch
retrieval scores (both directions) and the per-pair cosine as JSON.
usage: retrieval_reference.py IMAGE.f32 GENE.f32 N D BATCH"""
import json
import sys

import numpy as np


def unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def ranks(q, c):
    s = unit(q.astype(np.float64)) @ unit(c.astype(np.float64)).T
    d = np.diag(s)[:, None]
    above = (s > d).sum(1)
    return above + 1  # the partner is never above itself


def scores(r, gallery):
    return {"r1": float(np.mean(r <= 1)), "r5": float(np.mean(r <= 5)), "r10": float(np.mean(r <= 10)),
            "mean": float(np.mean(r)), "median": float(np.median(r)),
            "c5": min(5, gallery) / gallery}


img_path, gene_path, n, d, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
img = np.fromfile(img_path, dtype=np.float32).reshape(n, d)
gene = np.fromfile(gene_path, dtype=np.float32).reshape(n, d)
out = {"whole": {"i2g": scores(ranks(img, gene), n), "g2i": scores(ranks(gene, img), n)}}
acc = {"i2g": [], "g2i": []}
for start in range(0, n, batch):
    m = min(batch, n - start)
    if m < 2:
        break
    bi, bg = img[start:start + m], gene[start:start + m]
    acc["i2g"].append(scores(ranks(bi, bg), m))
    acc["g2i"].append(scores(ranks(bg, bi), m))
out["batch"] = {k: {f: float(np.mean([s[f] for s in v])) for f in v[0]} for k, v in acc.items()}
out["cosine"] = [float(x) for x in (unit(img.astype(np.float64)) * unit(gene.astype(np.float64))).sum(1)]
print(json.dumps(out))
