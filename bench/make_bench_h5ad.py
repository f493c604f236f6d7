#!/usr/bin/python3
"""Writes a large AnnData .h5ad for the spatial benchmark directly with h5py,
in anndata's current encoding: X as CSR float32 counts (Poisson, ~DENSITY
non-zeros), obs with a categorical and a numeric column, var names,
obsm['spatial']. Chunked so memory stays bounded.
usage: make_bench_h5ad.py OUT.h5ad N_OBS N_VARS DENSITY"""
import sys

import h5py
import numpy as np

out, n_obs, n_vars, density = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
rng = np.random.default_rng(0)
chunk = 5000
str_dt = h5py.string_dtype()
with h5py.File(out + ".tmp", "w") as f:
    f.attrs["encoding-type"] = "anndata"
    f.attrs["encoding-version"] = "0.1.0"
    X = f.create_group("X")
    X.attrs.update({"encoding-type": "csr_matrix", "encoding-version": "0.1.0", "shape": np.array([n_obs, n_vars])})
    data = X.create_dataset("data", shape=(0,), maxshape=(None,), dtype=np.float32, chunks=(1 << 20,))
    indices = X.create_dataset("indices", shape=(0,), maxshape=(None,), dtype=np.int32, chunks=(1 << 20,))
    indptr = np.zeros(n_obs + 1, dtype=np.int64)
    nnz = 0
    for start in range(0, n_obs, chunk):
        stop = min(n_obs, start + chunk)
        mask = rng.random((stop - start, n_vars), dtype=np.float32) < density
        rows, cols = np.nonzero(mask)
        vals = (rng.poisson(2.0, size=rows.size) + 1).astype(np.float32)
        counts = np.bincount(rows, minlength=stop - start)
        indptr[start + 1 : stop + 1] = nnz + np.cumsum(counts)
        data.resize((nnz + rows.size,))
        indices.resize((nnz + rows.size,))
        data[nnz:] = vals
        indices[nnz:] = cols.astype(np.int32)
        nnz += rows.size
    X.create_dataset("indptr", data=indptr)
    obs = f.create_group("obs")
    obs.attrs.update({"_index": "_index", "column-order": np.array(["batch", "n_counts"], dtype=object),
                      "encoding-type": "dataframe", "encoding-version": "0.2.0"})
    idx = obs.create_dataset("_index", data=np.array([f"cell{i}" for i in range(n_obs)], dtype=object), dtype=str_dt)
    idx.attrs.update({"encoding-type": "string-array", "encoding-version": "0.2.0"})
    batch = obs.create_group("batch")
    batch.attrs.update({"encoding-type": "categorical", "encoding-version": "0.2.0", "ordered": False})
    cats = batch.create_dataset("categories", data=np.array(["donorA", "donorB", "donorC"], dtype=object), dtype=str_dt)
    cats.attrs.update({"encoding-type": "string-array", "encoding-version": "0.2.0"})
    codes = batch.create_dataset("codes", data=(np.arange(n_obs) % 3).astype(np.int8))
    codes.attrs.update({"encoding-type": "array", "encoding-version": "0.2.0"})
    nc = obs.create_dataset("n_counts", data=np.diff(indptr).astype(np.float64))
    nc.attrs.update({"encoding-type": "array", "encoding-version": "0.2.0"})
    var = f.create_group("var")
    var.attrs.update({"_index": "_index", "column-order": np.array([], dtype=np.float64),  # as anndata writes it
                      "encoding-type": "dataframe", "encoding-version": "0.2.0"})
    vidx = var.create_dataset("_index", data=np.array([f"gene{i}" for i in range(n_vars)], dtype=object), dtype=str_dt)
    vidx.attrs.update({"encoding-type": "string-array", "encoding-version": "0.2.0"})
    obsm = f.create_group("obsm")
    obsm.attrs.update({"encoding-type": "dict", "encoding-version": "0.1.0"})
    sp = obsm.create_dataset("spatial", data=rng.uniform(0, 50000, size=(n_obs, 2)))
    sp.attrs.update({"encoding-type": "array", "encoding-version": "0.2.0"})
    for g in ("layers", "obsp", "varm", "varp", "uns"):
        f.create_group(g).attrs.update({"encoding-type": "dict", "encoding-version": "0.1.0"})
import os
os.replace(out + ".tmp", out)
print(f"{out}: {n_obs} x {n_vars}, {nnz} non-zeros")
