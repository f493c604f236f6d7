#!/usr/bin/python3
"""Writes each section's spot counts as <section>.h5ad beside its demo slide,
with obsm['spatial'] already in the demo slide's level-0 pixels (the source
pixel positions minus the crop in crops.tsv). Needs Debian's python3-anndata.
usage: build_demo_counts.py [PATH/TO/her2st_breast_st]"""
import os
import sys

import anndata as ad
import h5py
import numpy as np
import pandas as pd

here = os.path.dirname(os.path.abspath(__file__))
src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "..", "..", "shared", "data", "her2st_breast_st")
crops = pd.read_csv(os.path.join(here, "crops.tsv"), sep="\t", index_col=0)
for section, crop in crops.iterrows():
    counts = pd.read_csv(os.path.join(src, f"{section}_counts.tsv.gz"), sep="\t", index_col=0)
    sel = pd.read_csv(os.path.join(src, f"{section}_selection.tsv"), sep="\t")
    sel = sel[sel["selected"] == 1]
    sel.index = sel["x"].astype(str) + "x" + sel["y"].astype(str)
    missing = counts.index.difference(sel.index)
    if len(missing):
        raise SystemExit(f"{section}: spots without positions: {list(missing)[:5]}")
    sel = sel.loc[counts.index]
    obs = pd.DataFrame(
        {
            "section": pd.Categorical([section] * len(counts)),
            "patient": pd.Categorical([crop["patient"]] * len(counts)),
            "array_x": sel["x"].to_numpy(),
            "array_y": sel["y"].to_numpy(),
        },
        index=counts.index.astype(str),
    )
    var = pd.DataFrame(index=counts.columns.astype(str))
    # Dense uint16 with the shuffle filter compresses ST counts (about a quarter
    # of entries non-zero, all small) far better than CSR's int32 indices.
    values = counts.to_numpy()
    if values.max() > np.iinfo(np.uint16).max or values.min() < 0:
        raise SystemExit(f"{section}: counts outside uint16")
    a = ad.AnnData(X=values.astype(np.uint16), obs=obs, var=var, dtype=np.uint16)
    a.var_names_make_unique()
    a.obsm["spatial"] = np.column_stack([sel["pixel_x"] - crop["crop_x"], sel["pixel_y"] - crop["crop_y"]]).astype(np.float64)
    a.uns["spatial"] = {
        section: {"scalefactors": {"spot_diameter_fullres": 100.0 / crop["mpp"], "tissue_hires_scalef": 1.0}}
    }
    out = os.path.join(here, f"{section}.h5ad")
    a.write_h5ad(out + ".tmp", compression="gzip", compression_opts=9)
    with h5py.File(out + ".tmp", "r+") as f:
        attrs = dict(f["X"].attrs)
        del f["X"]
        x = f.create_dataset("X", data=a.X, compression="gzip", compression_opts=9, shuffle=True, chunks=a.X.shape)
        for k, v in attrs.items():
            x.attrs[k] = v
        # Variable-length strings live uncompressed in HDF5's global heap;
        # 15,000 gene names cost ~0.4 MB that way, ~50 kB as compressed fixed-length.
        names = f["var/_index"].asstr()[()]
        attrs = dict(f["var/_index"].attrs)
        del f["var/_index"]
        width = max(len(n.encode()) for n in names)
        d = f["var"].create_dataset("_index", data=np.array([n.encode() for n in names], dtype=f"S{width}"),
                                    compression="gzip", compression_opts=9, shuffle=True)
        for k, v in attrs.items():
            d.attrs[k] = v
    # HDF5 does not reclaim the space of replaced datasets: copy into a fresh file.
    with h5py.File(out + ".tmp", "r") as old, h5py.File(out + ".tmp2", "w") as new:
        for k, v in old.attrs.items():
            new.attrs[k] = v
        for key in old:
            old.copy(key, new)
    os.remove(out + ".tmp")
    os.replace(out + ".tmp2", out)
    print(f"{out}: {a.n_obs} spots x {a.n_vars} genes, {os.path.getsize(out)} bytes")
