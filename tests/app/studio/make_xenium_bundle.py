#!/usr/bin/python3
"""Builds a Xenium output folder for the app's tests from the real toy data
(shared/data/xenium_toy_sfe), with python3-tifffile and numpy:

- cell_feature_matrix.h5, cells.csv.gz, cells.parquet, morphology_focus.ome.tif: copied as they are;
- hescape.registration.json: the toy's morphology image is a crop of
  [1000, 1400] um resampled to 237 px (SOURCE.md), so cells map onto it by
  px = (um - 1000) * 237 / 400, which no file of the toy records;
- toy_he_image.ome.tif: an H&E-coloured rendering of the DAPI image, 2x larger
  and flipped left-right, with toy_he_imagealignment.csv, the 3 x 3 matrix
  that maps its pixels to morphology pixels (um / 0.2125) as Xenium
  Explorer writes it.

usage: make_xenium_bundle.py SHARED_DATA_DIR OUTDIR
"""
import os
import shutil
import sys

import numpy as np
import tifffile

src = os.path.join(sys.argv[1], "xenium_toy_sfe")
out = sys.argv[2]
os.makedirs(out, exist_ok=True)
for name in ("cell_feature_matrix.h5", "cells.csv.gz", "cells.parquet", "morphology_focus.ome.tif"):
    shutil.copyfile(os.path.join(src, name), os.path.join(out, name))

crop = 237 / 400
with open(os.path.join(out, "hescape.registration.json"), "w") as f:
    f.write('{"version": 1, "slide": "morphology_focus.ome.tif", '
            f'"affine": [{crop!r}, 0, {-1000 * crop!r}, 0, {crop!r}, {-1000 * crop!r}], "landmarks": []}}\n')

dapi = tifffile.imread(os.path.join(src, "morphology_focus.ome.tif")).astype(np.float64)
t = np.clip(dapi / 255.0, 0, 1)[..., None]
background, nucleus = np.array([240, 200, 220]), np.array([80, 30, 140])
he = np.round(background * (1 - t) + nucleus * t).astype(np.uint8)
he = np.repeat(np.repeat(he, 2, axis=0), 2, axis=1)[:, ::-1]  # 474 x 474, flipped left-right
width = he.shape[1]
tifffile.imwrite(os.path.join(out, "toy_he_image.ome.tif"), he, photometric="rgb", tile=(128, 128),
                 metadata={"axes": "YXS", "PhysicalSizeX": 400 / width, "PhysicalSizeY": 400 / width})

# H&E pixel h = (W - (x - 1000) * s, (y - 1000) * s) for cells at (x, y) um, s = 2 * 237 / 400;
# morphology pixel m = um / 0.2125. The alignment maps h -> m.
s = 2 * crop
k = 1 / (0.2125 * s)
alignment = np.array([[-k, 0, (width + 1000 * s) * k], [0, k, 1000 * s * k], [0, 0, 1]])
np.savetxt(os.path.join(out, "toy_he_imagealignment.csv"), alignment, delimiter=",", fmt="%.17g")
print("ok")
