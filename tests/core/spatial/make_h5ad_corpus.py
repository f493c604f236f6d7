#!/usr/bin/python3
"""Writes the .h5ad test corpus with Debian's anndata/h5py, plus expected.json
holding what each good file contains, so the C++ reader is checked against
anndata itself. usage: make_h5ad_corpus.py OUTDIR"""
import json
import os
import shutil
import sys

import anndata as ad
import h5py
import numpy as np
import pandas as pd
import scipy.sparse as sp

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
n_obs, n_var = 7, 5
counts = rng.poisson(1.5, size=(n_obs, n_var)).astype(np.int64)
counts[0, :] = 0  # a spot with no counts
obs = pd.DataFrame(
    {
        "n_counts": counts.sum(1).astype(np.float64),
        "in_tissue": np.array([1, 1, 0, 1, 1, 0, 1], dtype=np.int64),
        "selected": np.array([True, False, True, True, False, True, True]),
        "region": pd.Categorical(["tumour", "stroma", "tumour", None, "immune", "stroma", "tumour"]),
        "note": ["a", "b", "c", "d", "e", "f", "g"],
    },
    index=[f"spot{i}" for i in range(n_obs)],
)
var = pd.DataFrame({"gene_ids": [f"ENSG{i:05d}" for i in range(n_var)]}, index=["ERBB2", "GRB7", "ESR1", "KRT5", "PGR"])
spatial = np.column_stack([np.arange(n_obs) * 100.0 + 0.5, np.arange(n_obs) * 50.0 + 1000.25])
variants = {
    "dense_int.h5ad": counts.astype(np.int32),
    "dense_float.h5ad": (counts / 2.0).astype(np.float32),
    "csr_float.h5ad": sp.csr_matrix(np.log1p(counts).astype(np.float32)),
    "csc_int.h5ad": sp.csc_matrix(counts),
}
expected = {}
for name, X in variants.items():
    a = ad.AnnData(X=X, obs=obs.copy(), var=var.copy(), dtype=X.dtype)
    a.obsm["spatial"] = spatial
    a.obsm["X_pca"] = rng.normal(size=(n_obs, 3)).astype(np.float32)
    a.layers["counts"] = sp.csr_matrix(counts.astype(np.float32))
    a.uns["spatial"] = {"lib1": {"scalefactors": {"spot_diameter_fullres": 89.5, "tissue_hires_scalef": 0.2}}}
    a.write_h5ad(os.path.join(out, name))
    dense = X.toarray() if sp.issparse(X) else np.asarray(X)
    expected[name] = {
        "X": dense.astype(np.float64).tolist(),
        "X_pca": a.obsm["X_pca"].astype(np.float64).tolist(),
    }
expected["obs_names"] = list(obs.index)
expected["genes"] = list(var.index)
expected["gene_ids"] = list(var["gene_ids"])
expected["n_counts"] = obs["n_counts"].tolist()
expected["selected"] = [float(v) for v in obs["selected"]]
expected["region_categories"] = list(obs["region"].cat.categories)
expected["region_codes"] = [int(c) for c in obs["region"].cat.codes]
expected["note"] = list(obs["note"])
expected["spatial"] = spatial.tolist()
expected["counts"] = counts.astype(np.float64).tolist()

# The older categorical encoding: codes as a plain dataset, categories in obs/__categories.
old = os.path.join(out, "old_categorical.h5ad")
shutil.copy(os.path.join(out, "csr_float.h5ad"), old)
with h5py.File(old, "r+") as f:
    g = f["obs/region"]
    codes = g["codes"][()]
    cats = g["categories"][()]
    del f["obs/region"]
    f["obs"].create_dataset("region", data=codes)
    f["obs"].create_group("__categories").create_dataset("region", data=cats)

# The bad corpus: each file breaks one thing, on a copy of a good file.
def broken(name, edit, base="csr_float.h5ad"):
    path = os.path.join(out, name)
    shutil.copy(os.path.join(out, base), path)
    with h5py.File(path, "r+") as f:
        edit(f)

def replace(f, path, data):
    del f[path]
    f.create_dataset(path, data=data)

broken("bad_no_X.h5ad", lambda f: f.__delitem__("X"))
broken("bad_indptr.h5ad", lambda f: replace(f, "X/indptr", f["X/indptr"][()][::-1].copy()))
broken("bad_indices.h5ad", lambda f: replace(f, "X/indices", f["X/indices"][()] + 100))
broken("bad_codes.h5ad", lambda f: replace(f, "obs/region/codes", np.full(n_obs, 9, dtype=np.int8)))
broken("bad_nan_coords.h5ad", lambda f: replace(f, "obsm/spatial", np.where(np.arange(n_obs * 2).reshape(n_obs, 2) == 6, np.nan, spatial)))
broken("bad_obs_length.h5ad", lambda f: replace(f, "obs/n_counts", np.zeros(n_obs + 2)))
broken("bad_encoding.h5ad", lambda f: f["X"].attrs.__setitem__("encoding-type", "coo_matrix"))
broken("bad_var_length.h5ad", lambda f: replace(f, "var/_index", np.array([b"g1", b"g2"], dtype=object).astype("S2")))
with open(os.path.join(out, "csr_float.h5ad"), "rb") as src, open(os.path.join(out, "bad_truncated.h5ad"), "wb") as dst:
    data = src.read()
    dst.write(data[: len(data) // 3])
with open(os.path.join(out, "bad_not_hdf5.h5ad"), "w") as t:
    t.write("spot,gene\n1,2\n")

with open(os.path.join(out, "expected.json"), "w") as fh:
    json.dump(expected, fh)
print("ok")
