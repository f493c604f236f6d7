#!/usr/bin/python3
"""numpy reference for bench_retrieval: whole-set image->gene retrieval ranks
over raw float32 embeddings, in blocks of query rows (a full n x n float32
matrix would need n*n*4 bytes), with numpy's BLAS on all cores.
Prints one JSON line: seconds, recall@1/5/10, mean rank.
usage: retrieval_numpy.py IMAGE.f32 GENE.f32 N D [BLOCK]"""
import json
import sys
import time

import numpy as np

img_path, gene_path, n, d = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
block = int(sys.argv[5]) if len(sys.argv) > 5 else 1024
img = np.fromfile(img_path, dtype=np.float32).reshape(n, d)
gene = np.fromfile(gene_path, dtype=np.float32).reshape(n, d)
t0 = time.perf_counter()
img = img / np.linalg.norm(img, axis=1, keepdims=True)
gene = gene / np.linalg.norm(gene, axis=1, keepdims=True)
ranks = np.empty(n, dtype=np.int64)
for q0 in range(0, n, block):
    q1 = min(n, q0 + block)
    s = img[q0:q1] @ gene.T
    rows = np.arange(q1 - q0)
    partner = s[rows, q0 + rows][:, None]
    above = (s > partner).sum(1)
    ranks[q0:q1] = above + 1
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "r1": float(np.mean(ranks <= 1)), "r5": float(np.mean(ranks <= 5)),
                  "r10": float(np.mean(ranks <= 10)), "mean_rank": float(np.mean(ranks))}))
