#!/usr/bin/python3
"""Visium and Visium HD folders with a CytAssist image (spatial/cytassist_image.tiff),
built from copies of the real ones in shared/data, and what numpy makes of them.

usage: make_cytassist_folders.py SHARED_DATA OUTDIR

Visium HD (copies of visium_hd_seurat_testdata's square_008um under
NAME/binned_outputs/, feature_slice.h5 at NAME/ as Space Ranger writes it;
the root attribute metadata_json holds transform_matrices as spatialdata-io
reads them):
  hd_affine       feature_slice.h5 whose cytassist_colrow_to_spot_colrow (A) and
                  spot_colrow_to_microscope_colrow (B) compose to a rotation + scale
                  + translation; the CytAssist image is a checkerboard drawn in
                  microscope pixels, resampled through that map
  hd_projective   run1_feature_slice.h5 (a prefixed name), A with a projective last row
  hd_two_slices   a_feature_slice.h5 and b_feature_slice.h5
  hd_bad_*        feature_slice.h5 broken one way each
Visium (the human heart folder turned into a CytAssist-only run: the CytAssist
image is the hires image enlarged 1.5 times, and the full-resolution pixels are
its pixels, so positions and spot diameter are scaled to it):
  visium_cytassist           its size times tissue_hires_scalef is the hires size
  visium_cytassist_mismatch  an image 100 px narrower
expected.json: numpy's P = B A / (B A)[2, 2], inv(P) applied to every bin
position (read by the independent tests/core/io/parquet_reference.py), the
CytAssist pixel size full-res microns_per_pixel * sqrt(|det P[:2, :2]|).
"""
import json
import math
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np
import tifffile
from PIL import Image

data, out = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
hd8 = os.path.join(data, "visium_hd_seurat_testdata", "binned_outputs", "square_008um")
heart = os.path.join(data, "visium_human_heart_scanpy")


def copy_tree(src, dst):
    shutil.copytree(src, dst, copy_function=shutil.copyfile)
    for root, dirs, _ in os.walk(dst):
        os.chmod(root, 0o755)


def rotation_scale(scale, degrees, tx, ty):
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return np.array([[scale * c, -scale * s, tx], [scale * s, scale * c, ty], [0.0, 0.0, 1.0]])


# A: CytAssist (col, row) -> spot (col, row); B: spot (col, row) -> microscope pixels.
CYT_W, CYT_H = 1000, 940
A = rotation_scale(3.2, 12.0, 40.0, -25.0)
centre = np.array([CYT_W / 2, CYT_H / 2, 1.0])
t_b = np.array([11800.0, 11000.0]) - (rotation_scale(24.0, 12.0, 0, 0) @ centre)[:2] - 7.5 * A[:2, 2]
B = np.array([[7.5, 0.0, t_b[0]], [0.0, 7.5, t_b[1]], [0.0, 0.0, 1.0]])
P = B @ A
P /= P[2, 2]
A_projective = A.copy()
A_projective[2, :2] = [3e-6, -2e-6]


def metadata(matrices, **extra):
    layout = json.dumps({"file_format": "1.0", "transform": [1, 0, 0, 0, 1, 0, 0, 0, 1]})
    return json.dumps({"hd_layout_json": layout, "transform_matrices": matrices, **extra})


def matrices(a=A, b=B):
    return {"cytassist_colrow_to_spot_colrow": a.ravel().tolist(), "spot_colrow_to_microscope_colrow": b.ravel().tolist()}


def write_feature_slice(path, text=None, attrs=None):
    with h5py.File(path, "w") as f:
        if text is not None:
            f.attrs["metadata_json"] = text
        for k, v in (attrs or {}).items():
            f.attrs[k] = v


def hires_rgb(folder):
    return Image.open(os.path.join(folder, "spatial", "tissue_hires_image.png")).convert("RGB")


def write_cytassist(folder):
    """A pattern drawn in microscope pixels seen through P: each CytAssist pixel
    (u, v) shows the 1000-px checkerboard square that P (u, v) falls in (the
    test data's hires image is blank, so resampling it would show nothing)."""
    u, v = np.meshgrid(np.arange(CYT_W, dtype=float), np.arange(CYT_H, dtype=float))
    x = P[0, 0] * u + P[0, 1] * v + P[0, 2]
    y = P[1, 0] * u + P[1, 1] * v + P[1, 2]
    square = (np.floor(x / 1000) + np.floor(y / 1000)) % 2
    rgb = np.stack([60 + 140 * square, 90 + 60 * square, 200 - 120 * square], axis=-1).astype(np.uint8)
    tifffile.imwrite(os.path.join(folder, "spatial", "cytassist_image.tiff"), rgb, photometric="rgb")


def hd_folder(name, feature_slice_name="feature_slice.h5", **content):
    root = os.path.join(out, name)
    bins = os.path.join(root, "binned_outputs", "square_008um")
    copy_tree(hd8, bins)
    tiff = os.path.join(out, "hd_affine", "binned_outputs", "square_008um", "spatial", "cytassist_image.tiff")
    if name == "hd_affine":
        write_cytassist(bins)
    else:
        os.link(tiff, os.path.join(bins, "spatial", "cytassist_image.tiff"))
    write_feature_slice(os.path.join(root, feature_slice_name), **content)


hd_folder("hd_affine", text=metadata(matrices()))
hd_folder("hd_projective", "run1_feature_slice.h5", text=metadata(matrices(a=A_projective)))
eight = matrices()
eight["cytassist_colrow_to_spot_colrow"] = eight["cytassist_colrow_to_spot_colrow"][:8]
with_null = matrices()
with_null["spot_colrow_to_microscope_colrow"][4] = None
with_nan = matrices()
with_nan["cytassist_colrow_to_spot_colrow"][0] = float("nan")
singular_b = np.array([[7.5, 15.0, 0.0], [1.0, 2.0, 0.0], [0.0, 0.0, 1.0]])
bad = {
    "hd_bad_no_metadata": dict(attrs={"software_version": "spaceranger-3.0.0"}),
    "hd_bad_json": dict(text='{"transform_matrices": {"cytassist_colrow_to_spot_colrow": [1, 0,'),
    "hd_bad_no_matrices": dict(text=json.dumps({"hd_layout_json": "{}"})),
    "hd_bad_missing_matrix": dict(text=metadata({"cytassist_colrow_to_spot_colrow": A.ravel().tolist()})),
    "hd_bad_eight_numbers": dict(text=metadata(eight)),
    "hd_bad_null_entry": dict(text=metadata(with_null)),
    "hd_bad_nan": dict(text=metadata(with_nan)),  # Python's json writes the NaN literal
    "hd_bad_singular": dict(text=metadata(matrices(b=singular_b))),
}
for name, content in bad.items():
    hd_folder(name, **content)
# Two prefixed feature slices: which one belongs is not clear (not an error, not placed).
hd_folder("hd_two_slices", "a_feature_slice.h5", text=metadata(matrices()))
write_feature_slice(os.path.join(out, "hd_two_slices", "b_feature_slice.h5"), text=metadata(matrices()))
not_hdf5 = os.path.join(out, "hd_bad_not_hdf5")
copy_tree(os.path.join(out, "hd_bad_no_metadata"), not_hdf5)
open(os.path.join(not_hdf5, "feature_slice.h5"), "w").write("not an HDF5 file\n")

# numpy's view of hd_affine: every bin through inv(P), and the CytAssist pixel size.
ref = subprocess.run([sys.executable, os.path.join(here, "..", "io", "parquet_reference.py"),
                      os.path.join(hd8, "spatial", "tissue_positions.parquet"), "barcode", "pxl_row_in_fullres", "pxl_col_in_fullres"],
                     capture_output=True, check=True).stdout
cols = json.loads(ref)["columns"]
inv = np.linalg.inv(P)
on_cytassist = {}
for barcode, row, col in zip(cols["barcode"], cols["pxl_row_in_fullres"], cols["pxl_col_in_fullres"]):
    u = inv @ np.array([float.fromhex(col), float.fromhex(row), 1.0])
    on_cytassist[barcode] = [u[0] / u[2], u[1] / u[2]]
mpp_full = json.load(open(os.path.join(hd8, "spatial", "scalefactors_json.json")))["microns_per_pixel"]
expected = {"hd_affine": {"P": P.tolist(), "on_cytassist": on_cytassist,
                          "cytassist_mpp": mpp_full * math.sqrt(abs(np.linalg.det(P[:2, :2])))}}

# A CytAssist-only Visium run from the heart folder: full-resolution pixels := CytAssist pixels.
factors = json.load(open(os.path.join(heart, "spatial", "scalefactors_json.json")))
hires = hires_rgb(heart)
enlarge = 1.5
k = factors["tissue_hires_scalef"] * enlarge  # old full-resolution px -> CytAssist px
for name, width_less in [("visium_cytassist", 0), ("visium_cytassist_mismatch", 100)]:
    d = os.path.join(out, name)
    copy_tree(heart, d)
    spatial = os.path.join(d, "spatial")
    rows = [l.split(",") for l in open(os.path.join(spatial, "tissue_positions_list.csv")).read().splitlines() if l]
    with open(os.path.join(spatial, "tissue_positions_list.csv"), "w") as fh:
        for r in rows:
            fh.write(",".join(r[:4] + [repr(float(r[4]) * k), repr(float(r[5]) * k)]) + "\n")
    scaled = dict(factors, spot_diameter_fullres=factors["spot_diameter_fullres"] * k, tissue_hires_scalef=1 / enlarge,
                  tissue_lowres_scalef=factors["tissue_lowres_scalef"] / k, fiducial_diameter_fullres=factors["fiducial_diameter_fullres"] * k)
    json.dump(scaled, open(os.path.join(spatial, "scalefactors_json.json"), "w"))
    size = (round(hires.width * enlarge) - width_less, round(hires.height * enlarge))
    tifffile.imwrite(os.path.join(spatial, "cytassist_image.tiff"), np.asarray(hires.resize(size, Image.BILINEAR), dtype=np.uint8),
                     photometric="rgb")
    expected[name] = {"size": list(size), "mpp": 55.0 / scaled["spot_diameter_fullres"]}
json.dump(expected, open(os.path.join(out, "expected.json"), "w"))
print("ok")
