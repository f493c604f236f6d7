#!/usr/bin/python3
"""Reference for bench_spatial: anndata.read_h5ad on the same file, timed in
this process; prints JSON with the wall time and a checksum of X. With
--tocsc, also times scipy's CSR -> CSC conversion of X (what HEScape's column
index is)."""
import json
import sys
import time

import anndata as ad
import numpy as np

t0 = time.perf_counter()
a = ad.read_h5ad(sys.argv[1])
t = time.perf_counter() - t0
out = {"seconds": t, "n_obs": a.n_obs, "n_vars": a.n_vars, "nnz": int(a.X.nnz),
       "sum": float(a.X.data.sum(dtype=np.float64))}
if "--tocsc" in sys.argv[2:]:
    t1 = time.perf_counter()
    c = a.X.tocsc()
    out["index_seconds"] = time.perf_counter() - t1
    out["index_sum"] = float(c.data.sum(dtype=np.float64))
print(json.dumps(out))
