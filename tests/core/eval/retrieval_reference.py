#!/usr/bin/python3
"""numpy reference for tst_retrieval_metrics: reads image and gene embeddings
(float32, row-major, n x d) from raw files, prints the whole-set and in-batch
retrieval scores (both directions) and the per-pair cosine as JSON. Ties are
shared: recall@k = clip((k - above) / (tied + 1), 0, 1), expected rank
above + 1 + tied / 2; in-batch scores are weighted by batch size.
With PAIRING.i64 (n partner indices), also image -> gene recall@5 when image
i is paired with gene PAIRING[i] ("repaired").
usage: retrieval_reference.py IMAGE.f32 GENE.f32 N D BATCH [PAIRING.i64]"""
import json
import sys

import numpy as np


def unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def ranks(q, c, partner=None):
    s = unit(q.astype(np.float64)) @ unit(c.astype(np.float64)).T
    partner = np.arange(len(q)) if partner is None else partner
    d = s[np.arange(len(q)), partner][:, None]
    return (s > d).sum(1), (s == d).sum(1) - 1  # the partner is not its own rival


def recall(r, k):
    above, tied = r
    return float(np.mean(np.clip((k - above) / (tied + 1), 0, 1)))


def scores(r, gallery):
    expected = r[0] + 1 + r[1] / 2
    return {"r1": recall(r, 1), "r5": recall(r, 5), "r10": recall(r, 10),
            "mean": float(np.mean(expected)), "median": float(np.median(expected)),
            "c5": min(5, gallery) / gallery, "pairs": len(expected)}


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
out["batch"] = {k: {f: float(np.average([s[f] for s in v], weights=[s["pairs"] for s in v])) for f in v[0]}
                for k, v in acc.items()}
if len(sys.argv) > 6:
    pairing = np.fromfile(sys.argv[6], dtype=np.int64)
    out["repaired_r5"] = recall(ranks(img, gene, pairing), 5)
out["cosine"] = [float(x) for x in (unit(img.astype(np.float64)) * unit(gene.astype(np.float64))).sum(1)]
print(json.dumps(out))
