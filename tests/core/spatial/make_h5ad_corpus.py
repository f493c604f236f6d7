#!/usr/bin/python3
"""Writes the .h5ad test corpus with Debian's anndata/h5py, plus expected.json
holding what each good file contains, so the C++ reader is checked against
anndata itself. usage: make_h5ad_corpus.py OUTDIR"""
import json
import os
import shutil
import struct
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
    "dense_float_counts.h5ad": counts.astype(np.float32),  # counts stored as floats: still counts
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
broken("bad_nan_X.h5ad", lambda f: f["X/data"].__setitem__(4, np.nan))
broken("bad_inf_X.h5ad", lambda f: f["X"].__setitem__((5, 3), np.inf), base="dense_float.h5ad")
broken("bad_dup_obs.h5ad", lambda f: f["obs/_index"].__setitem__(4, f["obs/_index"][1]))
broken("negative_X.h5ad", lambda f: f["X/data"].__setitem__(2, -1.5))  # readable, but not counts
# h5py's own LZF filter, which Debian's HDF5 library does not have.
ad.read_h5ad(os.path.join(out, "csr_float.h5ad")).write_h5ad(os.path.join(out, "bad_lzf.h5ad"), compression="lzf")
broken("bad_spot_diameter.h5ad", lambda f: replace(f, "uns/spatial/lib1/scalefactors/spot_diameter_fullres", -89.5))
broken("bad_var_length.h5ad", lambda f: replace(f, "var/_index", np.array([b"g1", b"g2"], dtype=object).astype("S2")))
with open(os.path.join(out, "csr_float.h5ad"), "rb") as src, open(os.path.join(out, "bad_truncated.h5ad"), "wb") as dst:
    data = src.read()
    dst.write(data[: len(data) // 3])
with open(os.path.join(out, "bad_not_hdf5.h5ad"), "w") as t:
    t.write("spot,gene\n1,2\n")

# Bulk reads (Hdf5File::read*Bulk): a matrix big enough for several 4 MiB
# blocks on several threads, stored in every layout the reader distinguishes.
# The direct pread path takes contiguous storage and 1-D chunks of >= 1 MiB;
# H5Dread takes anndata's own small chunks, gzip, big-endian types, and large
# chunks in a file with a user block. All must read back identical.
brng = np.random.default_rng(11)
bn_obs, bn_var = 3000, 2000
B = sp.random(bn_obs, bn_var, density=0.3, format="csr", dtype=np.float32, random_state=3)
B.data[:] = brng.poisson(2.0, size=B.nnz) + 1
counts_b = B.copy()
B.data[-1] = 0.5  # one fractional value, in the last block: X is not integer-valued, counts are
bulk = ad.AnnData(X=B, obs=pd.DataFrame(index=[f"c{i}" for i in range(bn_obs)]),
                  var=pd.DataFrame(index=[f"g{i}" for i in range(bn_var)]), dtype=np.float32)
bulk.layers["counts"] = counts_b
bulk.obsm["spatial"] = brng.uniform(0, 20000, size=(bn_obs, 2))
bulk.write_h5ad(os.path.join(out, "bulk_anndata.h5ad"))
bulk.write_h5ad(os.path.join(out, "bulk_gzip.h5ad"), compression="gzip")
sparse_parts = ["X/data", "X/indices", "X/indptr", "layers/counts/data", "layers/counts/indices", "layers/counts/indptr"]

def restored(name, **create):
    """bulk_anndata.h5ad written again with its sparse arrays stored with `create`."""
    path = os.path.join(out, name)
    dtypes = create.pop("dtype", {})
    with h5py.File(os.path.join(out, "bulk_anndata.h5ad"), "r") as src, h5py.File(path, "w") as dst:
        def copy(name, obj):
            if isinstance(obj, h5py.Group):
                dst.require_group(name)
            elif name not in sparse_parts:
                src.copy(obj, dst, name=name)
            else:
                values = obj[()]
                dst.create_dataset(name, data=values.astype(dtypes.get(values.dtype.kind, values.dtype)), **create)
            dst[name].attrs.update(dict(obj.attrs))
        dst.attrs.update(dict(src.attrs))
        src.visititems(copy)
    return path

restored("bulk_contiguous.h5ad")
restored("bulk_bigchunks.h5ad", chunks=(300_000,), maxshape=(None,))  # 1.2 MB chunks, the last one partial
restored("bulk_bigendian.h5ad", dtype={"f": ">f4", "i": ">i4"})
# A 512-byte user block: contiguous X (offsets from H5Dget_offset include it)
# and large-chunked layers/counts (chunk addresses do not, in HDF5 < 1.14.4).
with h5py.File(os.path.join(out, "bulk_userblock.h5ad"), "w", userblock_size=512) as dst, \
        h5py.File(restored("bulk_tmp.h5ad", chunks=(300_000,), maxshape=(None,)), "r") as chunked, \
        h5py.File(os.path.join(out, "bulk_contiguous.h5ad"), "r") as src:
    for k, v in src.attrs.items():
        dst.attrs[k] = v
    for key in src:
        src.copy(chunked[key] if key == "layers" else src[key], dst, name=key)
os.remove(os.path.join(out, "bulk_tmp.h5ad"))
expected["bulk"] = {"nnz": int(B.nnz), "sum": float(B.data.sum(dtype=np.float64)),
                    "counts_sum": float(counts_b.data.sum(dtype=np.float64)),
                    "column_7": B[:, 7].toarray().ravel().astype(np.float64).tolist()}

# Indices out of range far into the array (one bad index, then another): the
# message names the first, on the direct path and on H5Dread alike.
bad_at = 1_500_000
for name, base in (("bad_bulk_indices.h5ad", "bulk_contiguous.h5ad"), ("bad_bulk_indices_gzip.h5ad", "bulk_gzip.h5ad")):
    path = os.path.join(out, name)
    shutil.copy(os.path.join(out, base), path)
    with h5py.File(path, "r+") as f:
        f["X/indices"][bad_at] = bn_var
        f["X/indices"][bad_at + 10] = -1

# Damaged gzip data (H5Dread fails on the bulk read's fallback path).
corrupt = os.path.join(out, "bad_bulk_corrupt_gzip.h5ad")
shutil.copy(os.path.join(out, "bulk_gzip.h5ad"), corrupt)
with h5py.File(corrupt, "r") as f:
    chunk = f["X/data"].id.get_chunk_info(10)
with open(corrupt, "r+b") as fh:
    fh.seek(chunk.byte_offset + 20)
    fh.write(b"\xff" * 40)

# A file whose X/data lie partly beyond its end while HDF5 still opens it: X/data
# is written last (contiguous), the file is cut in the middle of it, and the
# superblock's end-of-file address (version 0 superblock: bytes 40-47) is set
# to the cut. HDF5 itself checks only that address when opening.
trunc = os.path.join(out, "bad_bulk_truncated.h5ad")
with h5py.File(trunc, "w") as dst, h5py.File(os.path.join(out, "bulk_contiguous.h5ad"), "r") as src:
    for k, v in src.attrs.items():
        dst.attrs[k] = v
    for key in src:
        if key != "X":
            src.copy(src[key], dst, name=key)
    X = dst.create_group("X")
    for k, v in src["X"].attrs.items():
        X.attrs[k] = v
    src.copy(src["X/indices"], X, name="indices")
    src.copy(src["X/indptr"], X, name="indptr")
    X.create_dataset("data", data=src["X/data"][()])
    data_end = X["data"].id.get_offset() + X["data"].id.get_storage_size()
assert data_end == os.path.getsize(trunc), "X/data is not the last thing in the file"
cut = data_end - B.nnz * 2
with open(trunc, "r+b") as fh:
    fh.truncate(cut)
    fh.seek(0)
    head = fh.read(48)
    assert head[:8] == b"\x89HDF\r\n\x1a\n" and head[8] == 0 and head[13] == 8, "not a version 0 superblock"
    fh.seek(40)
    fh.write(struct.pack("<Q", cut))

with open(os.path.join(out, "expected.json"), "w") as fh:
    json.dump(expected, fh)
print("ok")
