#!/usr/bin/python3
"""Writes the Parquet test corpus of tst_parquet_file: small files for the
features no real test file has (data page v2, GZIP, ZSTD, UNCOMPRESSED, nulls in
optional columns, booleans, FLOAT, dictionaries with nulls, PLAIN_DICTIONARY,
several row groups and pages, logical and converted types, nested and
unsupported columns) and damaged variants of a small file.

Debian 12 packages no Parquet writer for Python (no pyarrow or fastparquet),
so this writes the format itself, straight from the specification
(apache/parquet-format parquet.thrift and Encodings.md, Thrift's
thrift-compact-protocol.md), with its own Thrift compact encoder. It shares
nothing with the C++ reader (core/io/ParquetFile) it tests. zlib/gzip come
from Python, SNAPPY from python3-snappy, ZSTD from python3-zstandard.

Usage: make_parquet_corpus.py OUTDIR
Writes OUTDIR/*.parquet and OUTDIR/manifest.json: for every good file its row
count, row groups and columns (name, physical type, logical type, optional,
values). Values are strings -- integers in decimal, floating point as
float.hex() so they compare bit for bit -- or null; booleans are "0"/"1".
"""
import gzip
import json
import math
import os
import struct
import sys

import snappy
import zstandard

# ---- Thrift compact protocol ------------------------------------------------
# A struct is a list of (field id, type, value); a value of None leaves the
# field out. LIST values are (element type, items[, declared size]).
BOOL, I8, I16, I32, I64, DOUBLE, BINARY, LIST, STRUCT = "bool", 3, 4, 5, 6, 7, 8, 9, 12


def uleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def zigzag(n):
    return (n << 1) ^ (n >> 63)


def encode_value(kind, value):
    if kind == I8:
        return struct.pack("<b", value)
    if kind in (I16, I32, I64):
        return uleb(zigzag(value))
    if kind == DOUBLE:
        return struct.pack("<d", value)
    if kind == BINARY:
        data = value.encode() if isinstance(value, str) else value
        return uleb(len(data)) + data
    if kind == LIST:
        element, items = value[0], value[1]
        size = value[2] if len(value) > 2 else len(items)
        header = bytes([size << 4 | element]) if size < 15 else bytes([0xF0 | element]) + uleb(size)
        return header + b"".join(encode_value(element, item) for item in items)
    if kind == STRUCT:
        return encode_struct(value)
    raise ValueError(kind)


def encode_struct(fields):
    out, last = bytearray(), 0
    for fid, kind, value in fields:
        if value is None:
            continue
        wire = (1 if value else 2) if kind == BOOL else kind
        if 0 < fid - last <= 15:
            out.append((fid - last) << 4 | wire)
        else:
            out.append(wire)
            out += uleb(zigzag(fid))
        if kind != BOOL:
            out += encode_value(kind, value)
        last = fid
    out.append(0)
    return bytes(out)


def nested_structs(depth):
    """An unknown field's value: `depth` structs, one inside the other."""
    value = []
    for _ in range(depth):
        value = [(1, STRUCT, value)]
    return value


# ---- Parquet enums (parquet.thrift) -------------------------------------------
BOOLEAN, INT32, INT64, INT96, FLOAT, DOUBLE_T, BYTE_ARRAY, FLBA = range(8)
PLAIN, PLAIN_DICTIONARY, RLE, RLE_DICTIONARY = 0, 2, 3, 8
UNCOMPRESSED, SNAPPY, GZIP, ZSTD = 0, 1, 2, 6
DATA_PAGE, DICTIONARY_PAGE, DATA_PAGE_V2 = 0, 2, 3
REQUIRED, OPTIONAL, REPEATED = 0, 1, 2
TYPE_NAMES = ["BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"]

# LogicalType union members (parquet.thrift LogicalType)
STRING_LOGICAL = [(1, STRUCT, [])]


def int_logical(bits, signed):
    return [(10, STRUCT, [(1, I8, bits), (2, BOOL, signed)])]


def timestamp_logical(utc, unit):  # unit: 1 MILLIS, 2 MICROS, 3 NANOS
    return [(8, STRUCT, [(1, BOOL, utc), (2, STRUCT, [(unit, STRUCT, [])])])]


# ---- encodings (Encodings.md) ----------------------------------------------------


def plain(ptype, values):
    if ptype == BOOLEAN:
        out = bytearray((len(values) + 7) // 8)
        for i, v in enumerate(values):
            if v:
                out[i // 8] |= 1 << (i % 8)
        return bytes(out)
    if ptype in (INT32, INT64, FLOAT, DOUBLE_T):
        fmt = {INT32: "i", INT64: "q", FLOAT: "f", DOUBLE_T: "d"}[ptype]
        return struct.pack("<%d%s" % (len(values), fmt), *values)
    if ptype == BYTE_ARRAY:
        data = [v.encode() if isinstance(v, str) else v for v in values]
        return b"".join(struct.pack("<I", len(d)) + d for d in data)
    return b"".join(values)  # INT96 and FIXED_LEN_BYTE_ARRAY: the bytes as they are


def run_length(values, i):
    n = 1
    while i + n < len(values) and values[i + n] == values[i]:
        n += 1
    return n


def hybrid(values, width):
    """RLE / bit-packed hybrid: runs of 8 or more equal values as RLE runs,
    everything else bit-packed in groups of 8 values, LSB first."""
    out, i = bytearray(), 0
    value_bytes = (width + 7) // 8
    while i < len(values):
        run = run_length(values, i)
        if run >= 8:
            out += uleb(run << 1) + values[i].to_bytes(value_bytes, "little")
            i += run
            continue
        # bit-pack whole groups of 8 until a long run starts (or the data ends)
        j = i + 8
        while j < len(values) and run_length(values, j) < 8:
            j += 8
        group = values[i:j]
        group += [0] * (-len(group) % 8)  # only the data's last group is padded
        bits = 0
        for k, v in enumerate(group):
            bits |= v << (k * width)
        out += uleb((len(group) // 8) << 1 | 1) + bits.to_bytes(len(group) // 8 * width, "little")
        i = j
    return bytes(out)


def compress(codec, data):
    if codec == UNCOMPRESSED:
        return data
    if codec == SNAPPY:
        return snappy.compress(data)
    if codec == GZIP:
        return gzip.compress(data, mtime=0)
    if codec == ZSTD:
        return zstandard.ZstdCompressor().compress(data)
    raise ValueError(codec)


# ---- writing -------------------------------------------------------------------


def page(out, kind, usize, body, sub_id, sub_fields, csize=None, extra=None):
    """Appends one page: its PageHeader, then `body` (already compressed).
    `csize` overrides the compressed size the header declares."""
    fields = [(1, I32, kind), (2, I32, usize), (3, I32, len(body) if csize is None else csize), (sub_id, STRUCT, sub_fields)]
    if extra:
        fields.append(extra)
    out += encode_struct(sorted(fields, key=lambda f: f[0])) + body


def dictionary_of(values):
    seen = {}
    for v in values:
        if v is not None and v not in seen:
            seen[v] = len(seen)
    return list(seen), seen


def encode_values(col, present, index, fault):
    """The page's value bytes and the encoding enum to declare."""
    enc = col.get("encoding", "plain")
    if enc in ("dict", "legacy_dict"):
        ids = [index[v] for v in present]
        if fault == "dict_index" and ids:
            ids[len(ids) // 2] = len(index) + 2
        width = max(ids, default=0).bit_length()
        return bytes([width]) + hybrid(ids, width), (PLAIN_DICTIONARY if enc == "legacy_dict" else RLE_DICTIONARY)
    if enc == "rle":
        bits = hybrid([1 if v else 0 for v in present], 1)
        return struct.pack("<I", len(bits)) + bits, RLE
    data = plain(col["type"], present)
    return data, PLAIN


def data_page_v1(out, optional, rows, values, encoding, codec, fault):
    levels = [0 if v is None else 1 for v in rows]
    # fault def_level: an RLE run of level 2, past the maximum of 1
    def_bytes = uleb(len(rows) << 1) + bytes([2]) if fault == "def_level" else hybrid(levels, 1)
    raw = (struct.pack("<I", len(def_bytes)) + def_bytes if optional else b"") + values
    body = compress(codec, raw)
    if fault == "snappy_corrupt":
        body = body[:2] + b"\xff" * (len(body) - 2)
    usize = {"huge_uncompressed": 2_000_000_000, "gzip_ratio": 900_000_000, "size_plus": len(raw) + 8}.get(fault, len(raw))
    num_values = len(rows) + {"page_values": 1000, "page_values_plus_one": 1, "short_chunk": -1}.get(fault, 0)
    sub = [(1, I32, num_values), (2, I32, encoding), (3, I32, RLE), (4, I32, RLE)]
    extra = (100, STRUCT, nested_structs(40)) if fault == "deep_page_header" else None
    csize = len(body) + 1000 if fault == "page_past_end" else None
    page(out, DATA_PAGE, usize, body, 5, sub, csize=csize, extra=extra)


def data_page_v2(out, optional, rows, values, encoding, codec, compressed, fault):
    levels = [0 if v is None else 1 for v in rows]
    def_bytes = hybrid(levels, 1) if optional else b""
    data = compress(codec, values) if compressed else values
    def_len = len(def_bytes) + (len(data) + 10 if fault == "v2_levels" else 0)
    nulls = sum(1 for v in rows if v is None)
    sub = [(1, I32, len(rows)), (2, I32, nulls), (3, I32, len(rows)), (4, I32, encoding), (5, I32, def_len), (6, I32, 0),
           (7, BOOL, compressed)]
    page(out, DATA_PAGE_V2, len(def_bytes) + len(values), def_bytes + data, 8, sub)


def data_page(out, col, rows, index, opts, fault):
    present = [v for v in rows if v is not None]
    values, encoding = encode_values(col, present, index, fault)
    encoding = {"encoding_delta": 5, "encoding_bss": 9}.get(fault, encoding)
    optional = col["repetition"] == OPTIONAL
    if opts.get("page_version", 1) == 1:
        data_page_v1(out, optional, rows, values, encoding, opts["codec"], fault)
    else:
        compressed = col["name"] not in opts.get("uncompressed_columns", ())
        data_page_v2(out, optional, rows, values, encoding, opts["codec"], compressed, fault)


def column_chunk(out, col, rows, opts, fault):
    """Writes one column chunk; returns its ColumnMetaData fields."""
    codec = opts["codec"]
    enc = col.get("encoding", "plain")
    dictionary_offset, index = None, {}
    if enc in ("dict", "legacy_dict"):
        dictionary, index = dictionary_of(rows)
        if fault != "drop_dictionary":
            raw = plain(col["type"], dictionary)
            if fault == "dict_string_length":
                raw = struct.pack("<I", 10**6) + raw[4:]
            body = compress(codec, raw)
            if fault == "snappy_corrupt":
                body = body[:2] + b"\xff" * (len(body) - 2)
            dictionary_offset = len(out)
            page(out, DICTIONARY_PAGE, len(raw), body, 7,
                 [(1, I32, len(dictionary)), (2, I32, PLAIN_DICTIONARY if enc == "legacy_dict" else PLAIN)])
    data_offset = len(out)
    per_page = opts.get("rows_per_page", len(rows)) or 1
    starts = list(range(0, len(rows), per_page)) or [0]
    for k, start in enumerate(starts):
        # page_values* hit the first page; short_chunk and page_past_end the last; the rest every page
        first, last = k == 0, k == len(starts) - 1
        hit = {"page_values": first, "page_values_plus_one": first, "short_chunk": last, "page_past_end": last}.get(fault, True)
        data_page(out, col, rows[start:start + per_page], index, opts, fault if hit else None)
    start = dictionary_offset if dictionary_offset is not None else data_offset
    size = len(out) - start
    return [(1, I32, col["type"]), (2, LIST, (I32, [PLAIN, RLE] + ([RLE_DICTIONARY] if index else []))),
            (3, LIST, (BINARY, [col["name"]])), (4, I32, {"codec_lz4": 5, "codec_brotli": 4}.get(fault, codec)),
            (5, I64, len(rows)), (6, I64, size), (7, I64, size), (9, I64, 10**9 if fault == "chunk_offset" else data_offset),
            (11, I64, dictionary_offset)]


def schema_element(col):
    return [(1, I32, col["type"]), (2, I32, col.get("type_length")), (3, I32, col["repetition"]), (4, BINARY, col["name"]),
            (6, I32, col.get("converted")), (7, I32, col.get("scale")), (8, I32, col.get("precision")),
            (10, STRUCT, col.get("logical"))]


def write_file(path, columns, opts, faults=None, key_values=()):
    """A flat file. `faults` maps a column name (or "file") to a fault;
    `key_values` are (key, value) strings added to the footer's
    key_value_metadata (GeoParquet's "geo", pandas' "pandas")."""
    faults = faults or {}
    n = len(columns[0]["values"])
    per_group = opts.get("rows_per_group", n) or 1
    out = bytearray(b"PAR1")
    groups = []
    for start in range(0, n, per_group):
        chunks = []
        for col in columns:
            meta = column_chunk(out, col, col["values"][start:start + per_group], opts, faults.get(col["name"]))
            chunks.append([(2, I64, 0), (3, STRUCT, meta)])
        groups.append([(1, LIST, (STRUCT, chunks)), (2, I64, 0), (3, I64, min(per_group, n - start))])
    file_fault = faults.get("file")
    schema = [[(4, BINARY, "schema"), (5, I32, len(columns) + (40 if file_fault == "schema_children" else 0))]]
    schema += [schema_element(c) for c in columns]
    footer = [(1, I32, 1),
              (2, LIST, (STRUCT, schema, 1 << 30) if file_fault == "list_size" else (STRUCT, schema)),
              (3, I64, n + (7 if file_fault == "file_rows" else 0)), (4, LIST, (STRUCT, groups)),
              (5, LIST, (STRUCT, [[(1, BINARY, "written_by"), (2, BINARY, "make_parquet_corpus.py")]] +
                         [[(1, BINARY, k), (2, BINARY, v)] for k, v in key_values])),
              (6, BINARY, "hescape test corpus (make_parquet_corpus.py)")]
    if file_fault == "deep_thrift":
        footer.append((100, STRUCT, nested_structs(40)))
    meta = encode_struct(footer)
    out += meta + struct.pack("<I", len(meta)) + b"PAR1"
    with open(path, "wb") as f:
        f.write(out)


def text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return value.hex()
    return str(value)


def describe(columns, opts, rows):
    groups = max(1, -(-rows // (opts.get("rows_per_group", rows) or 1))) if rows else 0
    return {"rows": rows, "row_groups": groups,
            "columns": [{"name": c["name"], "physical": TYPE_NAMES[c["type"]], "logical": c.get("expect_logical", ""),
                         "optional": c["repetition"] == OPTIONAL, "values": [text(v) for v in c["values"]]}
                        for c in columns]}


# ---- the corpus ------------------------------------------------------------------


def col(name, ptype, repetition, values, **extra):
    return dict(name=name, type=ptype, repetition=repetition, values=values, **extra)


def plain_v1_uncompressed():
    """REQUIRED columns of every decoded type, PLAIN, three row groups of
    several v1 pages each, UNCOMPRESSED; LogicalType annotations."""
    n = 1000
    i32 = [(i * 7919) % 100003 - 50000 for i in range(n)]
    i32[3], i32[4] = -2**31, 2**31 - 1
    i64 = [i * 10**12 + i for i in range(n)]
    i64[5], i64[6] = -2**63, 2**63 - 1
    f32 = [(i % 97) / 8 - 6.0 for i in range(n)]
    f32[7], f32[8] = -0.0, math.inf
    f64 = [math.sin(i) * 1e6 for i in range(n)]
    f64[9], f64[10], f64[11] = math.nan, -0.0, 5e-324
    names = ["row-%d" % i if i % 10 else "µm %d ü" % i for i in range(n)]
    names[12] = ""
    columns = [col("i32", INT32, REQUIRED, i32),
               col("i64", INT64, REQUIRED, i64),
               col("f32", FLOAT, REQUIRED, f32),
               col("f64", DOUBLE_T, REQUIRED, f64),
               col("flag", BOOLEAN, REQUIRED, [i % 3 == 0 for i in range(n)]),
               col("name", BYTE_ARRAY, REQUIRED, names, converted=0, logical=STRING_LOGICAL, expect_logical="STRING"),
               col("tiny", INT32, REQUIRED, [i % 256 - 128 for i in range(n)], converted=15, logical=int_logical(8, True),
                   expect_logical="INT(8, signed)"),
               col("u16", INT32, REQUIRED, [(i * 131) % 65536 for i in range(n)], converted=12, logical=int_logical(16, False),
                   expect_logical="INT(16, unsigned)")]
    return columns, dict(codec=UNCOMPRESSED, rows_per_group=400, rows_per_page=150)


def optional_v1_gzip():
    """OPTIONAL columns with nulls (bit-packed and RLE definition levels), PLAIN
    and dictionary pages with nulls, a dictionary of 300 strings (9-bit
    indices), an all-null column, a one-entry dictionary (0-bit indices); GZIP."""
    n = 700
    ints = [None if i % 5 == 0 or 300 <= i < 350 else i * 3 - 1000 for i in range(n)]
    doubles = [None if i % 7 == 3 else [0.5, 1.25, -3.75, 1e300, 2.0**-20][i % 5] * (i % 20) for i in range(n)]
    strings = [None if i % 11 == 0 else "cell-%03d" % ((i * 37) % 300) for i in range(n)]
    bools = [None if i % 4 == 1 else i % 3 != 0 for i in range(n)]
    columns = [col("opt_i32", INT32, OPTIONAL, ints),
               col("opt_f64", DOUBLE_T, OPTIONAL, doubles, encoding="dict"),
               col("opt_str", BYTE_ARRAY, OPTIONAL, strings, encoding="dict", converted=0, logical=STRING_LOGICAL,
                   expect_logical="STRING"),
               col("opt_bool", BOOLEAN, OPTIONAL, bools),
               col("all_null", INT64, OPTIONAL, [None] * n),
               col("constant", INT32, REQUIRED, [42] * n, encoding="dict")]
    return columns, dict(codec=GZIP, rows_per_group=500, rows_per_page=128)


def v2_zstd():
    """Data pages v2, ZSTD, nulls, RLE-encoded booleans, pages whose values
    are stored uncompressed (is_compressed = false), a TIMESTAMP column."""
    n = 600
    columns = [col("v2_i64", INT64, OPTIONAL, [None if i % 9 == 2 else 1_700_000_000_000_000 + (i % 40) * 1000 for i in range(n)],
                   encoding="dict", logical=timestamp_logical(True, 2), converted=10, expect_logical="TIMESTAMP(MICROS, UTC)"),
               col("v2_f32", FLOAT, REQUIRED, [(i % 33) * 0.25 - 4 for i in range(n)]),
               col("v2_bool", BOOLEAN, OPTIONAL, [None if i % 6 == 0 else (i // 10) % 2 == 0 for i in range(n)], encoding="rle"),
               col("v2_str", BYTE_ARRAY, OPTIONAL, [None if i % 13 == 5 else "s%d" % (i * i % 1000) for i in range(n)],
                   converted=0, logical=STRING_LOGICAL, expect_logical="STRING"),
               col("v2_i32", INT32, REQUIRED, [(i // 3) % 17 for i in range(n)], encoding="dict")]
    return columns, dict(codec=ZSTD, page_version=2, rows_per_page=200, uncompressed_columns=("v2_str",))


def v2_snappy():
    """Data pages v2 with SNAPPY."""
    n = 300
    columns = [col("x", DOUBLE_T, OPTIONAL, [None if i % 8 == 0 else i / 3 for i in range(n)]),
               col("label", BYTE_ARRAY, REQUIRED, ["type %s" % "ABC"[i % 3] for i in range(n)], encoding="dict",
                   converted=0, logical=STRING_LOGICAL, expect_logical="STRING")]
    return columns, dict(codec=SNAPPY, page_version=2, rows_per_page=64)


def legacy_types():
    """ConvertedType annotations only (no LogicalType), PLAIN_DICTIONARY
    dictionary and data pages, as old parquet-mr writers made them."""
    n = 120
    unsigned = [(i * 35_791_394) % 2**32 for i in range(n)]  # up to ~4.3e9: above INT32's maximum
    prices = [i * 1234 - 50_000 for i in range(n)]  # DECIMAL(10, 2): -500.00 ...
    columns = [col("utf8", BYTE_ARRAY, REQUIRED, ["gene%d" % (i % 12) for i in range(n)], encoding="legacy_dict", converted=0,
                   expect_logical="STRING"),
               col("small", INT32, OPTIONAL, [None if i % 10 == 9 else (i % 7) * 1000 - 3000 for i in range(n)],
                   encoding="legacy_dict", converted=16, expect_logical="INT(16, signed)"),
               col("big_unsigned", INT32, REQUIRED, [u - 2**32 if u >= 2**31 else u for u in unsigned], converted=13,
                   expect_logical="INT(32, unsigned)"),
               col("ts_millis", INT64, REQUIRED, [1_600_000_000_000 + i * 60_000 for i in range(n)], converted=9,
                   expect_logical="TIMESTAMP(MILLIS, UTC)"),
               col("price", INT64, REQUIRED, prices, converted=5, scale=2, precision=10, expect_logical="DECIMAL(10, 2)")]
    return columns, dict(codec=UNCOMPRESSED, rows_per_page=50)


def unsupported_columns(path):
    """A schema with one flat column beside a nested group (loc.x, loc.y), a
    repeated column, FIXED_LEN_BYTE_ARRAY (UUID) and INT96 columns: only `id`
    reads; the others are refused by name. Written by hand: the levels of a
    repeated column are outside write_file's flat model."""
    out = bytearray(b"PAR1")
    chunks = []

    def chunk(name_path, ptype, body, num_values):
        offset = len(out)
        page(out, DATA_PAGE, len(body), body, 5, [(1, I32, num_values), (2, I32, PLAIN), (3, I32, RLE), (4, I32, RLE)])
        meta = [(1, I32, ptype), (2, LIST, (I32, [PLAIN, RLE])), (3, LIST, (BINARY, name_path)), (4, I32, UNCOMPRESSED),
                (5, I64, num_values), (6, I64, len(out) - offset), (7, I64, len(out) - offset), (9, I64, offset)]
        chunks.append([(2, I64, 0), (3, STRUCT, meta)])

    def levels(values, width):
        data = hybrid(values, width)
        return struct.pack("<I", len(data)) + data

    chunk(["id"], INT32, plain(INT32, [10, 20, 30]), 3)
    chunk(["loc", "x"], DOUBLE_T, plain(DOUBLE_T, [1.0, 2.0, 3.0]), 3)
    chunk(["loc", "y"], DOUBLE_T, plain(DOUBLE_T, [4.0, 5.0, 6.0]), 3)
    # tags: rows [1, 2], [], [3] -> repetition 0 1 0 0, definition 1 1 0 1
    chunk(["tags"], INT32, levels([0, 1, 0, 0], 1) + levels([1, 1, 0, 1], 1) + plain(INT32, [1, 2, 3]), 4)
    chunk(["uuid"], FLBA, plain(FLBA, [bytes([i]) * 16 for i in range(3)]), 3)
    chunk(["ts96"], INT96, levels([1, 1, 1], 1) + plain(INT96, [bytes(12)] * 3), 3)
    schema = [[(4, BINARY, "schema"), (5, I32, 5)],
              [(1, I32, INT32), (3, I32, REQUIRED), (4, BINARY, "id")],
              [(3, I32, REQUIRED), (4, BINARY, "loc"), (5, I32, 2)],
              [(1, I32, DOUBLE_T), (3, I32, REQUIRED), (4, BINARY, "x")],
              [(1, I32, DOUBLE_T), (3, I32, REQUIRED), (4, BINARY, "y")],
              [(1, I32, INT32), (3, I32, REPEATED), (4, BINARY, "tags")],
              [(1, I32, FLBA), (2, I32, 16), (3, I32, REQUIRED), (4, BINARY, "uuid"), (10, STRUCT, [(14, STRUCT, [])])],
              [(1, I32, INT96), (3, I32, OPTIONAL), (4, BINARY, "ts96")]]
    footer = encode_struct([(1, I32, 1), (2, LIST, (STRUCT, schema)), (3, I64, 3),
                            (4, LIST, (STRUCT, [[(1, LIST, (STRUCT, chunks)), (2, I64, 0), (3, I64, 3)]]))])
    out += footer + struct.pack("<I", len(footer)) + b"PAR1"
    with open(path, "wb") as f:
        f.write(out)


def damaged_base():
    """The small file every damaged variant starts from."""
    n = 40
    return [col("a", INT32, REQUIRED, list(range(100, 100 + n))),
            col("s", BYTE_ARRAY, OPTIONAL, [None if i % 6 == 0 else "v%d" % (i % 5) for i in range(n)], encoding="dict"),
            col("d", DOUBLE_T, OPTIONAL, [None if i % 4 == 0 else i * 0.5 for i in range(n)])]


# name: (codec, page version, {column or "file": fault})
DAMAGED = {
    "bad_page_past_end": (UNCOMPRESSED, 1, {"a": "page_past_end"}),
    "bad_dict_index": (UNCOMPRESSED, 1, {"s": "dict_index"}),
    "bad_encoding_delta": (UNCOMPRESSED, 1, {"a": "encoding_delta"}),
    "bad_encoding_bss": (UNCOMPRESSED, 1, {"d": "encoding_bss"}),
    "bad_codec_lz4": (UNCOMPRESSED, 1, {"a": "codec_lz4"}),
    "bad_codec_brotli": (UNCOMPRESSED, 1, {"d": "codec_brotli"}),
    "bad_huge_uncompressed": (SNAPPY, 1, {"a": "huge_uncompressed"}),
    "bad_gzip_ratio": (GZIP, 1, {"a": "gzip_ratio"}),
    "bad_zstd_size": (ZSTD, 1, {"d": "size_plus"}),
    "bad_snappy_size": (SNAPPY, 1, {"d": "size_plus"}),
    "bad_uncompressed_size": (UNCOMPRESSED, 1, {"d": "size_plus"}),
    "bad_snappy_data": (SNAPPY, 1, {"s": "snappy_corrupt"}),
    "bad_page_values": (UNCOMPRESSED, 1, {"a": "page_values"}),
    "bad_page_values_plus_one": (UNCOMPRESSED, 1, {"a": "page_values_plus_one"}),
    "bad_short_chunk": (UNCOMPRESSED, 1, {"a": "short_chunk"}),
    "bad_def_level": (UNCOMPRESSED, 1, {"d": "def_level"}),
    "bad_string_length": (UNCOMPRESSED, 1, {"s": "dict_string_length"}),
    "bad_missing_dictionary": (UNCOMPRESSED, 1, {"s": "drop_dictionary"}),
    "bad_chunk_offset": (UNCOMPRESSED, 1, {"d": "chunk_offset"}),
    "bad_deep_page_header": (UNCOMPRESSED, 1, {"a": "deep_page_header"}),
    "bad_v2_levels": (UNCOMPRESSED, 2, {"d": "v2_levels"}),
    "bad_file_rows": (UNCOMPRESSED, 1, {"file": "file_rows"}),
    "bad_deep_thrift": (UNCOMPRESSED, 1, {"file": "deep_thrift"}),
    "bad_list_size": (UNCOMPRESSED, 1, {"file": "list_size"}),
    "bad_schema_children": (UNCOMPRESSED, 1, {"file": "schema_children"}),
}


def main():
    outdir = sys.argv[1]
    manifest = {}
    for make in (plain_v1_uncompressed, optional_v1_gzip, v2_zstd, v2_snappy, legacy_types):
        columns, opts = make()
        write_file(os.path.join(outdir, make.__name__ + ".parquet"), columns, opts)
        manifest[make.__name__ + ".parquet"] = describe(columns, opts, len(columns[0]["values"]))
    empty = [col("nothing", DOUBLE_T, OPTIONAL, []), col("nobody", BYTE_ARRAY, REQUIRED, [])]
    write_file(os.path.join(outdir, "empty.parquet"), empty, dict(codec=UNCOMPRESSED))
    manifest["empty.parquet"] = describe(empty, {}, 0)
    unsupported_columns(os.path.join(outdir, "unsupported_columns.parquet"))
    write_file(os.path.join(outdir, "damaged_base.parquet"), damaged_base(), dict(codec=UNCOMPRESSED, rows_per_page=20))
    manifest["damaged_base.parquet"] = describe(damaged_base(), {}, 40)
    for name, (codec, version, faults) in DAMAGED.items():
        write_file(os.path.join(outdir, name + ".parquet"), damaged_base(), dict(codec=codec, page_version=version, rows_per_page=20),
                   faults)
    with open(os.path.join(outdir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
