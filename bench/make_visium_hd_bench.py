#!/usr/bin/python3
"""A Visium HD 8 um bin folder at a full capture area's size, for
bench_visium_hd: ~700,000 bins (a 6.5 x 6.5 mm area at 8 um: 812 x 812 grid
positions, ~90 % under tissue) x 18,000 genes at Visium HD's sparsity (a
median of ~130 genes detected per 8 um bin), in Space Ranger's layout:

  OUT/square_008um/filtered_feature_bc_matrix.h5   (10x HDF5, CSC, int32 counts)
  OUT/square_008um/spatial/tissue_positions.parquet (the spec-written writer
                                                    of tests/core/io, SNAPPY)
  OUT/square_008um/spatial/scalefactors_json.json
  OUT/square_008um.h5ad          the same counts, positions in obsm['spatial'],
                                 written by anndata (the reference reads it)
  OUT/tissue_positions.csv       the same positions table as CSV (pandas reads it)

usage: make_visium_hd_bench.py OUT [BINS_PER_SIDE] [GENES]"""
import json
import os
import sys

import anndata as ad
import h5py
import numpy as np
import pandas as pd
import scipy.sparse as sp

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "core", "io"))
import make_parquet_corpus as pq  # noqa: E402

out = sys.argv[1]
side = int(sys.argv[2]) if len(sys.argv) > 2 else 880
n_genes = int(sys.argv[3]) if len(sys.argv) > 3 else 18000
rng = np.random.default_rng(7)
mpp, bin_um = 0.2738, 8.0

# Bins under tissue: a disc-like region of the capture area.
rows, cols = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
rows, cols = rows.ravel(), cols.ravel()
centre = (side - 1) / 2
keep = (rows - centre) ** 2 + (cols - centre) ** 2 < (0.53 * side) ** 2
rows, cols = rows[keep], cols[keep]
n = rows.size
barcodes = np.array(["s_008um_%05d_%05d-1" % (r, c) for r, c in zip(rows, cols)])
px = (cols + 0.5) * bin_um / mpp
py = (rows + 0.5) * bin_um / mpp

# Counts: genes detected per bin ~ Poisson(130), genes by a skewed popularity, counts 1 + Poisson(0.4).
per_bin = rng.poisson(130, n).clip(1, n_genes)
popularity = 1.0 / np.arange(1, n_genes + 1) ** 0.9
popularity /= popularity.sum()
# All draws at once; a gene drawn twice for one bin counts once (popular genes), so bins hold a few less.
row_of = np.repeat(np.arange(n, dtype=np.int64), per_bin)
keys = np.unique(row_of * n_genes + rng.choice(n_genes, row_of.size, p=popularity))
bin_of, genes = keys // n_genes, (keys % n_genes).astype(np.int32)
indptr = np.concatenate([[0], np.cumsum(np.bincount(bin_of, minlength=n))])
counts = (1 + rng.poisson(0.4, genes.size)).astype(np.int32)
csr = sp.csr_matrix((counts, genes, indptr), shape=(n, n_genes))

folder = os.path.join(out, "square_008um")
os.makedirs(os.path.join(folder, "spatial"), exist_ok=True)
csc = csr  # 10x stores features x barcodes as CSC: per barcode (column) its features, i.e. the bins x genes CSR
with h5py.File(os.path.join(folder, "filtered_feature_bc_matrix.h5"), "w") as f:
    m = f.create_group("matrix")
    m.create_dataset("barcodes", data=barcodes.astype("S"))
    m.create_dataset("data", data=csc.data.astype(np.int32), chunks=(min(1 << 20, max(1, csc.nnz)),), compression="gzip", compression_opts=1)
    m.create_dataset("indices", data=csc.indices.astype(np.int64), chunks=(min(1 << 20, max(1, csc.nnz)),), compression="gzip", compression_opts=1)
    m.create_dataset("indptr", data=csc.indptr.astype(np.int64))
    m.create_dataset("shape", data=np.array([n_genes, n], dtype=np.int32))
    feat = m.create_group("features")
    names = np.array(["GENE%05d" % g for g in range(n_genes)])
    feat.create_dataset("id", data=np.array(["ENSG%08d" % g for g in range(n_genes)]).astype("S"))
    feat.create_dataset("name", data=names.astype("S"))
    feat.create_dataset("feature_type", data=np.array(["Gene Expression"] * n_genes).astype("S"))
    feat.create_dataset("genome", data=np.array(["GRCh38"] * n_genes).astype("S"))

columns = [pq.col("barcode", pq.BYTE_ARRAY, pq.OPTIONAL, list(barcodes), converted=0, logical=pq.STRING_LOGICAL),
           pq.col("in_tissue", pq.INT32, pq.OPTIONAL, [1] * n, encoding="dict"),
           pq.col("array_row", pq.INT32, pq.OPTIONAL, [int(v) for v in rows]),
           pq.col("array_col", pq.INT32, pq.OPTIONAL, [int(v) for v in cols]),
           pq.col("pxl_row_in_fullres", pq.DOUBLE_T, pq.OPTIONAL, [float(v) for v in py]),
           pq.col("pxl_col_in_fullres", pq.DOUBLE_T, pq.OPTIONAL, [float(v) for v in px])]
pq.write_file(os.path.join(folder, "spatial", "tissue_positions.parquet"), columns, dict(codec=pq.SNAPPY, rows_per_page=65536))
with open(os.path.join(folder, "spatial", "scalefactors_json.json"), "w") as f:
    json.dump({"bin_size_um": bin_um, "microns_per_pixel": mpp, "spot_diameter_fullres": bin_um / mpp,
               "tissue_hires_scalef": 0.25, "tissue_lowres_scalef": 0.025}, f)

positions = pd.DataFrame({"barcode": barcodes, "in_tissue": 1, "array_row": rows, "array_col": cols,
                          "pxl_row_in_fullres": py, "pxl_col_in_fullres": px})
positions.to_csv(os.path.join(out, "tissue_positions.csv"), index=False)
a = ad.AnnData(X=csr.astype(np.float32), obs=pd.DataFrame(index=barcodes), var=pd.DataFrame(index=names))
a.obsm["spatial"] = np.c_[px, py]
a.write_h5ad(os.path.join(out, "square_008um.h5ad"))
print(json.dumps({"bins": int(n), "genes": n_genes, "nnz": int(csr.nnz)}))
