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
