#!/usr/bin/python3
"""Writes the SpatialData test corpus of tst_spatialdata_store, with the
expected values worked out independently of HEScape's reader.

Debian 12 has no spatialdata package (nor geopandas, shapely, pyarrow,
ome-zarr), so the stores are laid out here by hand, following spatialdata's
own writer code (scverse/spatialdata, src/spatialdata/_io/: io_zarr.py,
io_table.py write_table, io_shapes.py write_shapes / _write_shapes_v01 /
_write_shapes_v02_v03, io_raster.py with _utils.py
overwrite_coordinate_transformations_raster / _non_raster, format.py;
transformations/transformations.py to_ngff and ngff/_utils.py for the
transformation JSON):

  * tables are written by anndata's own write_zarr (python3-anndata 0.8,
    Zarr v2 through python3-zarr 2.13), then given the attributes
    spatialdata's write_table adds;
  * shapes.parquet (shapes format 0.2 / 0.3) is written by the spec-written
    Parquet writer of tests/core/io/make_parquet_corpus.py, with GeoParquet
    "geo" and pandas "pandas" metadata as geopandas writes them and WKB
    encoded here from the OGC / ISO 19125 layout (little- and big-endian);
  * shapes format 0.1 are Zarr arrays (coords, Index, radius, offset0..)
    written by python3-zarr;
  * Zarr v3 stores are laid out from the Zarr v3 specification (zarr.json,
    "string" arrays with the vlen-utf8 codec, sharding_indexed with a
    crc32c index), their chunks encoded by numcodecs (VLenUTF8, Zstd); the
    v3 table is anndata's v2 output converted node by node.

The data is the demo's /work/main/resources/demo/her2st/C3.h5ad (180 legacy
ST spots) and its slide C3.tiff (downsampled by PIL for the image elements).
Expected values come from h5py / anndata reading C3.h5ad and from numpy
composing the transformations as 3 x 3 matrices; polygon centroids and areas
from composite-figure formulas.

usage: make_spatialdata_corpus.py OUTDIR
Writes OUTDIR/<store>.zarr, OUTDIR/expected.json and OUTDIR/X.f32 (C3's X as
float32, row-major, as h5py reads it).
"""
import itertools
import json
import math
import os
import shutil
import struct
import sys

import anndata
import h5py
import numcodecs
import numpy as np
import pandas as pd
import scipy.sparse as sp
import zarr
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "tests", "core", "io"))
import make_parquet_corpus as pq  # noqa: E402  (the spec-written Parquet writer)
sys.path.insert(0, os.path.join(SOURCE, "tests", "core", "slide"))
from zarr_crc32c import crc32c  # noqa: E402  (the shared CRC-32C of the Zarr v3 writers)

C3_H5AD = os.path.join(SOURCE, "resources", "demo", "her2st", "C3.h5ad")
C3_TIFF = os.path.join(SOURCE, "resources", "demo", "her2st", "C3.tiff")

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(5)


def path(*parts):
    return os.path.join(out, *parts)


# ---- transformations, as spatialdata's to_ngff writes them ------------------------------------

def axis(name, unit="unit"):
    # transformations/ngff/_utils.py: space axes carry the placeholder unit "unit"; c has none.
    return {"name": name, "type": "channel"} if name == "c" else {"name": name, "type": "space", "unit": unit}


def cs(axes, name=None, unit="unit"):
    return {"name": name or "".join(axes), "axes": [axis(a, unit) for a in axes]}


def t_scale(values, axes, out_name=None, unit="unit"):
    return {"type": "scale", "scale": [float(v) for v in values], "input": cs(axes), "output": cs(axes, out_name, unit)}


def t_translation(values, axes, out_name=None, unit="unit"):
    return {"type": "translation", "translation": [float(v) for v in values], "input": cs(axes),
            "output": cs(axes, out_name, unit)}


def t_affine(rows, axes, out_name=None, unit="unit"):
    return {"type": "affine", "affine": [[float(v) for v in r] for r in rows], "input": cs(axes),
            "output": cs(axes, out_name, unit)}


def t_sequence(steps, axes, out_name, unit="unit"):
    return {"type": "sequence", "transformations": steps, "input": cs(axes), "output": cs(axes, out_name, unit)}


def m_scale(sx, sy):
    return np.array([[sx, 0, 0], [0, sy, 0], [0, 0, 1]], float)


def m_translation(tx, ty):
    return np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]], float)


def apply(m, xy):
    xy = np.asarray(xy, float)
    h = np.hstack([xy, np.ones((len(xy), 1))]) @ m.T
    return h[:, :2]


# ---- Zarr v2 helpers (python3-zarr) -------------------------------------------------------------

def v2_group(p, attrs=None):
    g = zarr.open_group(p, mode="a")
    if attrs:
        g.attrs.update(attrs)
    return g


def image_v2(p, levels, transforms):
    """An image element as ome-zarr (NGFF 0.4) and spatialdata (RasterFormatV02) write it."""
    g = zarr.open_group(p, mode="w")
    datasets = []
    for k, lv in enumerate(levels):
        g.create_dataset(str(k), data=lv, chunks=(3, 256, 256), compressor=numcodecs.Blosc("lz4", 5, 1),
                         dimension_separator="/")
        datasets.append({"path": str(k), "coordinateTransformations": [{"type": "scale", "scale": [1.0, 2.0 ** k, 2.0 ** k]}]})
    ms = {"axes": [{"name": "c", "type": "channel"}, {"name": "y", "type": "space"}, {"name": "x", "type": "space"}],
          "datasets": datasets, "name": "/images/" + os.path.basename(p), "version": "0.4-dev-spatialdata",
          "coordinateTransformations": transforms}
    g.attrs.update({"multiscales": [ms], "omero": {"channels": [{"label": "r"}, {"label": "g"}, {"label": "b"}]},
                    "spatialdata_attrs": {"version": "0.2"}})


def shapes_attrs(transforms, version, geos=None):
    sd = {"version": version}
    if geos:
        sd["geos"] = geos
    # _write_metadata: encoding-type, sorted axes, then the transformations
    return {"encoding-type": "ngff:shapes", "axes": ["x", "y"], "coordinateTransformations": transforms, "spatialdata_attrs": sd}


# ---- WKB (OGC / ISO 19125) and GeoParquet --------------------------------------------------------

def wkb_point(x, y, little=True):
    return struct.pack("<BIdd" if little else ">BIdd", 1 if little else 0, 1, x, y)


def wkb_polygon(rings, little=True, z=False):
    e = "<" if little else ">"
    out = struct.pack(e + "BII", 1 if little else 0, 1003 if z else 3, len(rings))
    for r in rings:
        out += struct.pack(e + "I", len(r))
        for pt in r:
            out += struct.pack(e + ("ddd" if z else "dd"), *(tuple(pt) + ((7.0,) if z else ())))
    return out


def wkb_multipolygon(polys, little=True):
    e = "<" if little else ">"
    return struct.pack(e + "BII", 1 if little else 0, 6, len(polys)) + b"".join(wkb_polygon(p, little) for p in polys)


def geoparquet(p, wkb, geometry_types, index, radius=None):
    """shapes.parquet as geopandas' to_parquet lays it out: an optional binary
    geometry column, the other columns, the pandas index (a column, or a
    RangeIndex kept as metadata only)."""
    columns = [pq.col("geometry", pq.BYTE_ARRAY, pq.OPTIONAL, wkb)]
    if radius is not None:
        columns.append(pq.col("radius", pq.DOUBLE_T, pq.OPTIONAL, [float(r) for r in radius]))
    if isinstance(index, range):
        index_columns = [{"kind": "range", "name": None, "start": index.start, "stop": index.stop, "step": index.step}]
    else:
        name, values = index
        if isinstance(values[0], str):
            columns.append(pq.col(name, pq.BYTE_ARRAY, pq.OPTIONAL, list(values), converted=0, logical=pq.STRING_LOGICAL))
        else:
            columns.append(pq.col(name, pq.INT64, pq.OPTIONAL, [int(v) for v in values]))
        index_columns = [name]
    geo = {"primary_column": "geometry", "version": "1.0.0", "creator": {"library": "geopandas", "version": "0.14.4"},
           "columns": {"geometry": {"encoding": "WKB", "crs": None, "geometry_types": geometry_types}}}
    pandas_meta = {"index_columns": index_columns, "column_indexes": [], "columns": [], "pandas_version": pd.__version__}
    pq.write_file(p, columns, dict(codec=pq.SNAPPY, rows_per_page=64),
                  key_values=[("geo", json.dumps(geo)), ("pandas", json.dumps(pandas_meta))])


def shapes_parquet(store, name, transforms, version, wkb, types, index, radius=None):
    d = path(store, "shapes", name)
    v2_group(d, shapes_attrs(transforms, version))
    geoparquet(os.path.join(d, "shapes.parquet"), wkb, types, index, radius)


def shapes_zarr_v01(store, name, transforms, coords, index, radius=None, offsets=(), geos=("POINT", 0)):
    """_write_shapes_v01: coords, offset<i>, Index, radius (circles)."""
    d = path(store, "shapes", name)
    g = zarr.open_group(d, mode="w")
    g.create_dataset("coords", data=np.asarray(coords, float))
    for i, o in enumerate(offsets):
        g.create_dataset("offset%d" % i, data=np.asarray(o, np.int64))
    if isinstance(index[0], str):
        g.create_dataset("Index", data=np.asarray(index, object), dtype=object, object_codec=numcodecs.VLenUTF8())
    else:
        g.create_dataset("Index", data=np.asarray(index, np.int64))
    if radius is not None:
        g.create_dataset("radius", data=np.asarray(radius, float))
    g.attrs.update(shapes_attrs(transforms, "0.1", {"name": geos[0], "type": geos[1]}))


# ---- tables -----------------------------------------------------------------------------------------

def write_table(store, adata, region, region_key, instance_key, name="table"):
    """anndata's write_zarr, then the attributes spatialdata's write_table adds."""
    adata = adata.copy()
    adata.uns["spatialdata_attrs"] = {"region": region, "region_key": region_key, "instance_key": instance_key}
    d = path(store, "tables", name)
    adata.write_zarr(d)
    v2_group(d, {"spatialdata-encoding-type": "ngff:regions_table", "region": region, "region_key": region_key,
                 "instance_key": instance_key, "version": "0.1"})


def new_store_v2(store):
    g = zarr.open_group(path(store), mode="w")
    g.attrs["spatialdata_attrs"] = {"version": "0.1", "spatialdata_software_version": "hand-written"}
    for kind in ("images", "shapes", "tables"):
        g.create_group(kind)


# ---- Zarr v3, from the specification -----------------------------------------------------------------

ZSTD = numcodecs.Zstd(level=3)


def v3_json(folder, meta):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "zarr.json"), "w") as f:
        json.dump(meta, f)


def v3_group(folder, attrs=None):
    v3_json(folder, {"zarr_format": 3, "node_type": "group", "attributes": attrs or {}})


def encode_v3_chunk(block, text):
    raw = numcodecs.VLenUTF8().encode(block.ravel()) if text else np.ascontiguousarray(block).astype(block.dtype.newbyteorder("<")).tobytes()
    return ZSTD.encode(raw)


def padded(a, origin, shape, fill):
    block = np.full(shape, fill, dtype=a.dtype)
    src = tuple(slice(o, min(o + s, n)) for o, s, n in zip(origin, shape, a.shape))
    block[tuple(slice(0, max(0, r.stop - r.start)) for r in src)] = a[src]
    return block


def v3_array(folder, a, chunks, shard=None, attrs=None):
    """A v3 array: "string" + vlen-utf8 for text, numeric types + bytes; zstd; sharded when `shard` is given."""
    a = np.asarray(a)
    text = a.dtype.kind in "OUS"
    if text:
        a = a.astype(object)
    fill = "" if text else (False if a.dtype == bool else 0)
    inner = [{"name": "vlen-utf8"} if text else {"name": "bytes", "configuration": {"endian": "little"}},
             {"name": "zstd", "configuration": {"level": 3, "checksum": False}}]
    codecs = inner
    if shard:
        codecs = [{"name": "sharding_indexed", "configuration": {
            "chunk_shape": list(chunks), "codecs": inner,
            "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "crc32c"}],
            "index_location": "end"}}]
    v3_json(folder, {"zarr_format": 3, "node_type": "array", "shape": list(a.shape),
                     "data_type": "string" if text else str(a.dtype),
                     "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": list(shard or chunks)}},
                     "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
                     "fill_value": fill, "codecs": codecs, "attributes": attrs or {}})
    outer = list(shard or chunks)
    for idx in itertools.product(*[range(-(-n // c)) for n, c in zip(a.shape, outer)]):
        origin = [i * c for i, c in zip(idx, outer)]
        key = os.path.join(folder, *(["c"] + [str(i) for i in idx]))
        os.makedirs(os.path.dirname(key), exist_ok=True)
        if not shard:
            data = encode_v3_chunk(padded(a, origin, outer, fill), text)
        else:
            per = [s // c for s, c in zip(shard, chunks)]
            body, index = b"", []
            for j in itertools.product(*[range(p) for p in per]):
                o = [b + k * c for b, k, c in zip(origin, j, chunks)]
                enc = encode_v3_chunk(padded(a, o, chunks, fill), text)
                index.append((len(body), len(enc)))
                body += enc
            raw_index = b"".join(struct.pack("<QQ", o, n) for o, n in index)
            data = body + raw_index + struct.pack("<I", crc32c(raw_index))
        with open(key, "wb") as f:
            f.write(data)


def convert_v2_to_v3(src, dst, shard_names=()):
    """Every node of a v2 hierarchy (anndata's output) as v3: groups keep their
    attributes; arrays their values (read by python3-zarr), chunks and attributes."""
    node = zarr.open(src, mode="r")
    attrs = dict(node.attrs)
    if isinstance(node, zarr.hierarchy.Group):
        v3_group(dst, attrs)
        for name in sorted(os.listdir(src)):
            if not name.startswith(".") and os.path.isdir(os.path.join(src, name)):
                convert_v2_to_v3(os.path.join(src, name), os.path.join(dst, name), shard_names)
        return
    a = node[...]
    if a.dtype.kind == "U" and a.ndim == 0:  # anndata 0.8's scalar strings: newer anndata writes them as vlen "string"
        a = np.asarray(str(a), dtype=object)
    rel = os.path.basename(dst)
    shard = None
    chunks = list(node.chunks) if a.ndim else []
    if rel in shard_names and a.ndim:
        shard = [min(n, c * 4) if n else c for n, c in zip(a.shape, chunks)]
        chunks = [max(1, s // 4) for s in shard]
        shard = [c * 4 for c in chunks]
    v3_array(dst, a, chunks, shard, attrs)


def image_v3(p, level, transforms):
    os.makedirs(p, exist_ok=True)
    v3_array(os.path.join(p, "0"), level, [3, 32, 32])
    ms = {"axes": [{"name": "c", "type": "channel"}, {"name": "y", "type": "space"}, {"name": "x", "type": "space"}],
          "datasets": [{"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [1.0, 1.0, 1.0]}]}],
          "name": "/images/" + os.path.basename(p), "coordinateTransformations": transforms}
    v3_group(p, {"ome": {"version": "0.5-dev-spatialdata", "multiscales": [ms], "omero": {"channels": [{"label": "r"}, {"label": "g"}, {"label": "b"}]}},
                 "spatialdata_attrs": {"version": "0.3"}})


# ---- the demo data ------------------------------------------------------------------------------------

with h5py.File(C3_H5AD, "r") as f:
    X = f["X"][...].astype(np.float32)  # 180 x 15821 uint16 counts
    obsm_spatial = f["obsm/spatial"][...]
    spot_diameter = float(f["uns/spatial/C3/scalefactors/spot_diameter_fullres"][()])
    h5_obs = {}
    for c in ("section", "patient"):
        h5_obs[c] = {"codes": f["obs/%s/codes" % c][...].tolist(),
                     "categories": [s.decode() if isinstance(s, bytes) else s for s in f["obs/%s/categories" % c][...]]}
    for c in ("array_x", "array_y"):
        h5_obs[c] = {"values": f["obs/%s" % c][...].astype(float).tolist()}
c3 = anndata.read_h5ad(C3_H5AD)
n_obs = c3.n_obs
X.tofile(path("X.f32"))

# Image elements: C3.tiff downsampled 8x (two levels) and 32x, channels first.
tiff = Image.open(C3_TIFF).convert("RGB")
W, H = tiff.size


def downsampled(factor):
    im = tiff.resize((W // factor, H // factor), Image.BOX)
    return np.ascontiguousarray(np.asarray(im).transpose(2, 0, 1))


he8 = [downsampled(8), downsampled(16)]
he32 = [downsampled(32)]

expected = {"n_obs": n_obs, "n_vars": c3.n_vars, "obs_names": list(c3.obs_names), "var_names": list(c3.var_names),
            "obs": h5_obs, "obsm_spatial": obsm_spatial.tolist(), "stores": {}, "bad": {}}

# Instance ids that are not the row numbers, and shapes in another order with extra shapes.
spot_ids = (1000 + rng.permutation(n_obs) * 3).astype(np.int64)
extra = 25
extra_px = rng.uniform(0, 4000, size=(extra, 2))
shape_order = rng.permutation(n_obs + extra)


def base_table(ids):
    a = c3.copy()
    a.obs["region"] = pd.Categorical(["spots"] * n_obs)
    a.obs["spot_id"] = ids
    return a


def record_store(name, ds_coords, to_slide, shapes, cs_name, image, diameter, extra_fields=None):
    e = {"shapes": shapes, "coordinate_system": cs_name, "image": image,
         "coordinates": np.asarray(ds_coords).tolist(), "to_slide": to_slide[:2, :].ravel().tolist(),
         "slide_xy": apply(to_slide, ds_coords).tolist(), "spot_diameter": diameter}
    e.update(extra_fields or {})
    expected["stores"][name] = e


def circles(px_all, ids_all, to_global):
    """Shape coordinates of every circle (table spots and extras), in shape order."""
    inv = np.linalg.inv(to_global)
    xy = apply(inv, px_all)
    return xy[shape_order], [ids_all[i] for i in shape_order]


px_all = np.vstack([obsm_spatial, extra_px])

# ---- store A: Zarr v2, GeoParquet circles (little-endian WKB), dense X, two images ---------------
sA, tA = 1.75, (120.5, -40.25)
A_shapes = m_translation(*tA) @ m_scale(sA, sA)
ids_all = [int(v) for v in spot_ids] + list(range(900000, 900000 + extra))
xyA, idsA = circles(px_all, ids_all, A_shapes)
rA = spot_diameter / 2 / sA
storeA = "c3_v2_parquet.zarr"
new_store_v2(storeA)
write_table(storeA, base_table(spot_ids), "spots", "region", "spot_id")
shapes_parquet(storeA, "spots", [t_sequence([t_scale([sA, sA], "xy"), t_translation(tA, "xy")], "xy", "global")], "0.2",
               [wkb_point(x, y) for x, y in xyA], ["Point"], ("__index_level_0__", idsA), [rA] * len(idsA))
image_v2(path(storeA, "images", "he"), he8, [t_scale([1, 8, 8], "cyx", "global")])
image_v2(path(storeA, "images", "he_lowres"), he32, [t_scale([1, 32, 32], "cyx", "global")])
coordsA = apply(np.linalg.inv(A_shapes), obsm_spatial)
record_store(storeA, coordsA, np.linalg.inv(m_scale(8, 8)) @ A_shapes, ["spots"], "global", "he", 2 * rA,
             {"he_level0": [int(he8[0].shape[2]), int(he8[0].shape[1])], "layout": "dense", "integer": True,
              "without_image_to_slide": A_shapes[:2, :].ravel().tolist(),
              "lowres_to_slide": (np.linalg.inv(m_scale(32, 32)) @ A_shapes)[:2, :].ravel().tolist(),
              "elements": [["images", "he"], ["images", "he_lowres"], ["shapes", "spots"], ["tables", "table"]]})

# ---- store B: Zarr v2, shapes format 0.1 (Zarr arrays), CSR X, layers/counts, affine ---------------
ang = math.radians(3.0)
sB = 1.2
B_shapes = np.array([[sB * math.cos(ang), -sB * math.sin(ang), 310.0], [sB * math.sin(ang), sB * math.cos(ang), -75.5], [0, 0, 1]])
B_image = m_translation(-8.0, 16.0) @ m_scale(8, 8)  # image pixel -> global, x then y
xyB, idsB = circles(px_all, ids_all, B_shapes)
rB = spot_diameter / 2 / sB
storeB = "c3_v2_zarrshapes.zarr"
new_store_v2(storeB)
tB = base_table(spot_ids)
tB.X = sp.csr_matrix(X)
tB.layers["counts"] = sp.csr_matrix(X.astype(np.int32))
write_table(storeB, tB, "spots", "region", "spot_id")
shapes_zarr_v01(storeB, "spots", [t_affine([B_shapes[0], B_shapes[1]], "xy", "global", "micrometer")], xyB, idsB, [rB] * len(idsB))
# cyx: translation (c, y, x) = (0, 16, -8) after scale (1, 8, 8)
image_v2(path(storeB, "images", "he"), he8,
         [t_sequence([t_scale([1, 8, 8], "cyx"), t_translation([0, 16, -8], "cyx")], "cyx", "global", "micrometer")])
coordsB = apply(np.linalg.inv(B_shapes), obsm_spatial)
record_store(storeB, coordsB, np.linalg.inv(B_image) @ B_shapes, ["spots"], "global", "he", 2 * rB,
             {"layout": "csr", "integer": True, "counts": True,
              "microns_per_pixel": float(math.sqrt(abs(np.linalg.det(B_image[:2, :2]))))})

# ---- store C: Zarr v3 (sharded), GeoParquet big-endian WKB, string ids, two coordinate systems -----
tC = (200.0, 150.0)
C_global = m_translation(-tC[0], -tC[1])   # shapes -> global
C_aligned = m_scale(0.5, 0.5)              # shapes -> aligned
th = math.radians(-2.0)
C_image = np.array([[8 * math.cos(th), -8 * math.sin(th), 3.0], [8 * math.sin(th), 8 * math.cos(th), 5.0], [0, 0, 1]])
names_all = list(c3.obs_names) + ["extra_%d" % i for i in range(extra)]
xyC, idsC = circles(px_all, names_all, C_global)
rC = spot_diameter / 2
storeC = "c3_v3.zarr"
tmpC = path("tmp_c3_v3_table.zarr")
tableC = base_table(np.asarray(c3.obs_names, dtype=object))
tableC.layers["counts"] = sp.csc_matrix(X.astype(np.int64))
tableC.uns["spatialdata_attrs"] = {"region": "spots", "region_key": "region", "instance_key": "spot_id"}
tableC.write_zarr(tmpC)
v3_group(path(storeC), {"spatialdata_attrs": {"version": "0.2", "spatialdata_software_version": "hand-written"}})
for kind in ("images", "shapes", "tables"):
    v3_group(path(storeC, kind))
convert_v2_to_v3(tmpC, path(storeC, "tables", "table"), shard_names=("X", "_index", "indices", "data"))
shutil.rmtree(tmpC)
with open(path(storeC, "tables", "table", "zarr.json")) as f:
    meta = json.load(f)
meta["attributes"].update({"spatialdata-encoding-type": "ngff:regions_table", "region": "spots", "region_key": "region",
                           "instance_key": "spot_id", "version": "0.2"})
v3_json(path(storeC, "tables", "table"), meta)
os.makedirs(path(storeC, "shapes", "spots"), exist_ok=True)
v3_group(path(storeC, "shapes", "spots"), shapes_attrs([t_translation([-tC[0], -tC[1]], "xy", "global"),
                                                        t_scale([0.5, 0.5], "xy", "aligned")], "0.3"))
geoparquet(path(storeC, "shapes", "spots", "shapes.parquet"), [wkb_point(x, y, little=False) for x, y in xyC], ["Point"],
           ("spot", idsC), [rC] * len(idsC))
image_C = rng.integers(0, 255, size=(3, 70, 90), dtype=np.uint8)
C_rows = [[1, 0, 0, 0], [0, C_image[1, 1], C_image[1, 0], C_image[1, 2]], [0, C_image[0, 1], C_image[0, 0], C_image[0, 2]]]
image_v3(path(storeC, "images", "he"), image_C, [t_affine(C_rows, "cyx", "global")])
coordsC = apply(np.linalg.inv(C_global), obsm_spatial)
record_store(storeC, coordsC, np.linalg.inv(C_image) @ C_global, ["spots"], "global", "he", 2 * rC,
             {"layout": "dense", "integer": True, "counts": True, "counts_layout": "csc",
              "aligned_to_slide": C_aligned[:2, :].ravel().tolist()})

# ---- store D: polygons, two annotated shapes elements (GeoParquet + format 0.1 ragged arrays) -------
storeD = "cells_v2.zarr"
new_store_v2(storeD)
cells = [
    # rectangle [0,10] x [0,6] with a hole [2,4] x [1,3] (little-endian POLYGON)
    (wkb_polygon([[(0, 0), (10, 0), (10, 6), (0, 6), (0, 0)], [(2, 1), (2, 3), (4, 3), (4, 1), (2, 1)]]),
     60 - 4, ((60 * 5 - 4 * 3) / 56, (60 * 3 - 4 * 2) / 56)),
    # two squares, 2 x 2 at (21, 1) and 4 x 4 at (32, 2) (big-endian MULTIPOLYGON)
    (wkb_multipolygon([[[(20, 0), (22, 0), (22, 2), (20, 2), (20, 0)]], [[(30, 0), (34, 0), (34, 4), (30, 4), (30, 0)]]], little=False),
     20, ((4 * 21 + 16 * 32) / 20, (4 * 1 + 16 * 2) / 20)),
    # a right triangle with z (ISO code 1003), clockwise
    (wkb_polygon([[(0, 20), (0, 29), (6, 20), (0, 20)]], z=True), 27, (2.0, 23.0)),
    # not in the table
    (wkb_polygon([[(50, 50), (51, 50), (51, 51), (50, 51), (50, 50)]]), 1, (50.5, 50.5)),
]
shapes_parquet(storeD, "cells", [{"type": "identity", "input": cs("xy"), "output": cs("xy", "global")}], "0.2",
               [c[0] for c in cells], ["Polygon", "MultiPolygon"], range(len(cells)))
legacy_rects = {10: (0, 0, 3, 2), 11: (5, 5, 9, 6), 12: (1, 8, 2, 12)}  # x0, y0, x1, y1
coords, rings = [], [0]
for i in (10, 11, 12):
    x0, y0, x1, y1 = legacy_rects[i]
    coords += [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    rings.append(len(coords))
D_legacy = m_translation(100, 50) @ m_scale(2, 2)
shapes_zarr_v01(storeD, "cells_legacy", [t_sequence([t_scale([2, 2], "xy"), t_translation([100, 50], "xy")], "xy", "global")],
                coords, [10, 11, 12], offsets=(rings, [0, 1, 2, 3]), geos=("POLYGON", 3))
rows = [("cells", 0), ("cells_legacy", 11), ("cells", 2), ("cells", 1), ("cells_legacy", 10), ("cells_legacy", 12)]
cellX = rng.normal(size=(len(rows), 4)).astype(np.float32)
tD = anndata.AnnData(X=cellX, obs=pd.DataFrame(index=["cell_%s" % c for c in "abcdef"]),
                     var=pd.DataFrame(index=["g0", "g1", "g2", "g3"]))
tD.obs["region"] = pd.Categorical([r[0] for r in rows], categories=["cells", "cells_legacy"])
tD.obs["cell_id"] = np.array([r[1] for r in rows], dtype=np.int64)
tD.obs["nullable"] = pd.array([1, None, 3, 4, None, 6], dtype="Int64")
tD.obs["flag"] = np.array([True, False, True, True, False, False])
tD.obs["maybe"] = pd.array([True, None, False, True, False, None], dtype="boolean")
write_table(storeD, tD, ["cells", "cells_legacy"], "region", "cell_id")
# A points element (io_points.py: ngff:points, points.parquet) and a labels element: listed, not observations.
points_dir = path(storeD, "points", "transcripts")
v2_group(path(storeD, "points"))
v2_group(points_dir, {"encoding-type": "ngff:points", "axes": ["x", "y"], "spatialdata_attrs": {"version": "0.1", "feature_key": "gene"},
                      "coordinateTransformations": [t_scale([0.5, 0.5], "xy", "global")]})
os.makedirs(os.path.join(points_dir, "points.parquet"))
pq.write_file(os.path.join(points_dir, "points.parquet", "part.0.parquet"),
              [pq.col("x", pq.DOUBLE_T, pq.OPTIONAL, [1.0, 2.0]), pq.col("y", pq.DOUBLE_T, pq.OPTIONAL, [3.0, 4.0])], dict(codec=pq.SNAPPY))
v2_group(path(storeD, "labels"))
image_v2(path(storeD, "labels", "cell_labels"), [np.zeros((3, 8, 8), np.uint8)], [t_scale([1, 2, 2], "cyx", "global")])
coordsD, diamD = [], []
for element, i in rows:
    if element == "cells":
        _, area, (cx, cy) = cells[i]
        coordsD.append((cx, cy))
        diamD.append(2 * math.sqrt(area / math.pi))
    else:
        x0, y0, x1, y1 = legacy_rects[i]
        area = (x1 - x0) * (y1 - y0)
        coordsD.append(tuple(apply(D_legacy, [((x0 + x1) / 2, (y0 + y1) / 2)])[0]))
        diamD.append(2 * math.sqrt(area / math.pi) * math.sqrt(abs(np.linalg.det(D_legacy[:2, :2]))))
record_store(storeD, coordsD, np.eye(3), ["cells", "cells_legacy"], "global", "", sorted(diamD)[len(diamD) // 2],
             {"shape_diameter": diamD, "X": cellX.tolist(), "obs_names": list(tD.obs_names),
              "nullable": [1, None, 3, 4, None, 6], "flag": [1, 0, 1, 1, 0, 0], "maybe": [1, None, 0, 1, 0, None],
              "elements": [["labels", "cell_labels"], ["points", "transcripts"], ["shapes", "cells"], ["shapes", "cells_legacy"],
                           ["tables", "table"]]})

# ---- bad stores: store A with one fault each ---------------------------------------------------------


def bad(name, fault, field):
    dst = path(name)
    shutil.copytree(path(storeA), dst)
    fault(dst)
    expected["bad"][name] = field


def truncate_chunk(d):
    chunk = os.path.join(d, "tables", "table", "X", "0.0")
    with open(chunk, "rb") as f:
        data = f.read()
    with open(chunk, "wb") as f:
        f.write(data[: len(data) // 2])


def rewrite_table(d, ids=spot_ids, region="spots", obs_region="spots"):
    shutil.rmtree(os.path.join(d, "tables", "table"))
    t = base_table(ids)
    t.obs["region"] = pd.Categorical([obs_region] * n_obs)
    adata = t.copy()
    adata.uns["spatialdata_attrs"] = {"region": region, "region_key": "region", "instance_key": "spot_id"}
    adata.write_zarr(os.path.join(d, "tables", "table"))


def missing_instance(d):
    ids = spot_ids.copy()
    ids[5] = 99999
    rewrite_table(d, ids)


def nan_coordinate(d):
    xy = xyA.copy()
    xy[list(idsA).index(int(spot_ids[7]))] = (float("nan"), 3.0)
    geoparquet(os.path.join(d, "shapes", "spots", "shapes.parquet"), [wkb_point(x, y) for x, y in xy], ["Point"],
               ("__index_level_0__", idsA), [rA] * len(idsA))


def set_attrs(d, rel, update):
    g = zarr.open_group(os.path.join(d, rel), mode="r+")
    g.attrs.update(update)


def singular_image(d):
    g = zarr.open_group(os.path.join(d, "images", "he"), mode="r+")
    ms = g.attrs["multiscales"]
    ms[0]["coordinateTransformations"] = [t_scale([1, 0, 8], "cyx", "global")]
    g.attrs["multiscales"] = ms


def x_shape(d):
    x = os.path.join(d, "tables", "table", "X")
    shutil.rmtree(x)
    z = zarr.open_array(x, mode="w", shape=(n_obs - 1, c3.n_vars), chunks=(45, 3956), dtype=np.uint16)
    z[...] = X[:-1].astype(np.uint16)
    z.attrs.update({"encoding-type": "array", "encoding-version": "0.2.0"})


def unknown_encoding(d):
    z = zarr.open_array(os.path.join(d, "tables", "table", "X"), mode="r+")
    z.attrs["encoding-type"] = "coo_matrix"


def unknown_transform(d):
    seq = t_sequence([t_scale([sA, sA], "xy"), {"type": "bogus", "input": cs("xy"), "output": cs("xy")}], "xy", "global")
    set_attrs(d, os.path.join("shapes", "spots"), {"coordinateTransformations": [seq]})


bad("bad_truncated_chunk.zarr", truncate_chunk, ["tables/table", "X/0.0"])
bad("bad_missing_region.zarr", lambda d: rewrite_table(d, region="nowhere", obs_region="nowhere"),
    ["tables/table", "spatialdata_attrs", "nowhere"])
bad("bad_missing_instance.zarr", missing_instance, ["tables/table", "spot_id", "99999", "spots"])
bad("bad_nan_coordinate.zarr", nan_coordinate, ["shapes/spots", str(int(spot_ids[7])), "finite"])
bad("bad_singular_image.zarr", singular_image, ["images/he", "coordinateTransformations", "invertible"])
bad("bad_x_shape.zarr", x_shape, ["tables/table", "X", "179"])
bad("bad_unknown_encoding.zarr", unknown_encoding, ["tables/table", "X", "coo_matrix"])
bad("bad_unknown_transform.zarr", unknown_transform, ["shapes/spots", "coordinateTransformations", "bogus"])


def labels_region(d):
    v2_group(os.path.join(d, "labels"))
    image_v2(os.path.join(d, "labels", "he_labels"), [np.zeros((3, 8, 8), np.uint8)], [t_scale([1, 8, 8], "cyx", "global")])
    rewrite_table(d, region="he_labels", obs_region="he_labels")


bad("bad_labels_region.zarr", labels_region, ["tables/table", "spatialdata_attrs", "he_labels", "labels"])

with open(path("expected.json"), "w") as f:
    json.dump(expected, f)
