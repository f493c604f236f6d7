#!/usr/bin/python3
"""A HEST-1k folder in HEST's own layout (mahmoodlab/HEST, iter_hest /
read_HESTData): st/<id>.h5ad, wsis/<id>.tif, metadata/<id>.json, built from
the bundled demo sections B4 and C3. B4's h5ad loses its uns/spatial (so its
spot size must come from the metadata); a third folder has malformed metadata.
usage: make_hest_folder.py DEMO_DIR OUTDIR"""
import json
import os
import shutil
import sys

import anndata as ad

demo, out = sys.argv[1], sys.argv[2]


def sample(root, sid, metadata, drop_uns=False):
    for sub in ("st", "wsis", "metadata"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    shutil.copy(os.path.join(demo, sid + ".tiff"), os.path.join(root, "wsis", sid + ".tif"))
    a = ad.read_h5ad(os.path.join(demo, sid + ".h5ad"))
    if drop_uns:
        a.uns.clear()
    a.write_h5ad(os.path.join(root, "st", sid + ".h5ad"))
    with open(os.path.join(root, "metadata", sid + ".json"), "w") as f:
        json.dump(metadata, f)


meta = {"st_technology": "Spatial Transcriptomics", "spot_diameter": 100.0, "inter_spot_dist": 200.0,
        "pixel_size_um_embedded": 0.69, "pixel_size_um_estimated": 0.7, "magnification": "20x"}
hest = os.path.join(out, "hest")
sample(hest, "B4", dict(meta, patient="B"), drop_uns=True)
sample(hest, "C3", dict(meta, patient="C"))
bad = os.path.join(out, "hest_bad")
sample(bad, "C3", dict(meta, pixel_size_um_estimated="0.7"))
print("ok")
