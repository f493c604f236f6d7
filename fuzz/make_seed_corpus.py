#!/usr/bin/python3
"""Writes the seed corpus of every fuzz target into fuzz/corpus/<target>/
(seed-* files; crash-* files found by campaigns are left alone). Small valid
inputs, written here with h5py / tifffile / the repository's own example
files, plus hand-made broken variants; every seed stays under ~64 KB so that
libFuzzer's mutations are cheap. Usage: make_seed_corpus.py [GENERATED]
where GENERATED holds the test suites' generated corpora (h5ad/, parquet/,
ometiff/, omezarr/, sd/ as tests/core/*/make_*_corpus.py write them), whose
small files are copied too."""
import glob
import json
import os
import shutil
import sys
import tempfile

import h5py
import numpy as np
import tifffile

sys.path.insert(0, os.path.dirname(__file__))
from pack_folder import pack  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
CORPUS = os.path.join(HERE, "corpus")
SMALL = 64 * 1024


def seed(target, name, data):
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    with open(os.path.join(CORPUS, target, "seed-" + name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def strings(values):
    return np.array([v.encode() for v in values], dtype="S")


def tenx_h5(path, barcodes, genes, counts):
    """A 10x feature-barcode matrix (CSC: one column per barcode)."""
    nz = [(g, b, c) for b, row in enumerate(counts) for g, c in enumerate(row) if c]
    indptr = np.zeros(len(barcodes) + 1, dtype=np.int64)
    for _, b, _ in nz:
        indptr[b + 1] += 1
    with h5py.File(path, "w") as f:
        m = f.create_group("matrix")
        m["barcodes"] = strings(barcodes)
        m["data"] = np.array([c for _, _, c in nz], dtype=np.int32)
        m["indices"] = np.array([g for g, _, _ in nz], dtype=np.int64)
        m["indptr"] = np.cumsum(indptr)
        m["shape"] = np.array([len(genes), len(barcodes)], dtype=np.int32)
        feats = m.create_group("features")
        feats["id"] = strings(["ENSG%05d" % i for i in range(len(genes))])
        feats["name"] = strings(genes)
        feats["feature_type"] = strings(["Gene Expression"] * len(genes))
        feats["genome"] = strings(["GRCh38"] * len(genes))


BARCODES = ["AAAC-1", "AAAG-1", "AACT-1", "ACGT-1"]
GENES = ["GENE1", "GENE2", "GENE3"]
COUNTS = [[1, 0, 3], [0, 2, 0], [4, 0, 0], [0, 0, 1]]


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def hdf5_seeds(tmp):
    tenx = os.path.join(tmp, "m.h5")
    tenx_h5(tenx, BARCODES, GENES, COUNTS)
    data = read_bytes(tenx)
    seed("tenx_h5", "small", data)
    seed("tenx_h5", "truncated", data[: len(data) // 2])
    seed("tenx_h5", "not-hdf5", b"\x89HDF\r\n\x1a\nnot really")
    run = os.path.join(tmp, "run.h5")
    with h5py.File(run, "w") as f:
        f.attrs["format"] = "hescape-run"
        for split in ("train", "test"):
            g = f.create_group("embeddings/" + split)
            g["image"] = np.arange(12, dtype=np.float32).reshape(3, 4) / 10
            g["gene"] = np.ones((3, 4), dtype=np.float32)
            g["section"] = strings(["A1", "A1", "B2"])
            g["obs_name"] = strings(["s0", "s1", "s2"])
            g["centre_x"] = np.array([1.0, 2.0, 3.0])
            g["centre_y"] = np.array([4.0, 5.0, 6.0])
    data = read_bytes(run)
    seed("run_file", "small", data)
    seed("run_file", "truncated", data[: len(data) // 2])
    return tenx


def folder_seeds(tmp, tenx):
    visium = os.path.join(tmp, "visium")
    os.makedirs(os.path.join(visium, "spatial"))
    shutil.copy(tenx, os.path.join(visium, "filtered_feature_bc_matrix.h5"))
    with open(os.path.join(visium, "spatial", "tissue_positions_list.csv"), "w") as f:
        for i, b in enumerate(BARCODES):
            f.write("%s,1,%d,%d,%d,%d\n" % (b, i // 2, i % 2, 100 + 90 * (i // 2), 200 + 90 * (i % 2)))
    with open(os.path.join(visium, "spatial", "scalefactors_json.json"), "w") as f:
        json.dump({"spot_diameter_fullres": 89.4, "tissue_hires_scalef": 0.15,
                   "fiducial_diameter_fullres": 144.4, "tissue_lowres_scalef": 0.045}, f)
    seed("visium", "positions-list", pack(visium))
    os.rename(os.path.join(visium, "spatial", "tissue_positions_list.csv"), os.path.join(visium, "spatial", "tissue_positions.csv"))
    with open(os.path.join(visium, "spatial", "tissue_positions.csv"), "r+") as f:
        rows = f.read()
        f.seek(0)
        f.write("barcode,in_tissue,array_row,array_col,pxl_row_in_fullres,pxl_col_in_fullres\n" + rows)
    seed("visium", "positions-header", pack(visium))

    xenium = os.path.join(tmp, "xenium")
    os.makedirs(xenium)
    shutil.copy(tenx, os.path.join(xenium, "cell_feature_matrix.h5"))
    with open(os.path.join(xenium, "cells.csv"), "w") as f:
        f.write("cell_id,x_centroid,y_centroid,transcript_counts,cell_area\n")
        for i, b in enumerate(BARCODES):
            f.write("%s,%.3f,%.3f,%d,%.1f\n" % (b, 10 + 5.5 * i, 20 + 3.25 * i, i + 1, 40.0 + i))
    seed("xenium", "cells-csv", pack(xenium))
    with open(os.path.join(xenium, "toy_he_imagealignment.csv"), "w") as f:
        f.write("2,0,10\n0,2,-20\n0,0,1\n")
    with open(os.path.join(xenium, "experiment.xenium"), "w") as f:
        json.dump({"pixel_size": 0.2125, "run_name": "toy"}, f)
    seed("xenium", "aligned", pack(xenium))

    st = os.path.join(tmp, "st")
    os.makedirs(st)
    spots = ["10x14", "10x15", "11x14"]
    with open(os.path.join(st, "counts.tsv"), "w") as f:
        f.write("\t" + "\t".join(GENES) + "\n")
        for s, row in zip(spots, COUNTS):
            f.write(s + "\t" + "\t".join(str(c) for c in row) + "\n")
    with open(os.path.join(st, "selection.tsv"), "w") as f:
        f.write("x\ty\tnew_x\tnew_y\tpixel_x\tpixel_y\tselected\n")
        for s in spots:
            x, y = (int(v) for v in s.split("x"))
            f.write("%d\t%d\t%.3f\t%.3f\t%.2f\t%.2f\t1\n" % (x, y, x + 0.01, y - 0.02, 230.7 * x, 250.1 * y))
    seed("st_tsv", "small", pack(st))


def text_seeds():
    for path in glob.glob(os.path.join(REPO, "resources", "demo", "her2st", "*.json")):
        text = read_bytes(path)
        seed("train_config", os.path.basename(path), text)
        seed("json", "config-" + os.path.basename(path), text)
    seed("train_config", "minimal.json", json.dumps({"sections": [{"name": "A", "slide": "a.tiff", "dataset": "a.h5ad"}]}))
    seed("train_config", "not-json", b"{\"sections\": [")
    seed("json", "scalars", b'{"a": 1.5e3, "b": [true, false, null], "c": "\\u00e9\\n", "d": -0}')
    seed("json", "nested", b'[[[[{"x": [1, 2, {"y": "z"}]}]]]]')
    seed("json", "zarr-array", json.dumps({"zarr_format": 2, "shape": [4, 3], "chunks": [4, 3], "dtype": "<f4",
                                            "compressor": None, "fill_value": 0, "order": "C", "filters": None}))
    seed("json", "broken", b'{"a": [1, 2,, 3]')


def session_seeds():
    session = {
        "hescape_session": 1, "slide": {"relative": "slide.svs", "absolute": "/data/slide.svs"},
        "dataset": {"relative": "data.h5ad"}, "run": {"absolute": "/data/run.h5"},
        "registration": {"transform": [1, 0, 5, 0, 1, -3], "slide": "slide.svs",
                         "landmarks": [{"dataset": [0, 0], "slide": [5, -3]}, {"dataset": [10, 0], "slide": [15, -3]}]},
        "coloring": {"source": "gene", "genes": ["GENE1"], "annotation": "", "normalisation": "log1p",
                     "colormap": "viridis", "auto_range": False, "vmin": 0, "vmax": 2.5, "outline": True},
        "layers": {"slide": {"visible": True, "opacity": 1}, "spots": {"visible": True, "opacity": 0.6}},
        "similarity_map": {"mode": "gene-direction", "gene": "GENE1", "query": 3},
        "selection": [0, 2, 5],
        "embedding": {"method": "umap", "points": "joint", "dims": 3, "color_by": "section", "seed": 7},
        "view": {"center": [120.5, 80.25], "downsample": 4, "minimap": True, "scale_bar": False},
        "channels": [{"colour": "#0000ff", "visible": True, "low": 0, "high": 4095, "gamma": 1.2},
                     {"colour": "#00ff00", "visible": False, "low": 10, "high": 200, "gamma": 1}],
    }
    seed("session", "full.json", json.dumps(session, indent=1))
    seed("session", "minimal.json", json.dumps({"hescape_session": 1, "slide": {"absolute": "/data/slide.tif"}}))
    seed("session", "newer-format.json", json.dumps({"hescape_session": 9, "slide": {"relative": "s.tif"}}))


def generated_seeds(generated):
    """Small files of the test suites' generated corpora."""
    def copy_small(pattern, target, limit=SMALL):
        for path in sorted(glob.glob(os.path.join(generated, pattern))):
            if os.path.isfile(path) and os.path.getsize(path) <= limit:
                seed(target, os.path.basename(path), read_bytes(path))
    copy_small("h5ad/*.h5ad", "h5ad")
    copy_small("parquet/*.parquet", "parquet")
    copy_small("ometiff/*.ome.tif", "tiff", 70 * 1024)
    for path in sorted(glob.glob(os.path.join(generated, "ometiff", "*.ome.tif"))):
        try:
            xml = tifffile.TiffFile(path).pages[0].description
        except Exception:  # the broken files of that corpus: no XML to take
            continue
        if xml.startswith("<?xml") or "<OME" in xml:
            seed("ome_xml", os.path.basename(path) + ".xml", xml.encode())
    for path in sorted(glob.glob(os.path.join(generated, "omezarr", "*.zarr"))):
        archive = pack(path, 16 * 1024)
        if len(archive) <= SMALL:
            seed("ome_zarr", os.path.basename(path), archive)
    for path in sorted(glob.glob(os.path.join(generated, "sd", "*.zarr", "tables", "table"))):
        archive = pack(path, 8 * 1024)
        if len(archive) <= 2 * SMALL:
            seed("zarr", path.split(os.sep)[-3], archive)


def h5ad_variants(generated, tmp):
    """An h5ad whose categorical "ordered" flag is an array of 64 values
    instead of one: Hdf5File::attributeBool read it into one int64 (a stack
    overflow under ASan) before it checked the count."""
    source = os.path.join(generated, "h5ad", "csr_float.h5ad")
    if not os.path.exists(source):
        return
    path = os.path.join(tmp, "ordered.h5ad")
    shutil.copy(source, path)
    with h5py.File(path, "r+") as f:
        flagged = []
        f.visititems(lambda name, obj: flagged.append(name) if "ordered" in obj.attrs else None)
        for name in flagged:
            del f[name].attrs["ordered"]
            f[name].attrs["ordered"] = np.zeros(64, dtype=np.int8)
    seed("h5ad", "ordered-array.h5ad", read_bytes(path))


def tiff_seeds(tmp):
    """A small tiled pyramid TIFF (plain, not OME) and a stripped RGB image."""
    rgb = (np.indices((128, 128)).sum(axis=0) % 256).astype(np.uint8)
    img = np.stack([rgb, rgb[::-1], rgb.T], axis=-1)
    path = os.path.join(tmp, "pyramid.tif")
    with tifffile.TiffWriter(path) as w:
        w.write(img, tile=(64, 64), compression="zlib", subfiletype=0)
        w.write(img[::2, ::2], tile=(64, 64), compression="zlib", subfiletype=1)
    seed("tiff", "pyramid.tif", read_bytes(path))
    tifffile.imwrite(path, img[:32, :32], compression=None)
    seed("tiff", "strips.tif", read_bytes(path))


def main():
    generated = sys.argv[1] if len(sys.argv) > 1 else None
    with tempfile.TemporaryDirectory() as tmp:
        tenx = hdf5_seeds(tmp)
        folder_seeds(tmp, tenx)
        tiff_seeds(tmp)
        if generated:
            h5ad_variants(generated, tmp)
    text_seeds()
    session_seeds()
    if generated:
        generated_seeds(generated)


if __name__ == "__main__":
    main()
