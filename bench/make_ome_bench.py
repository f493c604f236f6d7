#!/usr/bin/python3
"""Benchmark OME-TIFFs, written by python3-tifffile (not by HEScape):

  make_ome_bench.py he TWIN.tiff OUT.ome.tif
      The pixels of TWIN (bench_slide_50k.tiff from make_bench_slide), read
      level by level with openslide-python, as an OME-TIFF H&E: JPEG tiles
      (PIL, quality 85, YCbCr 4:2:0) of 256 px, the lower levels as SubIFDs
      of the same sizes as TWIN's, PhysicalSizeX/Y from TWIN's resolution.

  make_ome_bench.py fluo OUT.ome.tif [WIDTHxHEIGHT] [CHANNELS]
      A 16-bit morphology image (default 40000x30000, 4 channels) like
      Xenium's: one IFD per channel with 512-px Deflate tiles and SubIFDs
      halving down to ~1000 px, nuclei-like blobs over dark background.
"""
import io
import math
import sys

import numpy as np
import tifffile
from PIL import Image


def _never(*a, **k):
    raise RuntimeError("tiles are handed over already compressed")


tifffile.TIFF.COMPRESSORS._codecs.setdefault(7, _never)  # no imagecodecs in Debian 12


def he(twin, out):
    import openslide
    s = openslide.OpenSlide(twin)
    mpp = float(s.properties.get("openslide.mpp-x", 0) or 0)
    if not mpp and "tiff.XResolution" in s.properties:
        mpp = 1e4 / float(s.properties["tiff.XResolution"])  # centimetre units, as make_bench_slide writes
    t = 256

    def tiles(level):
        w, h = s.level_dimensions[level]
        ds = s.level_downsamples[level]
        for y in range(0, h, t):
            for x in range(0, w, t):
                region = s.read_region((int(round(x * ds)), int(round(y * ds))), level, (t, t)).convert("RGB")
                b = io.BytesIO()
                region.save(b, format="JPEG", quality=85)
                yield b.getvalue()

    meta = {"axes": "YXS", "PhysicalSizeX": mpp, "PhysicalSizeY": mpp} if mpp else {"axes": "YXS"}
    with tifffile.TiffWriter(out, bigtiff=True) as tif:
        for level in range(s.level_count):
            w, h = s.level_dimensions[level]
            extra = dict(subifds=s.level_count - 1, metadata=meta) if level == 0 else dict(subfiletype=1, metadata=None)
            tif.write(tiles(level), shape=(h, w, 3), dtype=np.uint8, tile=(t, t), compression="jpeg",
                      photometric="ycbcr", subsampling=(2, 2), **extra)
            print(f"level {level}: {w} x {h}", flush=True)


def blob_tile(x0, y0, t, scale, channel):
    """Deterministic blobs at level-0 coordinates, sampled every `scale` px."""
    y, x = np.mgrid[0:t, 0:t].astype(np.float32)
    gx, gy = (x0 + x) * scale, (y0 + y) * scale
    period = 23.0 + 7 * channel
    v = np.sin(gx / period) * np.cos(gy / (period * 1.3)) + 0.4 * np.sin((gx + gy) / 211.0)
    v = np.clip(v, 0, None) ** 3 * 9000 + 300 + 40 * np.sin(gx * 0.37 + gy * 0.11)
    return v.astype(np.uint16)


def fluo(out, size="40000x30000", channels="4"):
    w0, h0 = (int(v) for v in size.split("x"))
    c = int(channels)
    t = 512
    levels = [(w0, h0)]
    while max(levels[-1]) > 1000:
        levels.append((max(1, levels[-1][0] // 2), max(1, levels[-1][1] // 2)))
    names = ["DAPI", "ATP1A1/CD45/E-Cadherin", "18S", "AlphaSMA/Vimentin"] + [f"Channel {k}" for k in range(4, c)]

    def tiles(channel, level):
        w, h = levels[level]
        scale = 2 ** level
        for y in range(0, h, t):
            for x in range(0, w, t):
                yield blob_tile(x, y, t, scale, channel)

    meta = {"axes": "CYX", "PhysicalSizeX": 0.2125, "PhysicalSizeY": 0.2125, "Channel": {"Name": names[:c]}}
    with tifffile.TiffWriter(out, bigtiff=True, ome=True) as tif:
        for level, (w, h) in enumerate(levels):
            def planes():
                for ch in range(c):
                    yield from tiles(ch, level)
            extra = dict(subifds=len(levels) - 1, metadata=meta) if level == 0 else dict(subfiletype=1, metadata=None)
            tif.write(planes(), shape=(c, h, w), dtype=np.uint16, tile=(t, t), compression="zlib",
                      compressionargs={"level": 1}, photometric="minisblack", **extra)
            print(f"level {level}: {w} x {h} x {c}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "he":
        he(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 3 and sys.argv[1] == "fluo":
        fluo(*sys.argv[2:5])
    else:
        sys.exit(__doc__)
