#!/usr/bin/python3
"""umap-learn side of bench_layout: lays out X (float32, row-major N x D) with
umap-learn's defaults (random_state SEED, so single-threaded like its
reproducible mode), writes the layout to OUT (float32, N x 2) and prints JSON:
the seconds of fit_transform, and of a warm-up fit on 4,200 points beforehand
(numba compiles umap-learn's kernels on first use, those of NN-descent for
4,096 points and more; that is kept out of the timing).
usage: layout_umap_reference.py X.f32 N D OUT.f32 SEED"""
import json
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")
import umap  # noqa: E402

x_path, n, d, out_path, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
x = np.fromfile(x_path, dtype=np.float32).reshape(n, d)
start = time.perf_counter()
umap.UMAP(random_state=seed).fit_transform(x[:4200])
warm = time.perf_counter() - start
start = time.perf_counter()
y = umap.UMAP(random_state=seed).fit_transform(x)
seconds = time.perf_counter() - start
y.astype(np.float32).tofile(out_path)
print(json.dumps({"seconds": seconds, "warmup_seconds": warm}))
