#!/usr/bin/python3
"""A HEST-1k folder in HEST's own layout (mahmoodlab/HEST, iter_hest /
read_HESTData): st/<id>.h5ad, wsis/<id>.tif, metadata/<id>.json, built from
the bundled demo sections B4 and C3. B4's h5ad loses its uns/spatial (so its
spot size must come from the metadata); a third folder has malformed metadata.
C3 also gets patches/C3.h5 as HEST's dump_patches writes it (img N x 224 x
224 x 3 uint8 at 0.5 um/px around each spot, barcode N x 1, coords N x 2),
cut from the slide with PIL (a box filter) at the metadata's pixel size; one
spot has no patch, and a damaged copy has 223-pixel columns.
usage: make_hest_folder.py DEMO_DIR OUTDIR"""
import json
import os
import shutil
import sys

import anndata as ad
import h5py
import numpy as np
from PIL import Image

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


def patches(root, sid, pixel_size, drop=1, side=224):
    a = ad.read_h5ad(os.path.join(root, "st", sid + ".h5ad"))
    Image.MAX_IMAGE_PIXELS = None
    slide = Image.open(os.path.join(demo, sid + ".tiff")).convert("RGB")
    half = side * 0.5 / pixel_size / 2  # 112 um around the centre, in slide pixels
    imgs, names, coords = [], [], []
    for name, (x, y) in list(zip(a.obs_names, a.obsm["spatial"]))[drop:]:
        box = (x - half, y - half, x + half, y + half)
        imgs.append(np.asarray(slide.resize((side, side), Image.BOX, box=box)))
        names.append(name.encode())
        coords.append([int(x - half), int(y - half)])
    os.makedirs(os.path.join(root, "patches"), exist_ok=True)
    with h5py.File(os.path.join(root, "patches", sid + ".h5"), "w") as f:
        f.create_dataset("img", data=np.stack(imgs).astype(np.uint8))
        f.create_dataset("barcode", data=np.array(names).reshape(-1, 1))
        f.create_dataset("coords", data=np.array(coords, dtype=np.int64))


patches(hest, "C3", 0.7)
broken = os.path.join(out, "hest_patches_bad.h5")
with h5py.File(broken, "w") as f:
    f.create_dataset("img", data=np.zeros((2, 224, 223, 3), dtype=np.uint8))
    f.create_dataset("barcode", data=np.array([b"a", b"b"]).reshape(-1, 1))
bad = os.path.join(out, "hest_bad")
sample(bad, "C3", dict(meta, pixel_size_um_estimated="0.7"))
print("ok")
