#!/usr/bin/python3
"""Writes the OME-TIFF test corpus with tools independent of HEScape's reader:
python3-tifffile writes the files (OME-XML, SubIFD pyramids, tiles, strips),
PIL encodes JPEG and JPEG 2000 tiles, and libtiff's tiffcp recompresses one
file as LZW. Beside every good file, each pyramid level's expected pixels
are written as raw C-order arrays (<name>.level<k>.raw), decoded by tifffile
or PIL, never by the code under test.

usage: make_ome_tiff_corpus.py OUTDIR
"""
import io
import os
import struct
import subprocess
import sys

import numpy as np
import tifffile
from PIL import Image



def _precompressed_only(*args, **kwargs):
    raise RuntimeError("tiles must be handed over already compressed (PIL encodes them)")


# Debian 12 packages no imagecodecs, so tifffile has no JPEG/JPEG 2000
# encoder; it writes tiles that PIL compressed, as they are, once the tag
# has an (unused) entry.
for _tag in (7, 34712):
    tifffile.TIFF.COMPRESSORS._codecs.setdefault(_tag, _precompressed_only)

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)


def path(name):
    return os.path.join(out, name)


def half(a):
    """2x2 mean (edges cropped to even), the pyramid's next level."""
    h, w = a.shape[0] // 2 * 2, a.shape[1] // 2 * 2
    b = a[:h, :w].astype(np.float64)
    b = (b[0::2, 0::2] + b[1::2, 0::2] + b[0::2, 1::2] + b[1::2, 1::2]) / 4
    return np.round(b).astype(a.dtype)


def pyramid(a, n):
    levels = [a]
    for _ in range(n - 1):
        levels.append(half(levels[-1]))
    return levels


def save_levels(name, levels):
    for k, lv in enumerate(levels):
        np.ascontiguousarray(lv).tofile(path(f"{name}.level{k}.raw"))


def he_image(h, w):
    """Smooth pink/purple tissue-like RGB with some texture."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 200 + 40 * np.sin(x / 37.0) * np.cos(y / 53.0)
    g = 120 + 60 * np.sin((x + y) / 71.0)
    b = 190 + 30 * np.cos(x / 23.0 - y / 41.0)
    img = np.stack([r, g, b], axis=-1) + rng.normal(0, 3, (h, w, 3))
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def tiles_of(a, t):
    """Row-major tiles of a (H, W[, C]) array, padded with zeros to t x t."""
    for y in range(0, a.shape[0], t):
        for x in range(0, a.shape[1], t):
            tile = np.zeros((t, t) + a.shape[2:], a.dtype)
            part = a[y:y + t, x:x + t]
            tile[:part.shape[0], :part.shape[1]] = part
            yield tile


def write_he(name, compression):
    levels = pyramid(he_image(900, 1100), 3)
    meta = {"axes": "YXS", "PhysicalSizeX": 0.69, "PhysicalSizeY": 0.69, "PhysicalSizeXUnit": "µm",
            "PhysicalSizeYUnit": "µm", "Name": "H&E"}
    with tifffile.TiffWriter(path(name), bigtiff=(compression == "zlib")) as tif:
        opts = dict(tile=(256, 256), photometric="rgb", compression=compression)
        tif.write(levels[0], subifds=2, metadata=meta, **opts)
        for lv in levels[1:]:
            tif.write(lv, subfiletype=1, metadata=None, **opts)
    save_levels(name, levels)


def jpeg_tile(tile):
    b = io.BytesIO()
    Image.fromarray(tile).save(b, format="JPEG", quality=90)
    return b.getvalue()


def decode_jpeg_tiles(data_tiles, shape, t):
    h, w = shape[:2]
    outa = np.zeros(shape, np.uint8)
    k = 0
    for y in range(0, h, t):
        for x in range(0, w, t):
            dec = np.asarray(Image.open(io.BytesIO(data_tiles[k])).convert("RGB"))
            outa[y:y + t, x:x + t] = dec[:min(t, h - y), :min(t, w - x)]
            k += 1
    return outa


def write_he_jpeg(name):
    levels = pyramid(he_image(900, 1100), 3)
    meta = {"axes": "YXS", "PhysicalSizeX": 690, "PhysicalSizeY": 690, "PhysicalSizeXUnit": "nm", "PhysicalSizeYUnit": "nm"}
    expected = []
    with tifffile.TiffWriter(path(name)) as tif:
        for k, lv in enumerate(levels):
            encoded = [jpeg_tile(t) for t in tiles_of(lv, 256)]
            expected.append(decode_jpeg_tiles(encoded, lv.shape, 256))
            extra = dict(subifds=2, metadata=meta) if k == 0 else dict(subfiletype=1, metadata=None)
            tif.write(iter(encoded), shape=lv.shape, dtype=np.uint8, tile=(256, 256), compression="jpeg",
                      photometric="ycbcr", subsampling=(2, 2), **extra)
    save_levels(name, expected)


def fluo_channels(c, h, w, dtype):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    top = 4000 if dtype == np.uint16 else 200
    chans = []
    for k in range(c):
        blobs = np.sin(x / (9.0 + 4 * k)) * np.cos(y / (11.0 + 3 * k))
        v = top * np.clip(blobs, 0, 1) ** 2 + rng.normal(100 if dtype == np.uint16 else 5, 5, (h, w))
        chans.append(np.clip(np.round(v), 0, np.iinfo(dtype).max).astype(dtype))
    return np.stack(chans)


def write_fluo(name):
    names = ["DAPI", "CD3", "CD20", "PanCK"]
    data = fluo_channels(4, 1500, 1200, np.uint16)
    levels = [data]
    for _ in range(2):
        levels.append(np.stack([half(ch) for ch in levels[-1]]))
    meta = {"axes": "CYX", "PhysicalSizeX": 0.2125, "PhysicalSizeY": 0.2125,
            "Channel": {"Name": names, "Color": [-16776961, 16711935, -65281, 65535]}}
    with tifffile.TiffWriter(path(name), bigtiff=True) as tif:
        opts = dict(tile=(256, 256), compression="zlib", photometric="minisblack")
        tif.write(levels[0], subifds=2, metadata=meta, **opts)
        for lv in levels[1:]:
            tif.write(lv, subfiletype=1, metadata=None, **opts)
    for k, lv in enumerate(levels):
        for c in range(4):
            np.ascontiguousarray(lv[c]).tofile(path(f"{name}.c{c}.level{k}.raw"))


def ome_xml(size_x, size_y, size_c=1, ptype="uint8", extra_pixels="", channels=None, tiffdata="<TiffData/>", order="XYCZT"):
    chans = channels if channels is not None else "".join(
        f'<Channel ID="Channel:0:{c}" SamplesPerPixel="1"/>' for c in range(size_c))
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06">'
            f'<Image ID="Image:0" Name="test"><Pixels ID="Pixels:0" DimensionOrder="{order}" Type="{ptype}" '
            f'SizeX="{size_x}" SizeY="{size_y}" SizeC="{size_c}" SizeZ="1" SizeT="1" {extra_pixels}>'
            f'{chans}{tiffdata}</Pixels></Image></OME>')


def write_strips_reduced(name):
    """Two uint8 channels in strips; each plane's pyramid as reduced IFDs after it."""
    data = fluo_channels(2, 700, 500, np.uint8)
    xml = ome_xml(500, 700, 2, "uint8", 'PhysicalSizeX="325" PhysicalSizeXUnit="nm" PhysicalSizeY="325" PhysicalSizeYUnit="nm"',
                  channels='<Channel ID="Channel:0:0" Name="Hoechst" SamplesPerPixel="1"/>'
                           '<Channel ID="Channel:0:1" Name="Actin" SamplesPerPixel="1"/>',
                  tiffdata='<TiffData FirstC="0" IFD="0" PlaneCount="1"/><TiffData FirstC="1" IFD="3" PlaneCount="1"/>')
    with tifffile.TiffWriter(path(name)) as tif:
        for c in range(2):
            levels = pyramid(data[c], 3)
            for k, lv in enumerate(levels):
                tif.write(lv, rowsperstrip=64, photometric="minisblack", metadata=None,
                          description=xml if (c == 0 and k == 0) else None, subfiletype=1 if k else 0)
                np.ascontiguousarray(lv).tofile(path(f"{name}.c{c}.level{k}.raw"))


def write_lzw(name):
    data = fluo_channels(1, 300, 410, np.uint16)[0]
    plain = path(name + ".plain.tif")
    tifffile.imwrite(plain, data, photometric="minisblack", metadata=None, description=ome_xml(410, 300, 1, "uint16"))
    subprocess.run(["tiffcp", "-c", "lzw", plain, path(name)], check=True)
    os.remove(plain)
    data.tofile(path(f"{name}.c0.level0.raw"))


def j2k_tile(tile, size=None):
    im = Image.fromarray(tile, mode="I;16" if tile.dtype == np.uint16 else None)
    if size:
        im = im.resize(size)
    b = io.BytesIO()
    im.save(b, format="JPEG2000", no_jp2=True, irreversible=False)
    return b.getvalue()


def write_j2k(name, wrong_tile=False):
    data = fluo_channels(1, 500, 600, np.uint16)[0]
    tiles = [j2k_tile(t, (128, 128) if wrong_tile else None) for t in tiles_of(data, 256)]
    with tifffile.TiffWriter(path(name)) as tif:
        tif.write(iter(tiles), shape=data.shape, dtype=np.uint16, tile=(256, 256), compression=34712,
                  photometric="minisblack", metadata=None, description=ome_xml(600, 500, 1, "uint16"))
    if not wrong_tile:
        data.tofile(path(f"{name}.c0.level0.raw"))


def write_multi_file(folder):
    """XOA >= 2 style: one file per channel, the first file's OME-XML names both."""
    os.makedirs(path(folder), exist_ok=True)
    data = fluo_channels(2, 300, 260, np.uint16)
    files = ["ch0000_dapi.ome.tif", "ch0001_boundary.ome.tif"]
    td = "".join(f'<TiffData FirstC="{c}" IFD="0" PlaneCount="1"><UUID FileName="{f}">urn:uuid:{c}</UUID></TiffData>'
                 for c, f in enumerate(files))
    xml = ome_xml(260, 300, 2, "uint16", 'PhysicalSizeX="0.2125" PhysicalSizeY="0.2125"',
                  channels='<Channel ID="Channel:0:0" Name="DAPI"/><Channel ID="Channel:0:1" Name="ATP1A1/CD45/E-Cadherin"/>',
                  tiffdata=td)
    for c, f in enumerate(files):
        tifffile.imwrite(os.path.join(path(folder), f), data[c], tile=(128, 128), photometric="minisblack",
                         metadata=None, description=xml if c == 0 else '<?xml version="1.0"?><OME><BinaryOnly/></OME>')
        data[c].tofile(path(f"{folder}.c{c}.level0.raw"))


def write_bad():
    small = fluo_channels(1, 256, 256, np.uint8)[0]
    def plain(name, xml):
        tifffile.imwrite(path(name), small, tile=(128, 128), photometric="minisblack", metadata=None, description=xml)
    plain("bad_malformed_xml.ome.tif", ome_xml(256, 256)[:-30])
    plain("bad_size_mismatch.ome.tif", ome_xml(1000, 256))
    plain("bad_size_c0.ome.tif", ome_xml(256, 256, 0, channels=""))
    plain("bad_type_mismatch.ome.tif", ome_xml(256, 256, 1, "uint16"))
    plain("bad_missing_ifd.ome.tif", ome_xml(256, 256, tiffdata='<TiffData IFD="5" PlaneCount="1"/>'))
    plain("bad_missing_plane_file.ome.tif", ome_xml(256, 256, 2, tiffdata=
          '<TiffData FirstC="0" IFD="0" PlaneCount="1"/>'
          '<TiffData FirstC="1" IFD="0" PlaneCount="1"><UUID FileName="absent.ome.tif">urn:uuid:x</UUID></TiffData>'))
    write_j2k("bad_j2k_tile_size.ome.tif", wrong_tile=True)

    # Truncated: the 4-channel file cut at 60 % of its length.
    with open(path("fluo_4ch.ome.tif"), "rb") as f:
        whole = f.read()
    with open(path("bad_truncated.ome.tif"), "wb") as f:
        f.write(whole[:len(whole) * 6 // 10])

    # Cut at 70 %: the OME-XML (written first) survives, the last tiles do not.
    with open(path("j2k_16bit.ome.tif"), "rb") as f:
        whole = f.read()
    with open(path("bad_truncated_tiles.ome.tif"), "wb") as f:
        f.write(whole[:len(whole) * 7 // 10])

    # A SubIFD offset past the end of the file.
    with open(path("he_none.ome.tif"), "rb") as f:
        data = bytearray(f.read())
    with tifffile.TiffFile(path("he_none.ome.tif")) as tf:
        tag = tf.pages[0].tags["SubIFDs"]
        where = tag.valueoffset
    struct.pack_into("<I", data, where, len(data) + 1_000_000)
    with open(path("bad_subifd_offset.ome.tif"), "wb") as f:
        f.write(data)

    write_huge_declared("bad_huge_declared.ome.tif", 30_000_000)
    write_huge_declared("bad_large_declared.ome.tif", 3_000_000)


def write_huge_declared(name, side):
    """A few hundred bytes of TIFF that declare side x side tiled pixels."""
    xml = ome_xml(side, side).encode() + b"\0"
    entries = [(256, 4, 1, side), (257, 4, 1, side), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (270, 2, len(xml), None), (277, 3, 1, 1), (322, 3, 1, 256), (323, 3, 1, 256),
               (324, 4, 1, 0), (325, 4, 1, 65536)]
    ifd_size = 2 + 12 * len(entries) + 4
    xml_offset = 8 + ifd_size
    body = bytearray(b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", len(entries)))
    for tag, typ, count, value in entries:
        if tag == 270:
            value = xml_offset
        fmt = "<HHI" + ("HH" if typ == 3 else "I")
        body += struct.pack(fmt, tag, typ, count, *((value, 0) if typ == 3 else (value,)))
    body += struct.pack("<I", 0) + xml
    with open(path(name), "wb") as f:
        f.write(body)


write_he("he_none.ome.tif", "none")
write_he("he_zlib.ome.tif", "zlib")
write_he_jpeg("he_jpeg.ome.tif")
write_fluo("fluo_4ch.ome.tif")
write_strips_reduced("fluo_strips_reduced.ome.tif")
write_lzw("single_lzw.ome.tif")
write_j2k("j2k_16bit.ome.tif")
write_multi_file("morphology_focus")
write_bad()
print("ok")
