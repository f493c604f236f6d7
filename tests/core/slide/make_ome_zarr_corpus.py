#!/usr/bin/python3
"""Writes the OME-Zarr test corpus with tools independent of HEScape's reader.

Zarr v2 stores (OME-NGFF 0.4) are written by Debian's python3-zarr 2.13 with
numcodecs' blosc, zstd, zlib and gzip. python3-zarr 2.13 cannot write the
final Zarr v3 format, so v3 stores (OME-NGFF 0.5, sharded or not) are laid out
here from the v3 specification, their chunks encoded by numcodecs; the
crc32c of shard indexes is computed by zarr_crc32c.py (checked against the standard test
vector). Beside every good image, each level's expected samples of plane
(t = 0, z = 0) are written as raw C-order arrays: <name>.c<k>.level<l>.raw for
channel images, <name>.level<l>.raw (H x W x 3) for RGB ones.

usage: make_ome_zarr_corpus.py OUTDIR
"""
import json
import os
import shutil
import struct
import sys

import numpy as np
import zarr
from numcodecs import GZip, Blosc, Delta, Zlib, Zstd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zarr_crc32c import crc32c  # noqa: E402  (beside this file)

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(11)


def path(*parts):
    return os.path.join(out, *parts)


def half(a):
    """2x2 mean over the last two axes (edges cropped to even)."""
    h, w = a.shape[-2] // 2 * 2, a.shape[-1] // 2 * 2
    b = a[..., :h, :w].astype(np.float64)
    b = (b[..., 0::2, 0::2] + b[..., 1::2, 0::2] + b[..., 0::2, 1::2] + b[..., 1::2, 1::2]) / 4
    return np.round(b).astype(a.dtype)


def pyramid(a, n):
    levels = [a]
    for _ in range(n - 1):
        levels.append(half(levels[-1]))
    return levels


def plane0(a, axes):
    """The (t = 0, z = 0) part: every axis but c, y, x at index 0."""
    index = tuple(slice(None) if n in "cyx" else 0 for n in axes)
    return a[index]


def save_expected(name, levels, axes, rgb=False):
    for k, lv in enumerate(levels):
        p = plane0(lv, axes)
        if "c" not in axes:
            p = p[np.newaxis]
        if rgb:
            np.ascontiguousarray(np.moveaxis(p, 0, -1)).astype("<u1").tofile(path(f"{name}.level{k}.raw"))
            continue
        for c in range(p.shape[0]):
            np.ascontiguousarray(p[c]).astype("<" + p.dtype.str[1:]).tofile(path(f"{name}.c{c}.level{k}.raw"))


def multiscales(axes, units, scales, version="0.4", translation=None, global_scale=None):
    ax = []
    for n in axes:
        a = {"name": n, "type": {"t": "time", "c": "channel"}.get(n, "space")}
        if n in units:
            a["unit"] = units[n]
        ax.append(a)
    datasets = []
    for k, s in enumerate(scales):
        tr = [{"type": "scale", "scale": s}]
        if translation is not None:
            tr.append({"type": "translation", "translation": [t * (2 ** k) for t in translation]})
        datasets.append({"path": str(k), "coordinateTransformations": tr})
    ms = {"version": version, "name": "test image", "axes": ax, "datasets": datasets}
    if global_scale is not None:
        ms["coordinateTransformations"] = [{"type": "scale", "scale": global_scale}]
    if version == "0.5":
        del ms["version"]
    return [ms]


def level_scales(axes, base, n):
    return [[base * 2 ** k if a in "yx" else 1.0 for a in axes] for k in range(n)]


def omero(labels, colours, windows, active):
    return {"channels": [{"label": l, "color": c, "window": {"start": w[0], "end": w[1], "min": 0, "max": 65535}, "active": a}
                         for l, c, w, a in zip(labels, colours, windows, active)]}


def he(h, w):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 200 + 40 * np.sin(x / 37.0) * np.cos(y / 53.0)
    g = 120 + 60 * np.sin((x + y) / 71.0)
    b = 190 + 30 * np.cos(x / 23.0 - y / 41.0)
    img = np.stack([r, g, b]) + rng.normal(0, 3, (3, h, w))
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def fluo(c, h, w, hi=40000):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    planes = [hi * (0.5 + 0.5 * np.sin(x / (11.0 + 7 * k)) * np.cos(y / (13.0 + 5 * k))) for k in range(c)]
    img = np.stack(planes) + rng.normal(0, 200, (c, h, w))
    return np.clip(np.round(img), 0, 65535).astype(np.uint16)


def write_v2(name, levels, axes, chunks, compressor, attrs, sep="/", dtype=None, fill=0, **kw):
    g = zarr.open_group(path(name), mode="w")
    for k, lv in enumerate(levels):
        g.create_dataset(str(k), data=lv, chunks=chunks, compressor=compressor, dimension_separator=sep,
                         dtype=dtype or lv.dtype, fill_value=fill, **kw)
    g.attrs.update(attrs)
    return read_back(name, levels)


def read_back(name, levels):
    """The expected samples: what python3-zarr reads (the fill value where a chunk is missing)."""
    return [zarr.open_group(path(name), mode="r")[str(k)][...].astype(lv.dtype) for k, lv in enumerate(levels)]


# ---- Zarr v3, from the specification -------------------------------------------------------

def encode(chunk, codec, big_endian):
    raw = chunk.astype((">" if big_endian else "<") + chunk.dtype.str[1:]).tobytes()
    if codec is None:
        return raw
    if codec == "zstd":
        return Zstd(level=3).encode(raw)
    if codec == "gzip":
        return GZip(level=5).encode(raw)
    if codec == "blosc":
        return bytes(Blosc(cname="lz4", clevel=5, shuffle=Blosc.SHUFFLE).encode(chunk.astype(chunk.dtype.newbyteorder(">" if big_endian else "<"))))
    raise ValueError(codec)


def codec_json(codec, big_endian, itemsize):
    c = [{"name": "bytes", "configuration": {"endian": "big" if big_endian else "little"}}]
    if codec == "zstd":
        c.append({"name": "zstd", "configuration": {"level": 3, "checksum": False}})
    elif codec == "gzip":
        c.append({"name": "gzip", "configuration": {"level": 5}})
    elif codec == "blosc":
        c.append({"name": "blosc", "configuration": {"cname": "lz4", "clevel": 5, "shuffle": "shuffle", "typesize": itemsize, "blocksize": 0}})
    return c


def padded(a, origin, shape, fill):
    block = np.full(shape, fill, a.dtype)
    src = tuple(slice(o, max(o, min(o + s, n))) for o, s, n in zip(origin, shape, a.shape))
    block[tuple(slice(0, r.stop - r.start) for r in src)] = a[src]
    return block


def grid(shape, chunks):
    return [range((n + c - 1) // c) for n, c in zip(shape, chunks)]


def write_v3_array(folder, a, chunks, codec, shard=None, big_endian=False, fill=0, index_at_end=True):
    os.makedirs(folder, exist_ok=True)
    meta = {"zarr_format": 3, "node_type": "array", "shape": list(a.shape), "data_type": str(a.dtype),
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": list(shard or chunks)}},
            "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}}, "fill_value": fill,
            "codecs": codec_json(codec, big_endian, a.dtype.itemsize)}
    if shard:
        meta["codecs"] = [{"name": "sharding_indexed", "configuration": {
            "chunk_shape": list(chunks), "codecs": codec_json(codec, big_endian, a.dtype.itemsize),
            "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "crc32c"}],
            "index_location": "end" if index_at_end else "start"}}]
    with open(os.path.join(folder, "zarr.json"), "w") as f:
        json.dump(meta, f)
    outer = shard or chunks
    for key in np.ndindex(*[len(r) for r in grid(a.shape, outer)]):
        origin = [k * s for k, s in zip(key, outer)]
        if shard:
            data = shard_bytes(a, origin, shard, chunks, codec, big_endian, fill, index_at_end)
        else:
            data = encode(padded(a, origin, chunks, fill), codec, big_endian)
        f = os.path.join(folder, "c", *map(str, key))
        os.makedirs(os.path.dirname(f), exist_ok=True)
        with open(f, "wb") as fh:
            fh.write(data)


def shard_bytes(a, origin, shard, chunks, codec, big_endian, fill, index_at_end):
    inner = [s // c for s, c in zip(shard, chunks)]
    n = int(np.prod(inner))
    index_size = 16 * n + 4
    body, entries = b"", []
    for key in np.ndindex(*inner):
        o = [s + k * c for s, k, c in zip(origin, key, chunks)]
        block = padded(a, o, chunks, fill)
        if all(x >= m for x, m in zip(o, a.shape)) or np.all(block == fill):
            entries.append((2 ** 64 - 1, 2 ** 64 - 1))  # empty inner chunk
            continue
        enc = encode(block, codec, big_endian)
        entries.append(((0 if index_at_end else index_size) + len(body), len(enc)))
        body += enc
    index = b"".join(struct.pack("<QQ", off, nb) for off, nb in entries)
    index += struct.pack("<I", crc32c(index))
    return body + index if index_at_end else index + body


def write_v3_image(name, levels, axes, chunks, codec, attrs, **kw):
    os.makedirs(path(name), exist_ok=True)
    with open(path(name, "zarr.json"), "w") as f:
        json.dump({"zarr_format": 3, "node_type": "group", "attributes": {"ome": attrs}}, f)
    for k, lv in enumerate(levels):
        write_v3_array(path(name, str(k)), lv, chunks, codec, **kw)


# ---- good images -----------------------------------------------------------------------------

# H&E, NGFF 0.4, blosc, "/" keys, (c, y, x) uint8, no omero: shown as RGB.
axes = "cyx"
levels = pyramid(he(500, 700), 3)
levels = write_v2("he_v2_blosc.zarr", levels, axes, (3, 128, 128), Blosc(cname="lz4", clevel=5, shuffle=Blosc.SHUFFLE),
         {"multiscales": multiscales(axes, {"x": "micrometer", "y": "micrometer"}, level_scales(axes, 0.5, 3))})
save_expected("he_v2_blosc.zarr", levels, axes, rgb=True)

# Fluorescence, NGFF 0.4, zstd, "." keys, (c, z, y, x) uint16 in chunks of two channels, nm units,
# a global scale, omero labels, colours, windows and one channel off.
axes = "czyx"
levels = pyramid(fluo(4, 330, 410).reshape(4, 1, 330, 410).repeat(2, axis=1) + np.array([0, 100], np.uint16).reshape(1, 2, 1, 1), 3)
levels = write_v2("fluo_v2_zstd.zarr", levels, axes, (2, 1, 100, 120), Zstd(level=3),
         {"multiscales": multiscales(axes, {"x": "nanometer", "y": "nanometer"}, level_scales(axes, 106.25, 3),
                                     translation=[0, 0, 3.0, 5.0], global_scale=[1, 1, 2, 2]),
          "omero": omero(["DAPI", "ATP1A1", "CD45", "18S"], ["0000FF", "00FF00", "FF0000", "FFFF00"],
                         [(100, 30000), (0, 40000), (500, 20000), (0, 70000)], [True, True, False, True])}, sep=".")
save_expected("fluo_v2_zstd.zarr", levels, axes)

# One channel, (y, x) only, big-endian uint16, zlib, fill value 7, one chunk file removed.
axes = "yx"
levels = pyramid(fluo(1, 260, 300)[0], 2)
levels = write_v2("gray_v2_zlib_be.zarr", levels, axes, (64, 64), Zlib(level=5),
         {"multiscales": multiscales(axes, {"x": "micrometer", "y": "micrometer"}, level_scales(axes, 1.0, 2))}, dtype=">u2", fill=7)
os.remove(path("gray_v2_zlib_be.zarr", "0", "1", "2"))
levels = read_back("gray_v2_zlib_be.zarr", levels)
assert (levels[0][64:128, 128:192] == 7).all()
save_expected("gray_v2_zlib_be.zarr", levels, axes)

# 8-bit, gzip, no units (SpatialData's pixel space): no microns per pixel.
axes = "cyx"
levels = pyramid(fluo(2, 200, 240, hi=250).astype(np.uint8), 2)
levels = write_v2("nounit_v2_gzip.zarr", levels, axes, (1, 100, 100), GZip(level=5),
         {"multiscales": multiscales(axes, {}, level_scales(axes, 1.0, 2))})
save_expected("nounit_v2_gzip.zarr", levels, axes)

# NGFF 0.5 on Zarr v3: zstd, (c, y, x) uint16, omero colours.
axes = "cyx"
levels = pyramid(fluo(3, 300, 350), 3)
write_v3_image("fluo_v3_zstd.zarr", levels, axes, (1, 128, 128), "zstd",
               {"version": "0.5", "multiscales": multiscales(axes, {"x": "micrometer", "y": "micrometer"}, level_scales(axes, 0.2125, 3), "0.5"),
                "omero": omero(["DAPI", "A", "B"], ["0000FF", "FF00FF", "00FFFF"], [(0, 50000)] * 3, [True] * 3)})
save_expected("fluo_v3_zstd.zarr", levels, axes)

# NGFF 0.5, sharded H&E: shards of 2 x 2 inner chunks, blosc inside, crc32c index at the end;
# a white corner leaves inner chunks empty (fill value 255).
axes = "cyx"
img = he(300, 420)
img[:, :100, :100] = 255
levels = pyramid(img, 2)
write_v3_image("he_v3_sharded.zarr", levels, axes, (3, 64, 64), "blosc",
               {"version": "0.5", "multiscales": multiscales(axes, {"x": "micrometer", "y": "micrometer"}, level_scales(axes, 0.25, 2), "0.5")},
               shard=(3, 128, 128), fill=255)
save_expected("he_v3_sharded.zarr", levels, axes, rgb=True)

# Sharded with the index at the start, gzip, big-endian samples, (t, c, y, x).
axes = "tcyx"
levels = pyramid(np.stack([fluo(2, 200, 260), fluo(2, 200, 260)]), 2)
write_v3_image("fluo_v3_shard_start.zarr", levels, axes, (1, 1, 50, 50), "gzip",
               {"version": "0.5", "multiscales": multiscales(axes, {"x": "micrometer", "y": "micrometer"}, level_scales(axes, 0.5, 2), "0.5")},
               shard=(1, 1, 100, 100), big_endian=True, index_at_end=False)
save_expected("fluo_v3_shard_start.zarr", levels, axes)

# A bioformats2raw root whose series 0 is an image.
os.makedirs(path("bf2raw.zarr"), exist_ok=True)
zarr.open_group(path("bf2raw.zarr"), mode="a").attrs["bioformats2raw.layout"] = 3
shutil.copytree(path("nounit_v2_gzip.zarr"), path("bf2raw.zarr", "0"))

# ---- bad images ------------------------------------------------------------------------------

def variant(src, name):
    shutil.copytree(path(src), path(name))
    return path(name)


def edit_json(file, change):
    with open(file) as f:
        d = json.load(f)
    change(d)
    with open(file, "w") as f:
        json.dump(d, f)


p = variant("he_v2_blosc.zarr", "bad_truncated_chunk.zarr")
with open(os.path.join(p, "0", "0", "1", "1"), "r+b") as f:
    f.truncate(os.path.getsize(f.name) // 2)

p = variant("fluo_v3_zstd.zarr", "bad_zstd_bytes.zarr")
with open(os.path.join(p, "0", "c", "0", "0", "0"), "r+b") as f:
    f.truncate(os.path.getsize(f.name) - 20)

p = variant("he_v3_sharded.zarr", "bad_shard_crc.zarr")
with open(os.path.join(p, "0", "c", "0", "1", "1"), "r+b") as f:
    f.seek(-10, 2)
    f.write(b"\x00\x01")

p = variant("he_v3_sharded.zarr", "bad_shard_offset.zarr")
shard = os.path.join(p, "0", "c", "0", "1", "1")
with open(shard, "rb") as f:
    data = bytearray(f.read())
# entry 0 points far past the end; the index's crc is made valid again
index_at = len(data) - (16 * 4 + 4)
index = bytearray(data[index_at:-4])
index[0:16] = struct.pack("<QQ", 10 ** 9, 100)
data[index_at:] = index + struct.pack("<I", crc32c(bytes(index)))
with open(shard, "wb") as f:
    f.write(data)

p = variant("he_v2_blosc.zarr", "bad_float.zarr")
shutil.rmtree(os.path.join(p, "0"))
zarr.open_group(p, mode="a").create_dataset("0", data=np.zeros((3, 500, 700), np.float32), chunks=(3, 128, 128))

p = variant("he_v2_blosc.zarr", "bad_huge_chunk.zarr")
edit_json(os.path.join(p, "0", ".zarray"), lambda d: d.update(chunks=[3, 100000, 100000]))

p = variant("he_v2_blosc.zarr", "bad_rank.zarr")
edit_json(os.path.join(p, ".zattrs"), lambda d: d["multiscales"][0]["axes"].pop(0))

p = variant("he_v2_blosc.zarr", "bad_axes_order.zarr")
edit_json(os.path.join(p, ".zattrs"), lambda d: d["multiscales"][0]["axes"].reverse())

p = variant("he_v2_blosc.zarr", "bad_no_axes.zarr")
edit_json(os.path.join(p, ".zattrs"), lambda d: d["multiscales"][0].pop("axes"))

p = variant("he_v2_blosc.zarr", "bad_json.zarr")
with open(os.path.join(p, ".zattrs"), "w") as f:
    f.write('{"multiscales": [ {"version": "0.4", ')

p = variant("he_v2_blosc.zarr", "bad_level_order.zarr")
edit_json(os.path.join(p, ".zattrs"), lambda d: d["multiscales"][0]["datasets"].reverse())

p = variant("he_v2_blosc.zarr", "bad_missing_level.zarr")
shutil.rmtree(os.path.join(p, "2"))

p = variant("he_v2_blosc.zarr", "bad_path_escape.zarr")
edit_json(os.path.join(p, ".zattrs"), lambda d: d["multiscales"][0]["datasets"][1].update(path="../fluo_v2_zstd.zarr/0"))

p = variant("he_v2_blosc.zarr", "bad_compressor.zarr")
edit_json(os.path.join(p, "0", ".zarray"), lambda d: d.update(compressor={"id": "lz4", "acceleration": 1}))

p = variant("he_v2_blosc.zarr", "bad_scale.zarr")
edit_json(os.path.join(p, ".zattrs"), lambda d: d["multiscales"][0]["datasets"][0]["coordinateTransformations"][0].update(scale=[1, 0, 0.5]))

g = zarr.open_group(path("bad_filters.zarr"), mode="w")
g.create_dataset("0", data=fluo(1, 64, 64)[0], chunks=(32, 32), filters=[Delta(dtype="u2")])
g.attrs["multiscales"] = multiscales("yx", {}, [[1.0, 1.0]])

g = zarr.open_group(path("bad_order_f.zarr"), mode="w")
g.create_dataset("0", data=fluo(1, 64, 64)[0], chunks=(32, 32), order="F")
g.attrs["multiscales"] = multiscales("yx", {}, [[1.0, 1.0]])

g = zarr.open_group(path("bad_channels.zarr"), mode="w")
g.create_dataset("0", shape=(1000, 64, 64), chunks=(1, 64, 64), dtype="u2")
g.attrs["multiscales"] = multiscales("cyx", {}, [[1.0, 1.0, 1.0]])

# Valid but sparse: 30,000,000 x 30,000,000 declared, no chunk written (all fill value 3).
g = zarr.open_group(path("sparse_huge.zarr"), mode="w")
g.create_dataset("0", shape=(30_000_000, 30_000_000), chunks=(1024, 1024), dtype="u2", fill_value=3)
g.attrs["multiscales"] = multiscales("yx", {"x": "micrometer", "y": "micrometer"}, [[1.0, 1.0]])

os.makedirs(path("plain_folder"), exist_ok=True)
