#!/usr/bin/python3
"""Reference for bench_spatial: anndata.read_h5ad on the same file, timed in
this process; prints JSON with the wall time and a checksum of X."""
import json
import sys
import time

import anndata as ad
import numpy as np

t0 = time.perf_counter()
a = ad.read_h5ad(sys.argv[1])
t = time.perf_counter() - t0
print(json.dumps({"seconds": t, "n_obs": a.n_obs, "n_vars": a.n_vars, "nnz": int(a.X.nnz),
                  "sum": float(a.X.data.sum(dtype=np.float64))}))
