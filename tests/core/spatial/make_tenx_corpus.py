#!/usr/bin/python3
"""Bad-input corpus for the 10x / Visium / Xenium / ST readers, each folder
breaking one thing in a copy of a real data set. usage: make_tenx_corpus.py SHARED_DATA OUTDIR"""
import gzip
import os
import shutil
import sys

import h5py
import numpy as np

data, out = sys.argv[1], sys.argv[2]
heart = os.path.join(data, "visium_human_heart_scanpy")
toy = os.path.join(data, "xenium_toy_sfe")


def visium(name, edit_h5=None, edit_positions=None):
    d = os.path.join(out, name)
    shutil.copytree(heart, d)
    if edit_h5:
        with h5py.File(os.path.join(d, "filtered_feature_bc_matrix.h5"), "r+") as f:
            edit_h5(f)
    if edit_positions:
        p = os.path.join(d, "spatial", "tissue_positions_list.csv")
        lines = open(p).read().splitlines()
        open(p, "w").write("\n".join(edit_positions(lines)) + "\n")


def replace(f, path, values):
    del f[path]
    f.create_dataset(path, data=values)


visium("visium_indptr", edit_h5=lambda f: replace(f, "matrix/indptr", f["matrix/indptr"][()][::-1].copy()))
visium("visium_indices", edit_h5=lambda f: replace(f, "matrix/indices", f["matrix/indices"][()] + 1000))
visium("visium_barcodes", edit_h5=lambda f: replace(f, "matrix/barcodes", f["matrix/barcodes"][()][:10]))
# A barcode that is in the matrix (and so must have a position).
with h5py.File(os.path.join(heart, "filtered_feature_bc_matrix.h5"), "r") as f:
    spot = f["matrix/barcodes"][3].decode()
open(os.path.join(out, "spot.txt"), "w").write(spot)


def set_pixel_row(lines, value):
    out_lines = []
    for l in lines:
        fields = l.split(",")
        if fields[0] == spot:
            fields[4] = value
        out_lines.append(",".join(fields))
    return out_lines


visium("visium_missing_position", edit_positions=lambda lines: [l for l in lines if not l.startswith(spot + ",")])
visium("visium_nan_position", edit_positions=lambda lines: set_pixel_row(lines, "nan"))
visium("visium_text_position", edit_positions=lambda lines: set_pixel_row(lines, "abc"))

# Visium with tissue_positions.parquet (as Space Ranger >= 2 writes it), made
# by the spec-written Parquet writer of the Parquet reader's tests; and bad
# scale factors: a string, a negative spot diameter.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "io"))
import make_parquet_corpus as pq  # noqa: E402


def positions_to_parquet(folder):
    spatial = os.path.join(folder, "spatial")
    rows = [l.split(",") for l in open(os.path.join(spatial, "tissue_positions_list.csv")).read().splitlines() if l]
    columns = [pq.col("barcode", pq.BYTE_ARRAY, pq.OPTIONAL, [r[0] for r in rows], encoding="dict", converted=0,
                      logical=pq.STRING_LOGICAL)]
    for i, name in enumerate(["in_tissue", "array_row", "array_col"], start=1):
        columns.append(pq.col(name, pq.INT32, pq.OPTIONAL, [int(r[i]) for r in rows], encoding="dict"))
    for i, name in [(4, "pxl_row_in_fullres"), (5, "pxl_col_in_fullres")]:
        columns.append(pq.col(name, pq.DOUBLE_T, pq.OPTIONAL, [float(r[i]) for r in rows]))
    pq.write_file(os.path.join(spatial, "tissue_positions.parquet"), columns, dict(codec=pq.SNAPPY))
    os.remove(os.path.join(spatial, "tissue_positions_list.csv"))


def edit_json(path, edit):
    import json
    values = json.load(open(path))
    edit(values)
    json.dump(values, open(path, "w"))


visium("visium_parquet")
positions_to_parquet(os.path.join(out, "visium_parquet"))
visium("visium_string_scalef")
edit_json(os.path.join(out, "visium_string_scalef", "spatial", "scalefactors_json.json"),
          lambda v: v.update(tissue_hires_scalef=str(v["tissue_hires_scalef"])))
visium("visium_negative_spot")
edit_json(os.path.join(out, "visium_negative_spot", "spatial", "scalefactors_json.json"),
          lambda v: v.update(spot_diameter_fullres=-v["spot_diameter_fullres"]))

# Visium HD: a bin size of 0; bins without a pixel size.
hd8 = os.path.join(data, "visium_hd_seurat_testdata", "binned_outputs", "square_008um")
for name, edit in [("visiumhd_zero_bin", lambda v: v.update(bin_size_um=0)),
                   ("visiumhd_no_mpp", lambda v: v.pop("microns_per_pixel"))]:
    shutil.copytree(hd8, os.path.join(out, name))
    edit_json(os.path.join(out, name, "spatial", "scalefactors_json.json"), edit)

# Xenium with its cells only in Parquet (Xenium Onboard Analysis writes both; some copies keep only this).
d = os.path.join(out, "xenium_parquet_only")
shutil.copytree(toy, d)
for name in ("cells.csv.gz", "cells.csv"):
    if os.path.exists(os.path.join(d, name)):
        os.remove(os.path.join(d, name))

# Xenium: truncated cells.csv.gz; a singular alignment matrix.
d = os.path.join(out, "xenium_truncated_cells")
shutil.copytree(toy, d)
raw = open(os.path.join(d, "cells.csv.gz"), "rb").read()
open(os.path.join(d, "cells.csv.gz"), "wb").write(raw[: len(raw) // 2])
d = os.path.join(out, "xenium_singular_alignment")
shutil.copytree(toy, d)
open(os.path.join(d, "toy_he_imagealignment.csv"), "w").write("1,2,0\n2,4,0\n0,0,1\n")
# Xenium with a good alignment: scale 2 and a shift, so slide = inv(A) * um / 0.2125.
d = os.path.join(out, "xenium_aligned")
shutil.copytree(toy, d)
open(os.path.join(d, "toy_he_imagealignment.csv"), "w").write("2,0,10\n0,2,-20\n0,0,1\n")

# ST: a counts spot without a selected position; a negative count.
st = os.path.join(data, "her2st_breast_st")
os.makedirs(os.path.join(out, "st"), exist_ok=True)
sel = open(os.path.join(st, "C3_selection.tsv")).read().splitlines()
with gzip.open(os.path.join(st, "C3_counts.tsv.gz"), "rt") as fh:
    counts = fh.read().splitlines()
first_spot = counts[1].split("\t")[0]
x, y = first_spot.split("x")
open(os.path.join(out, "st", "nosel_selection.tsv"), "w").write(
    "\n".join(l for l in sel if not l.startswith(f"{x}\t{y}\t")) + "\n")
with gzip.open(os.path.join(out, "st", "nosel_counts.tsv.gz"), "wt") as fh:
    fh.write("\n".join(counts) + "\n")
shutil.copy(os.path.join(st, "C3_selection.tsv"), os.path.join(out, "st", "neg_selection.tsv"))
bad = counts[:]
fields = bad[2].split("\t")
fields[5] = "-3"
bad[2] = "\t".join(fields)
with gzip.open(os.path.join(out, "st", "neg_counts.tsv.gz"), "wt") as fh:
    fh.write("\n".join(bad) + "\n")
print("ok")
